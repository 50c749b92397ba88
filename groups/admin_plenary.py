"""Admin for plenary sessions 全体会议 and members' attendance at them, in half-days.

The session page lists its members' attendance as an inline; every row saved or deleted there, and
every row of an imported spreadsheet, goes through ``groups.services.plenary`` (checks, audit record,
stale roll-ups), never straight to the table.
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from groups.admin import UserScopedImportMixin
from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from groups.models import PlenaryAttendance, PlenarySession
from groups.resources import PlenaryAttendanceResource
from groups.services import plenary as svc


class PlenaryAttendanceForm(forms.ModelForm):
    """A recorded row keeps its member (the row's title names them): correcting means changing the
    counts; another member gets a new row. So no member widget is drawn, nor looked up, per row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "member" in self.fields:
            self.fields["member"].disabled = True
            self.fields["member"].widget = forms.HiddenInput()


class PlenaryAttendanceInline(ScopedInline):
    model = PlenaryAttendance
    form = PlenaryAttendanceForm
    fields = ("member", "present", "excused", "absent", "leave_reason", "recorded_by", "updated_at")
    readonly_fields = ("recorded_by", "updated_at")
    autocomplete_fields = ("member",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        session = getattr(request, "_plenary_session", None)
        if db_field.name == "member" and field is not None and session is not None:
            field.queryset = field.queryset.filter(committee_id=session.term.committee_id)
        return field

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "recorded_by", "session__term__committee")


@admin.register(PlenarySession)
class PlenarySessionAdmin(CommitteeScopedAdmin):
    committee_path = "term__committee"
    list_display = ("__str__", "year", "start_date", "end_date", "half_days", "recorded")
    list_filter = ("year",)  # no committee filter: its choices would name other committees
    list_select_related = ("term__committee",)
    inlines = [PlenaryAttendanceInline]
    actions = ["fill_present"]

    @admin.action(description=_("Record every member not yet recorded as present for all half-days"))
    def fill_present(self, request, queryset):
        for session in queryset:
            try:
                added = svc.plenary_attendance_fill_present(session_id=session.pk, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{session}: {'；'.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("%(session)s: %(n)s members recorded as present.")
                                  % {"session": session, "n": added}, messages.SUCCESS)

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_recorded=Count("attendances"))

    @admin.display(description=_("members recorded"), ordering="_recorded")
    def recorded(self, obj):
        return obj._recorded

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._plenary_session = obj  # the inline offers only this session's committee's members
        return obj

    def save_model(self, request, obj, form, change):
        old_start = PlenarySession.objects.filter(pk=obj.pk).values_list("start_date", flat=True).first() \
            if change else None
        svc.plenary_session_change(session=obj, actor=request.user, changed=list(form.changed_data),
                                   old_start=old_start)

    def save_formset(self, request, form, formset, change):
        if formset.model is not PlenaryAttendance:
            return super().save_formset(request, form, formset, change)
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                svc.plenary_attendance_remove(attendance_id=inline_form.instance.pk, actor=request.user)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            d = inline_form.cleaned_data
            try:
                svc.plenary_attendance_set(session_id=form.instance.pk, member_id=d["member"].pk, present=d["present"],
                                           excused=d["excused"], absent=d["absent"],
                                           leave_reason=d.get("leave_reason", ""), actor=request.user)
            except ValidationError as exc:
                messages.error(request, f"{d['member']}: {'；'.join(exc.messages)}")
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(PlenaryAttendance)
class PlenaryAttendanceAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    """The attendance of every session in one list, and the spreadsheet import (all rows or none)."""

    committee_path = "session__term__committee"
    resource_classes = [PlenaryAttendanceResource]
    list_display = ("member", "session", "present", "excused", "absent", "leave_reason", "updated_at")
    list_filter = ("session__year", "session")
    search_fields = ("member__name",)
    list_select_related = ("member", "session__term__committee")
    readonly_fields = ("session", "member", "present", "excused", "absent", "leave_reason", "recorded_by",
                       "updated_at")

    def has_add_permission(self, request, *args):
        return False  # recorded on the session's page or imported, through the service

    def has_change_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return self._is_secretariat(request)

    def delete_model(self, request, obj):
        svc.plenary_attendance_remove(attendance_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            svc.plenary_attendance_remove(attendance_id=pk, actor=request.user)


