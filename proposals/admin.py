"""Admin for proposal staff: only their committees' rows; status changes go through the services."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Min
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_confirm import confirm_first
from core.admin_doors import run_on_each
from core.admin_files import file_link
from core.exceptions import DomainError
from core.parsing import as_int
from groups.access import scope_of
from groups.admin import UserScopedImportMixin
from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from groups.models import Committee
from proposals import holidays, services
from proposals.models import (
    Adoption,
    Assignment,
    Feedback,
    Holiday,
    ImplementationEntry,
    Instruction,
    NotFilingGround,
    OpinionReport,
    Proposal,
    ProposalSettings,
    Reply,
    ReportIssue,
    ResultCode,
    SupervisionNote,
)
from proposals.resources import HolidayResource

# The workflow fields change only through the services (locked, checked, audited).
WORKFLOW_FIELDS = (
    "state",
    "serial_number",
    "round",
    "lead_unit",
    "reply_due",
    "feedback_due",
    "result_code",
    "replied_on_time",
    "rating",
    "first_rating",
    "merged_into",
    "submitted_at",
    "filed_at",
    "closed_at",
    "implemented_on",
    "not_filed_reason",
    "not_filed_ground",
    "not_filed_outcome",
    "is_key",
    "supervising_leader",
    "is_excellent",
    "excellent_marked_at",
    "excellent_marked_by",
    # set by proposal_draft_from_message / _from_contact / _from_lead, never typed
    "source_message",
    "source_contact",
    "source_lead",
)


# What the authors wrote and co-signers confirmed: read-only here on an existing record.
CONTENT_FIELDS = (
    "committee",
    "year",
    "lead_proposer",
    "title",
    "analysis",
    "suggestions",
    "category",
    "kind",
    "group",
    "sector",
    "special_committee",
    "party",
    "is_public",
    "during_plenary",
)
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


def _report(modeladmin, request, outcome, done):
    """A batch service's outcome as the per-proposal action's messages (``_run``) read."""
    for proposal, refusal in outcome.refused.items():
        modeladmin.message_user(request, f"{proposal}: {'；'.join(refusal.messages)}", messages.ERROR)
    if outcome.done:
        modeladmin.message_user(request, done % {"n": len(outcome.done)}, messages.SUCCESS)


class YearFilter(admin.SimpleListFilter):
    """The years from the first to the last proposal stored (two ends of the year index), not ``SELECT DISTINCT
    year`` over every proposal of the committees (200,000 rows read at a city's scale on every list page)."""

    parameter_name = "year"

    def __init__(self, request, params, model, model_admin):
        self.title = model._meta.get_field("year").verbose_name
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        span = model_admin.model.objects.aggregate(first=Min("year"), last=Max("year"))
        if span["first"] is None:
            return []
        return [(str(y), str(y)) for y in range(span["last"], span["first"] - 1, -1)]

    def queryset(self, request, queryset):
        year = as_int(self.value(), low=1, high=9999)
        return queryset if year is None else queryset.filter(year=year)


@admin.register(Proposal)
class ProposalAdmin(CommitteeScopedAdmin):
    list_display = (
        "number_display",
        "title",
        "committee",
        "year",
        "lead_proposer",
        "category",
        "state",
        "lead_unit",
        "reply_due",
        "is_key",
        "is_excellent",
    )
    list_filter = (YearFilter, "state", "category", "kind", "is_key", "is_excellent", "committee")
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
    @confirm_first(_("Each proposal gets the year's next serial number and its proposers are told."))
    def file_selected(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda p: services.proposal_file(proposal_id=p.pk, actor=request.user),
            _("%(n)s proposals filed."),
        )

    @admin.action(description=_("Rate the selected proposals excellent"))
    @confirm_first(_("The authors earn the excellent-proposal bonus and are told."))
    def mark_excellent_selected(self, request, queryset):
        outcome = services.proposal_mark_excellent_many(
            proposal_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        _report(self, request, outcome, _("%(n)s proposals rated excellent."))

    @admin.action(description=_("Withdraw the excellent rating of the selected proposals"))
    def unmark_excellent_selected(self, request, queryset):
        outcome = services.proposal_unmark_excellent_many(
            proposal_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        _report(self, request, outcome, _("%(n)s proposals no longer rated excellent."))

    @admin.action(description=_("Close the selected proposals"))
    @confirm_first(_("Handling of each proposal ends; only implementation can still be recorded."))
    def close_selected(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda p: services.proposal_close(proposal_id=p.pk, actor=request.user),
            _("%(n)s proposals closed."),
        )


class _ReportFactInline(ScopedInline):
    """An adoption or instruction row: dated between the report's submission and today, as in the services."""

    def save_row(self, request, obj, form, parent) -> None:
        if "date" in form.changed_data:
            services.check_report_fact_date(parent, obj.date)
        super().save_row(request, obj, form, parent)


class AdoptionInline(_ReportFactInline):
    model = Adoption


class InstructionInline(_ReportFactInline):
    model = Instruction


@admin.register(OpinionReport)
class OpinionReportAdmin(CommitteeScopedAdmin):
    list_display = ("title", "committee", "year", "author", "group", "state", "issue")
    list_filter = ("year", "state", "committee")
    search_fields = ("title", "author__name")
    list_select_related = ("committee", "author", "group", "issue")
    # Co-authors join only by confirming their invitation (``coauthor_respond``), never from here; the text is
    # edited on the report page (``report_edit``, audited with the text before).
    readonly_fields = (
        "state",
        "issue",
        "decline_reason",
        "source_proposal",
        "co_authors",
        # set by report_draft_from_heard, never typed
        "source_lead",
        "source_message",
        "source_contact",
    )
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
        run_on_each(
            self,
            request,
            queryset,
            lambda r: services.report_accept(report_id=r.pk, actor=request.user),
            _("%(n)s reports accepted."),
        )


@admin.register(ReportIssue)
class ReportIssueAdmin(CommitteeScopedAdmin):
    list_display = ("__str__", "committee", "published_on")
    list_filter = ("year", "committee")


@admin.register(ProposalSettings)
class ProposalSettingsAdmin(CommitteeScopedAdmin):
    list_display = (
        "committee",
        "reply_months_between_sessions",
        "reply_months_plenary",
        "reply_months_max",
        "reassignment_working_days",
        "feedback_working_days",
        "second_round_months",
    )


@admin.register(ResultCode)
class ResultCodeAdmin(CommitteeScopedAdmin):
    list_display = ("code", "label", "committee", "order", "is_active")
    list_filter = ("committee", "is_active")


@admin.register(NotFilingGround)
class NotFilingGroundAdmin(CommitteeScopedAdmin):
    """The published grounds for not filing: the national list (no committee) is the superusers'; staff keep their
    committee's own list, which replaces the national one for that committee once it has a ground in use."""

    list_display = ("text", "committee", "needs_explanation", "order", "is_active")
    list_filter = ("committee", "is_active")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not scope_of(request.user).is_superuser and "committee" in form.base_fields:
            form.base_fields["committee"].required = True  # staff keep their committee's list, never the national one
        return form

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if scope_of(request.user).is_superuser:
            return qs
        return qs | NotFilingGround.objects.filter(committee__isnull=True)  # read, as the list to start from

    def has_change_permission(self, request, obj=None):
        national = obj is not None and obj.committee_id is None
        return super().has_change_permission(request, obj) and (not national or request.user.is_superuser)

    def has_delete_permission(self, request, obj=None):
        national = obj is not None and obj.committee_id is None
        return super().has_delete_permission(request, obj) and (not national or request.user.is_superuser)


class OfficialCalendarForm(forms.Form):
    year = forms.TypedChoiceField(label=_("year"), coerce=int)
    committee = forms.ModelChoiceField(
        label=_("committee"), queryset=Committee.objects.none(), required=False, empty_label=_("All my committees")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        years = holidays.official_years()
        self.fields["year"].choices = [(y, y) for y in reversed(years)]
        self.fields["year"].initial = min(timezone.localdate().year + 1, years[-1])
        self.fields["committee"].queryset = Committee.objects.administered_by(user).order_by("name")


class HolidayRangeForm(forms.Form):
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    start = forms.DateField(label=_("first day"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("last day"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("kind"), choices=Holiday.Kind.choices, initial=Holiday.Kind.HOLIDAY)
    name = forms.CharField(label=_("name"), max_length=50)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        committees = Committee.objects.administered_by(user).order_by("name")
        self.fields["committee"].queryset = committees
        if len(committees) == 1:
            self.fields["committee"].initial = committees[0].pk


@admin.register(Holiday)
class HolidayAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    list_display = ("date", "kind", "name", "source", "committee")
    list_filter = ("committee", "kind", "source")
    date_hierarchy = "date"
    change_list_template = "proposals/admin/holiday_change_list.html"
    resource_classes = [HolidayResource]
    readonly_fields = ("source",)  # a day saved here is the secretariat's own (holiday_save)

    def get_urls(self):
        load = self.admin_site.admin_view(self.load_official_view)
        add_range = self.admin_site.admin_view(self.add_range_view)
        return [
            path("load-official/", load, name="proposals_holiday_load_official"),
            path("add-range/", add_range, name="proposals_holiday_add_range"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        """Above the calendar: the committees with no national calendar for this year or the next."""
        year = timezone.localdate().year
        missing = [
            (c, years)
            for c in Committee.objects.administered_by(request.user).order_by("name")
            if (years := holidays.years_without_calendar(c.pk, [date(year, 1, 1), date(year + 1, 1, 1)]))
        ]
        return super().changelist_view(request, {**(extra_context or {}), "calendar_missing": missing})

    def save_model(self, request, obj, form, change):
        holidays.holiday_save(holiday=obj, actor=request.user, changed=form.changed_data)

    def delete_model(self, request, obj):
        holidays.holiday_delete(holiday_id=obj.pk, actor=request.user)

    def _form_page(self, request, form_class, call, *, title: str, intro: str, button: str):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = form_class(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                done = call(form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return redirect(reverse("admin:proposals_holiday_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": title,
            "intro": intro,
            "button": button,
        }
        return TemplateResponse(request, "proposals/admin/holiday_form.html", context)

    def load_official_view(self, request):
        """Load the national calendar (holidays and adjusted working weekends) of a year, for one committee or all."""

        def call(d):
            counts = holidays.holiday_calendar_load(
                year=d["year"], actor=request.user, committee_ids=[d["committee"].pk] if d["committee"] else None
            )
            return gettext("The national calendar for %(year)s was loaded for %(n)s committees.") % {
                "year": d["year"],
                "n": len(counts),
            }

        years = holidays.official_years()
        return self._form_page(
            request,
            OfficialCalendarForm,
            call,
            title=gettext("Load the national holiday calendar"),
            intro=gettext(
                "Holidays and adjusted working weekends as the State Council published "
                "them (%(first)s–%(last)s). Loading again brings them up to date; days "
                "your committee entered itself are kept."
            )
            % {"first": years[0], "last": years[-1]},
            button=gettext("Load"),
        )

    def add_range_view(self, request):
        """Enter a period (from, to, name) as one row per day."""

        def call(d):
            rows = holidays.holiday_range_add(
                committee_id=d["committee"].pk,
                start=d["start"],
                end=d["end"],
                name=d["name"],
                kind=d["kind"],
                actor=request.user,
            )
            return gettext("%(n)s days were added to the calendar.") % {"n": len(rows)}

        return self._form_page(
            request,
            HolidayRangeForm,
            call,
            title=gettext("Add a period"),
            intro=gettext("Every day from the first to the last is entered, weekends included."),
            button=gettext("Add"),
        )
