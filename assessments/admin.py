"""The rules editor: a committee's point rules for a year, with its caps, minimums and grades inline."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_confirm import confirm_first
from core.exceptions import DomainError
from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from groups.models import Committee

from . import services
from .models import (
    CategoryCap,
    CommitteeSnapshot,
    GradeBand,
    GroupSettlement,
    GroupSnapshot,
    MemberSnapshot,
    MinimumRequirement,
    PointRule,
    RollupRun,
    RuleSet,
    overlap_message,
)
from .presets import preset_choices
from .scoring import overlapping_bands


class LockAwareInline(ScopedInline):
    """Rows of a locked rule set are shown, never changed."""

    def _open(self, obj) -> bool:
        return obj is None or not obj.is_locked

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._open(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._open(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._open(obj)


class PointRuleInline(LockAwareInline):
    model = PointRule
    fields = ("kind", "nth_from", "points", "per_unit", "share", "rounding", "adds", "category")


class CategoryCapInline(LockAwareInline):
    model = CategoryCap
    fields = ("category", "cap")


class MinimumRequirementInline(LockAwareInline):
    model = MinimumRequirement
    fields = ("kind", "min_count", "group")


class GradeBandForm(forms.ModelForm):
    class Meta:
        model = GradeBand
        fields = ("label", "min_score", "max_score")

    def _post_clean(self):
        self.instance.sibling_check = False  # the formset compares all bands of the form together
        super()._post_clean()


class GradeBandFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        bands = [
            form.instance.as_band()
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = overlapping_bands(bands)
        if problems:
            raise ValidationError([overlap_message(a, b) for a, b in problems])
        try:  # the rule set's form values are on the instance already
            self.instance.check_grades({b.label for b in bands})
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class GradeBandInline(LockAwareInline):
    model = GradeBand
    form = GradeBandForm
    formset = GradeBandFormSet


class FromPresetForm(forms.Form):
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    preset = forms.ChoiceField(label=_("preset"), choices=preset_choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.administered_by(user)


@admin.register(RuleSet)
class RuleSetAdmin(CommitteeScopedAdmin):
    list_display = ("__str__", "committee", "year", "name", "base_score", "bonus_cap", "is_locked")
    list_filter = ("committee", "year", "is_locked")
    search_fields = ("name",)
    list_select_related = ("committee",)
    readonly_fields = ("is_locked",)
    fieldsets = (
        (None, {"fields": ("committee", "year", "name", "base_score", "bonus_cap", "is_locked", "notes")}),
        (
            _("Minimums not met and low totals"),
            {"fields": ("shortfall_effect", "shortfall_grade", "repeat_below", "repeat_grade")},
        ),
        (
            _("Group awards and funding"),
            {
                "fields": (
                    "award_top_n",
                    "award_min_points",
                    "funding_per_member",
                    "funding_per_filed_activity",
                    "funding_cap",
                )
            },
        ),
    )
    inlines = [PointRuleInline, CategoryCapInline, MinimumRequirementInline, GradeBandInline]
    actions = ["lock_selected", "copy_to_next_year"]
    change_list_template = "assessments/admin/ruleset_change_list.html"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_locked)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_locked)

    @admin.action(description=_("Lock the selected rule sets"))
    @confirm_first(_("A locked rule set and its year's figures and settlement can no longer change."))
    def lock_selected(self, request, queryset):
        for rule_set in queryset.filter(is_locked=False):
            services.ruleset_lock(rule_set_id=rule_set.pk, actor=request.user)
        self.message_user(request, gettext("The rule sets are locked."), messages.SUCCESS)

    @admin.action(description=_("Copy the selected rule sets to the next year"))
    def copy_to_next_year(self, request, queryset):
        for rule_set in queryset:
            try:
                services.ruleset_copy(rule_set_id=rule_set.pk, year=rule_set.year + 1, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{rule_set}: {' '.join(exc.messages)}", messages.WARNING)

    def get_urls(self):
        view = self.admin_site.admin_view(self.from_preset_view)
        return [path("from-preset/", view, name="assessments_ruleset_from_preset"), *super().get_urls()]

    def from_preset_view(self, request):
        """Create a committee's rule set for a year as a copy of a published preset."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = FromPresetForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                rule_set = services.ruleset_create_from_preset(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, gettext("Rule set created from the preset."), messages.SUCCESS)
                return redirect(reverse("admin:assessments_ruleset_change", args=[rule_set.pk]))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": gettext("Create a rule set from a preset"),
        }
        return TemplateResponse(request, "assessments/admin/ruleset_from_preset.html", context)


