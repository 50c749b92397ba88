"""Admin for proposal staff: only their committees' rows; status changes go through the services."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin_files import file_link
from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from proposals import services
from proposals.models import (
    Adoption,
    Assignment,
    Feedback,
    Holiday,
    ImplementationEntry,
    Instruction,
    OpinionReport,
    Proposal,
    ProposalSettings,
    Reply,
    ReportIssue,
    ResultCode,
    SupervisionNote,
)

# The workflow fields change only through the services (locked, checked, audited).
WORKFLOW_FIELDS = ("state", "serial_number", "round", "lead_unit", "reply_due", "feedback_due", "result_code",
                   "replied_on_time", "rating", "first_rating", "merged_into", "submitted_at", "filed_at", "closed_at",
                   "implemented_on", "not_filed_reason", "not_filed_outcome", "is_key", "supervising_leader",
                   "is_excellent", "excellent_marked_at", "excellent_marked_by")


# What the authors wrote and co-signers confirmed: read-only here on an existing record.
CONTENT_FIELDS = ("committee", "year", "lead_proposer", "title", "analysis", "suggestions", "category", "kind", "group",
                  "sector", "special_committee", "party", "is_public", "during_plenary")
REPORT_CONTENT_FIELDS = ("committee", "year", "author", "group", "title", "content")


class AssignmentInline(ScopedInline):
    model = Assignment
    readonly_fields = ("unit", "role", "assigned_on", "due_date", "reassign_until", "is_active", "reassignment_reason")
    can_delete = False


class ReplyInline(ScopedInline):
    model = Reply
    readonly_fields = ("round", "unit", "result_code", "replied_on", "on_time", "stored_pdf", "text")
    exclude = ("signed_pdf",)
    stored_pdf = file_link("signed_pdf", "proposals:reply_pdf", description=_("signed PDF"))
    can_delete = False


class FeedbackInline(ScopedInline):
    model = Feedback
    readonly_fields = ("round", "rating", "comment")
    can_delete = False


class ImplementationInline(ScopedInline):
    model = ImplementationEntry
    readonly_fields = ("date", "text", "completes")
    can_delete = False


class SupervisionInline(ScopedInline):
    model = SupervisionNote
    readonly_fields = ("date", "text")
    can_delete = False


def _run(modeladmin, request, queryset, call, done):
    ok = 0
    for obj in queryset:
        try:
            call(obj)
            ok += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {'；'.join(exc.messages)}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, done % {"n": ok}, messages.SUCCESS)


def _report(modeladmin, request, outcome, done):
    """A batch service's outcome as the per-proposal action's messages (``_run``) read."""
    for proposal, refusal in outcome.refused.items():
        modeladmin.message_user(request, f"{proposal}: {'；'.join(refusal.messages)}", messages.ERROR)
    if outcome.done:
        modeladmin.message_user(request, done % {"n": len(outcome.done)}, messages.SUCCESS)


@admin.register(Proposal)
class ProposalAdmin(CommitteeScopedAdmin):
    list_display = ("number_display", "title", "committee", "year", "lead_proposer", "category", "state", "lead_unit",
                    "reply_due", "is_key", "is_excellent")
    list_filter = ("year", "state", "category", "kind", "is_key", "is_excellent", "committee")
    search_fields = ("title", "lead_proposer__name")
    list_select_related = ("committee", "lead_proposer", "lead_unit")
    readonly_fields = WORKFLOW_FIELDS
    raw_id_fields = ("lead_proposer",)

    def get_readonly_fields(self, request, obj=None):
        """The content of an existing proposal is its proposers': only the lead proposer changes it, through
        ``proposal_save_draft``, which asks the co-signers to confirm again. Staff read it here."""
        if obj is None:
            return WORKFLOW_FIELDS
        return (*WORKFLOW_FIELDS, *CONTENT_FIELDS)
    inlines = [AssignmentInline, ReplyInline, FeedbackInline, ImplementationInline, SupervisionInline]
    actions = ["file_selected", "close_selected", "mark_excellent_selected", "unmark_excellent_selected"]

    def has_add_permission(self, request, *args):
        return False  # a proposal is drafted and submitted by its proposer, on the proposal pages (the services)

    @admin.action(description=_("File the selected proposals"))
    def file_selected(self, request, queryset):
        _run(self, request, queryset, lambda p: services.proposal_file(proposal_id=p.pk, actor=request.user),
             _("%(n)s proposals filed."))

    @admin.action(description=_("Rate the selected proposals excellent"))
    def mark_excellent_selected(self, request, queryset):
        outcome = services.proposal_mark_excellent_many(proposal_ids=queryset.values_list("pk", flat=True),
                                                        actor=request.user)
        _report(self, request, outcome, _("%(n)s proposals rated excellent."))

    @admin.action(description=_("Withdraw the excellent rating of the selected proposals"))
    def unmark_excellent_selected(self, request, queryset):
        outcome = services.proposal_unmark_excellent_many(proposal_ids=queryset.values_list("pk", flat=True),
                                                          actor=request.user)
        _report(self, request, outcome, _("%(n)s proposals no longer rated excellent."))

    @admin.action(description=_("Close the selected proposals"))
    def close_selected(self, request, queryset):
        _run(self, request, queryset, lambda p: services.proposal_close(proposal_id=p.pk, actor=request.user),
             _("%(n)s proposals closed."))


class AdoptionInline(ScopedInline):
    model = Adoption


class InstructionInline(ScopedInline):
    model = Instruction


@admin.register(OpinionReport)
class OpinionReportAdmin(CommitteeScopedAdmin):
    list_display = ("title", "committee", "year", "author", "group", "state", "issue")
    list_filter = ("year", "state", "committee")
    search_fields = ("title", "author__name")
    list_select_related = ("committee", "author", "group", "issue")
    # Co-authors join only by confirming their invitation (``coauthor_respond``), never from here; the text is
    # edited on the report page (``report_edit``, audited with the text before).
    readonly_fields = ("state", "issue", "decline_reason", "source_proposal", "co_authors")
    raw_id_fields = ("author",)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, *REPORT_CONTENT_FIELDS)
    inlines = [AdoptionInline, InstructionInline]
    actions = ["accept_selected"]

    def has_add_permission(self, request, *args):
        return False  # a report is submitted by its author, on the report pages (``report_submit``)

    @admin.action(description=_("Accept the selected reports"))
    def accept_selected(self, request, queryset):
        _run(self, request, queryset, lambda r: services.report_accept(report_id=r.pk, actor=request.user),
             _("%(n)s reports accepted."))


@admin.register(ReportIssue)
class ReportIssueAdmin(CommitteeScopedAdmin):
    list_display = ("__str__", "committee", "published_on")
    list_filter = ("year", "committee")


@admin.register(ProposalSettings)
class ProposalSettingsAdmin(CommitteeScopedAdmin):
    list_display = ("committee", "reply_months_between_sessions", "reply_months_plenary", "reply_months_max",
                    "reassignment_working_days", "feedback_working_days", "second_round_months")


@admin.register(ResultCode)
class ResultCodeAdmin(CommitteeScopedAdmin):
    list_display = ("code", "label", "committee", "order", "is_active")
    list_filter = ("committee", "is_active")


@admin.register(Holiday)
class HolidayAdmin(CommitteeScopedAdmin):
    list_display = ("date", "kind", "name", "committee")
    list_filter = ("committee", "kind")
    date_hierarchy = "date"
