"""Admin for activities, attendance, evidence, plans and the committees' activity rules.

State changes from the admin are actions that call the same services as the pages and the API.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, ActivitySettings, AnnualPlan, Attendance, Evidence, PlanItem
from activities.services import activities as svc
from core.admin_confirm import confirm_first
from core.admin_doors import run_on_each
from core.admin_files import file_link
from core.exceptions import DomainError
from groups.admin_base import CommitteeScopedAdmin, ScopedInline


class AttendanceForm(forms.ModelForm):
    """Staff record the status; the leave request (a member's) and the sign-in (the service's) are shown only."""

    class Meta:
        model = Attendance
        fields = ("member", "status", "leave_reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "member" in self.fields:  # another member is another row
            self.fields["member"].disabled = True

    def validate_unique(self):
        pass  # the service records or corrects the member's one row (and sets the sign-in time a constraint needs)


def _correct(request, obj) -> None:
    svc.attendance_correct(
        activity_id=obj.activity_id,
        member_id=obj.member_id,
        actor=request.user,
        status=obj.status,
        leave_reason=obj.leave_reason,
    )


class AttendanceInline(ScopedInline):
    model = Attendance
    form = AttendanceForm
    fields = ("member", "status", "leave", "leave_reason", "signed_in_at", "sign_in_method")
    readonly_fields = ("leave", "signed_in_at", "sign_in_method")
    raw_id_fields = ("member",)

    def _open(self, obj) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._open(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._open(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._open(obj)

    def save_row(self, request, obj, form, parent):
        _correct(request, obj)

    def delete_row(self, request, obj, parent):
        svc.attendance_remove(attendance_id=obj.pk, actor=request.user)


class EvidenceInline(ScopedInline):
    model = Evidence
    fields = ("kind", "stored_file", "original_name", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = ("kind", "stored_file", "original_name", "uploaded_by", "uploaded_at")
    stored_file = file_link("file", "activities:evidence_file", description=_("file"))

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the service, which checks the content


def _run(modeladmin, request, queryset, service, done_message):
    run_on_each(modeladmin, request, queryset, lambda a: service(activity_id=a.pk, actor=request.user), done_message)


@admin.action(description=_("Announce the selected activities"))
def announce(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, svc.activity_announce, _("%(n)s activities announced."))


@admin.action(description=_("Mark the selected activities as held"))
def hold(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, svc.activity_hold, _("%(n)s activities marked as held."))


@admin.action(description=_("File the selected activities in the ledger"))
@confirm_first(_("A filed activity's record, attendance and evidence can no longer change."))
def file_in_ledger(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, svc.activity_file, _("%(n)s activities filed."))


@admin.action(description=_("Cancel the selected activities"))
@confirm_first(_("The invited members are told that the activities will not take place."))
def cancel(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, svc.activity_cancel, _("%(n)s activities cancelled."))


@admin.register(Activity)
class ActivityAdmin(CommitteeScopedAdmin):
    list_display = ("title", "committee", "group", "kind", "target", "starts_at", "state", "present")
    # A date filter rather than date_hierarchy: listing the years takes a DISTINCT over every
    # activity (0.2 s at 500,000) on each changelist page.
    list_filter = ("state", "kind", "target", "committee", "six_item", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "place", "group__name")
    list_select_related = ("committee", "group")
    raw_id_fields = ("plan_item",)
    readonly_fields = ("state", "version", "created_by", "created_at", "updated_at")
    inlines = [AttendanceInline, EvidenceInline]
    actions = [announce, hold, file_in_ledger, cancel]

    def get_queryset(self, request):
        # A correlated subquery, not a join: only the page's rows are counted, and the paginator's COUNT(*)
        # leaves it out (a Count() join grouped millions of attendance rows on every page).
        present = (
            Attendance.objects.filter(activity=OuterRef("pk"), status=Attendance.Status.PRESENT)
            .order_by()
            .values("activity")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(_present=Coalesce(Subquery(present), 0))

    @admin.display(description=_("present"), ordering="_present")
    def present(self, obj):
        return obj._present

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ORGANISER_FIELDS if obj is not None else readonly  # the organiser is chosen once

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)

    def save_model(self, request, obj, form, change):
        """The convener's page's services: the editability rule, the cross-row checks, stale roll-ups."""
        data = {name: form.cleaned_data[name] for name in svc.EDITABLE_FIELDS if name in form.cleaned_data}
        if "open_groups" in form.cleaned_data:
            data["open_groups"] = list(form.cleaned_data["open_groups"])
        if change:
            svc.activity_update(activity_id=obj.pk, actor=request.user, version=None, **data)
            return
        created = svc.activity_create(
            actor=request.user,
            group=obj.group,
            committee=obj.committee_id,
            special_committee=obj.special_committee,
            platform=obj.platform,
            **data,
        )
        obj.pk, obj._state.adding = created.pk, False

    def delete_model(self, request, obj):
        svc.activity_delete(activity_id=obj.pk, actor=request.user)


ORGANISER_FIELDS = ("committee", "group", "special_committee", "platform")


@admin.action(description=_("Approve the selected leave requests"))
def approve_leave(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, approve=True)


@admin.action(description=_("Refuse the selected leave requests"))
def refuse_leave(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, approve=False)


def _decide(modeladmin, request, queryset, *, approve: bool) -> None:
    done = 0
    for attendance in queryset:
        try:
            svc.attendance_decide_leave(attendance_id=attendance.pk, actor=request.user, approve=approve)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{attendance}: {' '.join(exc.messages)}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)s leave requests decided.") % {"n": done}, messages.SUCCESS)


@admin.register(Attendance)
class AttendanceAdmin(CommitteeScopedAdmin):
    committee_path = "activity__committee"
    list_display = ("activity", "member", "status", "leave", "signed_in_at", "sign_in_method")
    list_filter = ("status", "leave", "sign_in_method")
    search_fields = ("member__name", "activity__title")
    list_select_related = ("activity", "member")
    raw_id_fields = ("activity", "member")
    form = AttendanceForm
    fields = ("activity", "member", "status", "leave", "leave_reason", "signed_in_at", "sign_in_method")
    readonly_fields = ("leave", "signed_in_at", "sign_in_method")
    actions = [approve_leave, refuse_leave]

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("activity", "member") if obj is not None else readonly

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.activity.is_editable)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.activity.is_editable)

    def save_model(self, request, obj, form, change):
        _correct(request, obj)
        if not change:
            obj.pk = Attendance.objects.get(activity_id=obj.activity_id, member_id=obj.member_id).pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        svc.attendance_remove(attendance_id=obj.pk, actor=request.user)


@admin.register(Evidence)
class EvidenceAdmin(CommitteeScopedAdmin):
    committee_path = "activity__committee"
    list_display = ("original_name", "activity", "kind", "content_type", "size", "uploaded_at")
    list_filter = ("kind",)
    list_select_related = ("activity",)
    readonly_fields = (
        "kind",
        "stored_file",
        "stored_thumbnail",
        "content_type",
        "size",
        "original_name",
        "uploaded_by",
        "uploaded_at",
    )
    exclude = ("file", "thumbnail")
    stored_file = file_link("file", "activities:evidence_file", description=_("file"))
    stored_thumbnail = file_link("thumbnail", "activities:evidence_thumbnail", description=_("thumbnail"))
    raw_id_fields = ("activity",)

    def has_add_permission(self, request, *args):
        return False


class PlanItemInline(ScopedInline):
    model = PlanItem
    fields = ("quarter", "month", "title", "kind", "target", "six_item", "contact_point")


@admin.register(AnnualPlan)
class AnnualPlanAdmin(CommitteeScopedAdmin):
    committee_path = "group__committee"
    list_display = ("__str__", "group", "year")
    list_filter = ("year",)
    search_fields = ("group__name",)
    list_select_related = ("group",)
    inlines = [PlanItemInline]


@admin.register(PlanItem)
class PlanItemAdmin(CommitteeScopedAdmin):
    committee_path = "plan__group__committee"
    list_display = ("title", "plan", "quarter", "month", "kind", "target")
    list_filter = ("quarter", "kind")
    list_select_related = ("plan__group",)
    autocomplete_fields = ("responsible",)  # a committee's hundreds of members: searched, not listed


@admin.register(ActivitySettings)
class ActivitySettingsAdmin(CommitteeScopedAdmin):
    list_display = (
        "committee",
        "sign_in_opens_minutes",
        "sign_in_closes_minutes",
        "min_photos",
        "min_documents",
        "require_complete_attendance",
    )


# the leads and mailbox admins register themselves on import
from activities import admin_leads, admin_mailbox  # noqa: E402,F401