class StartRollupForm(forms.Form):
    committee = forms.ModelChoiceField(label=_("committee"), queryset=Committee.objects.none())
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("quarter"), coerce=int, choices=[(q, q) for q in (1, 2, 3, 4)])

    def __init__(self, *args, user, **kwargs):
        from .rollup import quarter_of

        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": today.year, "quarter": quarter_of(today)})
        super().__init__(*args, **kwargs)
        committees = Committee.objects.administered_by(user)
        self.fields["committee"].queryset = committees
        if len(committees) == 1:
            self.fields["committee"].initial = committees[0].pk


class ReadOnlyScopedAdmin(CommitteeScopedAdmin):
    """Computed rows: staff read them; only the roll-up writes them."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "__str__",
        "committee",
        "year",
        "quarter",
        "status",
        "is_stale",
        "members_done",
        "started_at",
        "finished_at",
        "progress_link",
    )
    list_filter = ("status", "is_stale", "year", "quarter", "committee")
    list_select_related = ("committee",)
    actions = ["run_again"]
    change_list_template = "assessments/admin/rollup_change_list.html"

    @admin.display(description=_("Roll-up progress"))
    def progress_link(self, run):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:assessments_rolluprun_progress", args=[run.pk]),
            gettext("Show progress"),
        )

    @admin.action(description=_("Run the selected quarters again"))
    def run_again(self, request, queryset):
        started = []
        for run in queryset.select_related("committee"):
            try:
                started.append(
                    services.rollup_start(
                        committee=run.committee, year=run.year, quarter=run.quarter, actor=request.user
                    )
                )
            except DomainError as exc:
                self.message_user(request, f"{run}: {' '.join(exc.messages)}", messages.ERROR)
        if len(started) == 1:  # one quarter: watch it
            self.message_user(request, gettext("The roll-up is queued."), messages.SUCCESS)
            return redirect(reverse("admin:assessments_rolluprun_progress", args=[started[0].pk]))
        if started:
            self.message_user(request, gettext("%(n)s roll-ups are queued.") % {"n": len(started)}, messages.SUCCESS)
        return None

    def get_urls(self):
        start = self.admin_site.admin_view(self.start_view)
        progress = self.admin_site.admin_view(self.progress_view)
        return [
            path("start/", start, name="assessments_rolluprun_start"),
            path("<int:pk>/progress/", progress, name="assessments_rolluprun_progress"),
            *super().get_urls(),
        ]

    def start_view(self, request):
        """Run a quarter for a committee the staff member administers, then watch its progress."""
        if not self._is_secretariat(request):
            raise PermissionDenied
        form = StartRollupForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.rollup_start(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, gettext("The roll-up is queued."), messages.SUCCESS)
                return redirect(reverse("admin:assessments_rolluprun_progress", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": gettext("Run a quarter's roll-up"),
        }
        return TemplateResponse(request, "assessments/admin/rollup_start.html", context)

    def progress_view(self, request, pk: int):
        """A run's progress bar (static/js/rollup-progress.js polls ``assessments:rollup_status``) and result."""
        from . import progress

        if not self._is_secretariat(request):
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request).select_related("committee"), pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "run": run,
            "status": progress.status(run),
            "title": str(run),
        }
        return TemplateResponse(request, "assessments/admin/rollup_progress.html", context)


@admin.register(MemberSnapshot)
class MemberSnapshotAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "member",
        "year",
        "quarter",
        "activities_present",
        "activities_excused",
        "activities_absent",
        "three_enters",
        "proposals",
        "reports",
        "points",
        "ytd_total",
        "ytd_grade",
    )
    list_filter = ("year", "quarter", "committee")
    search_fields = ("member__name",)
    list_select_related = ("member",)


@admin.register(GroupSnapshot)
class GroupSnapshotAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "group",
        "year",
        "quarter",
        "members",
        "members_covered",
        "activities_present",
        "proposals",
        "reports",
        "points",
    )
    list_filter = ("year", "quarter", "committee")
    list_select_related = ("group",)


@admin.register(CommitteeSnapshot)
class CommitteeSnapshotAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "committee",
        "year",
        "quarter",
        "members",
        "members_covered",
        "groups",
        "activities_present",
        "proposals",
        "reports",
        "points",
    )
    list_filter = ("year", "quarter")
    list_select_related = ("committee",)


@admin.register(GroupSettlement)
class GroupSettlementAdmin(CommitteeScopedAdmin):
    """A locked year's settlement per group: read only."""

    committee_path = "committee"
    list_display = ("group", "year", "rank", "points", "members", "filed_activities", "is_award_candidate", "funding")
    list_filter = ("committee", "year", "is_award_candidate")
    list_select_related = ("group",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
