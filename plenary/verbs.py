"""The audit verbs written by the plenary attendance services (``core.verbs``: the registry and the one timeline).

The stored strings are those the services wrote when they lived in ``groups``: older audit rows read the same.
An attendance row's verbs read with the labels below; a session's (``groups.PlenarySession``, created or changed
with ``GroupsVerb``) with groups'."""

from django.db import models
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("plenary")
class PlenaryVerb(models.TextChoices):
    RECORDED = "recorded", pgettext_lazy("audit", "recorded")
    CORRECTED = "corrected", pgettext_lazy("audit", "corrected")
    REMOVED = "removed", pgettext_lazy("audit", "removed")
    ATTENDANCE_FILLED = "attendance_filled", pgettext_lazy("audit", "missing attendance filled in as present")
