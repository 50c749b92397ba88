"""The audit verbs written on the organisation's records (committees, members, logins, positions, contacts, platforms,
supervision), with their words on the pages (``core.verbs``: the registry and the one timeline). The activities
app's records (the ledger, residents' messages, leads) have theirs in ``activities.verbs.ActivitiesVerb``."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("groups")
class GroupsVerb(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("changed the details")
    EXPERTISE_SET = "expertise_set", pgettext_lazy("audit", "areas of expertise set")
    RECORDED = "recorded", pgettext_lazy("audit", "recorded")
    CORRECTED = "corrected", pgettext_lazy("audit", "corrected")
    REMOVED = "removed", pgettext_lazy("audit", "removed")
    IMPORTED = "imported", pgettext_lazy("audit", "imported")
    SUBMITTED = "submitted", pgettext_lazy("audit", "submitted")
    ANSWERED = "answered", pgettext_lazy("audit", "answered")
    ANSWER_AMENDED = "answer_amended", pgettext_lazy("audit", "answer amended")
    ACCOUNTED_FOR = "accounted_for", pgettext_lazy("audit", "accounted for")
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
    # a contact: what it became in proposals and consultations
    REPORT_DRAFTED = "report_drafted", pgettext_lazy("audit", "a public-opinion report drafted from it")
    TOPIC_PROPOSED = "topic_proposed", pgettext_lazy("audit", "proposed as a consultation topic")
