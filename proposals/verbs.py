"""The audit verbs written by the proposal, opinion-report and holiday-calendar services, with their words on the
pages (``core.verbs``: the registry and the one timeline). A transition's row is shown as "from → to" with the
model's state labels; its verb's label is for the places that list verbs (the admin's audit list)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.verbs import register


@register("proposals")
class ProposalVerb(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    EDITED = "edited", _("Edited")
    SUBMITTED = "submitted", _("Submitted")
    REVIEW_STARTED = "review_started", _("Under review")
    FILED = "filed", pgettext_lazy("proposal", "Filed")
    NOT_FILED = "not_filed", _("Not filed")
    MERGED = "merged", _("Merged")
    MERGED_IN = "merged_in", _("Another proposal merged in")
    CONVERTED_FROM_PROPOSAL = "converted_from_proposal", _("Converted from a proposal")
    ASSIGNED = "assigned", _("Assigned")
    HANDLING_STARTED = "handling_started", _("Being handled")
    REPLIED = "replied", _("Replied")
    RATED = "rated", _("Rated")
    CLOSED = "closed", _("Closed")
    FOLLOWED_UP = "followed_up", pgettext_lazy("audit", "report followed up")
    REOPENED = "reopened", pgettext_lazy("audit", "reopened")
    COSIGNERS_INVITED = "cosigners_invited", _("Co-signers invited")
    COSIGN_CONFIRMED = "cosign_confirmed", _("Co-signing confirmed")
    COSIGN_DECLINED = "cosign_declined", _("Co-signing declined")
    COSIGNERS_ASKED_AGAIN = "cosigners_asked_again", _("Changed after co-signers confirmed: they are asked again")
    REASSIGNMENT_REQUESTED = "reassignment_requested", _("Reassignment requested")
    CONTACTED = "contacted", _("Contact recorded")
    COHANDLER_OPINION = "cohandler_opinion", _("Co-handler opinion sent")
    IMPLEMENTATION_PROGRESS = "implementation_progress", _("Implementation progress")
    IMPLEMENTED = "implemented", _("Marked implemented")
    KEY_MARKED = "key_marked", _("Marked as key proposal")
    KEY_UNMARKED = "key_unmarked", _("No longer a key proposal")
    EXCELLENT_MARKED = "excellent_marked", _("Rated an excellent proposal")
    EXCELLENT_UNMARKED = "excellent_unmarked", _("Excellent rating withdrawn")
    SUPERVISED = "supervised", _("Supervision note")
    PROPOSAL_DRAFTED = "proposal_drafted", pgettext_lazy("audit", "turned into a proposal draft")
    # Opinion reports 社情民意信息
    COAUTHORS_INVITED = "coauthors_invited", _("Co-authors invited")
    COAUTHOR_CONFIRMED = "coauthor_confirmed", _("Co-authorship confirmed")
    COAUTHOR_DECLINED = "coauthor_declined", _("Co-authorship declined")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPILED = "compiled", _("Compiled")
    ADOPTED = "adopted", _("Adopted")
    INSTRUCTED = "instructed", _("Leader's instruction")
    # The holiday calendar
    HOLIDAYS_ADDED = "holidays_added", pgettext_lazy("audit", "holidays added")
    HOLIDAYS_IMPORTED = "holidays_imported", pgettext_lazy("audit", "holidays imported")
    HOLIDAY_CALENDAR_LOADED = "holiday_calendar_loaded", pgettext_lazy("audit", "holiday calendar loaded")
    DEADLINE_RECOMPUTED = "deadline_recomputed", pgettext_lazy("audit", "deadline recomputed")
