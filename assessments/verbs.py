"""The audit verbs written by the rule-set and roll-up services (``core.verbs``: the registry and the one
timeline)."""

from django.db import models
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("assessments")
class AssessmentVerb(models.TextChoices):
    LOCKED = "locked", pgettext_lazy("audit", "locked")
    QUEUED = "queued", pgettext_lazy("audit", "roll-up queued")
    DONE = "done", pgettext_lazy("audit", "roll-up done")
