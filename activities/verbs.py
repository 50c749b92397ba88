"""The audit verbs written on the activities app's records (activities, annual plans, residents' messages, leads),
with their words on the pages (``core.verbs``: the registry and the one timeline; a label is looked up by the record's
app). The stored strings are the bare verbs, the same as ``groups.verbs.GroupsVerb``'s where both apps' records have
the act (created, answered). A verb this app's services write on the organisation's records (a contact recorded) is
``GroupsVerb``'s."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("activities")
class ActivitiesVerb(models.TextChoices):
    # the ledger: activities, attendance, evidence, plans, sign-up
    CREATED = "created", _("created")
    UPDATED = "updated", _("changed the details")
    ANNOUNCED = "announced", _("announced")
    HELD = "held", _("marked as held")
    FILED = "filed", _("filed in the ledger")
    CANCELLED = "cancelled", _("cancelled")
    INVITED = "invited", _("invited members")
    LEAVE_REQUESTED = "leave_requested", _("asked for leave")
    LEAVE_APPROVED = "leave_approved", _("approved a leave")
    LEAVE_REFUSED = "leave_refused", _("refused a leave")
    LEAVE_WITHDRAWN = "leave_withdrawn", _("withdrew a leave request")
    SIGNED_IN = "signed_in", _("signed in")
    ATTENDANCE_RECORDED = "attendance_recorded", _("recorded attendance")
    ATTENDANCE_CORRECTED = "attendance_corrected", pgettext_lazy("audit", "attendance corrected")
    ATTENDANCE_REMOVED = "attendance_removed", pgettext_lazy("audit", "attendance removed")
    EVIDENCE_UPLOADED = "evidence_uploaded", _("uploaded evidence")
    EVIDENCE_DELETED = "evidence_deleted", _("removed evidence")
    ITEM_SAVED = "item_saved", pgettext_lazy("audit", "plan item saved")
    ITEM_DELETED = "item_deleted", pgettext_lazy("audit", "plan item removed")
    SIGNED_UP = "signed_up", pgettext_lazy("audit", "signed up")
    SIGNUP_WITHDRAWN = "signup_withdrawn", pgettext_lazy("audit", "sign-up withdrawn")
    # residents' messages (the mailbox), and what they became in proposals and consultations
    RECEIVED = "received", pgettext_lazy("audit", "received")
    ROUTED = "routed", pgettext_lazy("audit", "routed")
    DISCARDED = "discarded", pgettext_lazy("audit", "discarded")
    ANSWERED = "answered", pgettext_lazy("audit", "answered")
    VISIT_RECORDED = "visit_recorded", pgettext_lazy("audit", "visit recorded")
    RATED = "rated", pgettext_lazy("audit", "rated by the resident")
    REPORT_DRAFTED = "report_drafted", pgettext_lazy("audit", "a public-opinion report drafted from it")
    TOPIC_PROPOSED = "topic_proposed", pgettext_lazy("audit", "proposed as a consultation topic")
    # suggestions gathered at activities and leads
    SUGGESTION_RECORDED = "suggestion_recorded", pgettext_lazy("audit", "suggestion recorded")
    CLOSED = "closed", pgettext_lazy("audit", "closed")
    GROUP_CHANGED = "group_changed", pgettext_lazy("audit", "the group following it changed")
    ITEMS_ADDED = "items_added", pgettext_lazy("audit", "items pooled into the lead")
    ITEM_REMOVED = "item_removed", pgettext_lazy("audit", "an item taken out of the lead")
    BECAME_PROPOSAL = "became_proposal", pgettext_lazy("audit", "became a proposal draft")
    BECAME_REPORT = "became_report", pgettext_lazy("audit", "became a public-opinion report draft")
    BECAME_TOPIC = "became_topic", pgettext_lazy("audit", "became a candidate consultation topic")
