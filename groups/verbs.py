"""The audit verbs written by the organisation, activities, mailbox, contacts and supervision services,
with their words on the pages (``core.verbs``: the registry and the one timeline)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("groups", "activities")  # the activity ledger's records (app activities) carry these verbs too
class GroupsVerb(models.TextChoices):
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
    EVIDENCE_UPLOADED = "evidence_uploaded", _("uploaded evidence")
    EVIDENCE_DELETED = "evidence_deleted", _("removed evidence")
    ATTENDANCE_CORRECTED = "attendance_corrected", pgettext_lazy("audit", "attendance corrected")
    ATTENDANCE_REMOVED = "attendance_removed", pgettext_lazy("audit", "attendance removed")
    ITEM_SAVED = "item_saved", pgettext_lazy("audit", "plan item saved")
    ITEM_DELETED = "item_deleted", pgettext_lazy("audit", "plan item removed")
    SIGNED_UP = "signed_up", pgettext_lazy("audit", "signed up")
    SIGNUP_WITHDRAWN = "signup_withdrawn", pgettext_lazy("audit", "sign-up withdrawn")
    EXPERTISE_SET = "expertise_set", pgettext_lazy("audit", "areas of expertise set")
    RECORDED = "recorded", pgettext_lazy("audit", "recorded")
    CORRECTED = "corrected", pgettext_lazy("audit", "corrected")
    REMOVED = "removed", pgettext_lazy("audit", "removed")
    IMPORTED = "imported", pgettext_lazy("audit", "imported")
    SUBMITTED = "submitted", pgettext_lazy("audit", "submitted")
    ANSWERED = "answered", pgettext_lazy("audit", "answered")
    ANSWER_AMENDED = "answer_amended", pgettext_lazy("audit", "answer amended")
    ACCOUNTED_FOR = "accounted_for", pgettext_lazy("audit", "accounted for")
    RECEIVED = "received", pgettext_lazy("audit", "received")
    ROUTED = "routed", pgettext_lazy("audit", "routed")
    DISCARDED = "discarded", pgettext_lazy("audit", "discarded")
    VISIT_RECORDED = "visit_recorded", pgettext_lazy("audit", "visit recorded")
    LOGIN_CREATED = "login_created", pgettext_lazy("audit", "login created")
    FIRST_LOGIN_LINK_RENEWED = "first_login_link_renewed", pgettext_lazy("audit", "first log-in link renewed")
    LOGIN_DEACTIVATED = "login_deactivated", pgettext_lazy("audit", "login deactivated")
    POSITION_GRANTED = "position_granted", pgettext_lazy("audit", "position granted")
    POSITION_CHANGED = "position_changed", pgettext_lazy("audit", "position changed")
    POSITION_REVOKED = "position_revoked", pgettext_lazy("audit", "position revoked")
    UNIT_USERS_CHANGED = "unit_users_changed", pgettext_lazy("audit", "the unit's users changed")
    # duty platforms
    ESTABLISHED = "established", pgettext_lazy("audit", "established")
    WOUND_UP = "wound_up", pgettext_lazy("audit", "wound up")
    MEMBER_ADDED = "member_added", pgettext_lazy("audit", "member added")
    MEMBER_LEFT = "member_left", pgettext_lazy("audit", "member left")
    EVALUATED = "evaluated", pgettext_lazy("audit", "evaluated for the year")
    EVALUATION_AMENDED = "evaluation_amended", pgettext_lazy("audit", "evaluation amended")
    DOCUMENT_UPLOADED = "document_uploaded", pgettext_lazy("audit", "evidence kept")
    CHANGED = "changed", pgettext_lazy("audit", "changed")
    # residents' messages, contacts, suggestions and leads
    RATED = "rated", pgettext_lazy("audit", "rated by the resident")
    SUGGESTION_RECORDED = "suggestion_recorded", pgettext_lazy("audit", "suggestion recorded")
    CLOSED = "closed", pgettext_lazy("audit", "closed")
    GROUP_CHANGED = "group_changed", pgettext_lazy("audit", "the group following it changed")
    ITEMS_ADDED = "items_added", pgettext_lazy("audit", "items pooled into the lead")
    ITEM_REMOVED = "item_removed", pgettext_lazy("audit", "an item taken out of the lead")
    BECAME_PROPOSAL = "became_proposal", pgettext_lazy("audit", "became a proposal draft")
    BECAME_REPORT = "became_report", pgettext_lazy("audit", "became a public-opinion report draft")
    BECAME_TOPIC = "became_topic", pgettext_lazy("audit", "became a candidate consultation topic")
    REPORT_DRAFTED = "report_drafted", pgettext_lazy("audit", "a public-opinion report drafted from it")
    TOPIC_PROPOSED = "topic_proposed", pgettext_lazy("audit", "proposed as a consultation topic")
