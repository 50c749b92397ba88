"""The audit verbs written by the topic, session and outcome services, with their words on the pages
(``core.verbs``: the registry and the one timeline)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("consultations")
class ConsultationVerb(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    RANKED = "ranked", _("ranked")
    ADOPTED = "adopted", _("adopted")
    DECLINED = "declined", _("declined")
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")
    PUBLISHED = "published", _("published")
    ATTENDANCE = "attendance", _("attendance recorded")
    PARTICIPANT_ADDED = "participant_added", _("participant added")
    STAGE_RECORDED = "stage_recorded", _("speech recorded")
    DOCUMENT_UPLOADED = "document_uploaded", _("file uploaded")
    MERGED = "merged", _("merged")
    ASSIGNED = "assigned", _("handed to a unit")
    PROGRESS = "progress", _("progress recorded")
    SUPERVISED = "supervised", _("supervised")
    REPLIED = "replied", _("replied")
    OUTCOME_RATED = "outcome_rated", _("consultation outcome rated by the resident")
    REVIEWED = "reviewed", _("reply reviewed")
    RETURNED = "returned", _("reply returned")
    FOLLOWED_UP = "followed_up", _("followed up")
    CLOSED = "closed", _("closed")
    LINKED_PROPOSAL = "linked_proposal", _("linked to a proposal")
    OVERDUE = "overdue", _("past the deadline")
    UNLINKED_PROPOSAL = "unlinked_proposal", _("proposal link removed")
    PROPOSAL_DRAFTED = "proposal_drafted", _("proposal drafted from the outcome")
    RESEARCH_LINKED = "research_linked", _("research activity linked")
    RESEARCH_UNLINKED = "research_unlinked", _("research activity link removed")
    ATTENDANCE_REMOVED = "attendance_removed", pgettext_lazy("audit", "attendance removed")
