"""Admin for plenary sessions 全体会议 and members' attendance at them, in half-days.

The session page lists its members' attendance as an inline; every row saved or deleted there, and
every row of an imported spreadsheet, goes through ``plenary.services`` (checks, audit record,
stale roll-ups), never straight to the table. The session's page is registered here, with the attendance it
lists: the session (``groups.PlenarySession``) keeps its admin address under groups.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.parsing import as_id
from groups.admin import UserScopedImportMixin
from groups.admin_base import CommitteeScopedAdmin, ScopedInline
from groups.models import Member, PlenarySession
from plenary import services as svc
from plenary.models import PlenaryAttendance
from plenary.resources import PlenaryAttendanceResource


class PreloadedChoiceField(forms.ModelChoiceField):
    """A row's member or own id, from the records the formset loaded together (not one query per row)."""

    known: dict | None = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.known[int(getattr(value, "pk", value))]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class PlenaryAttendanceFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "members": self._members}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self.model._meta.pk.name
        if self.is_bound and isinstance(form.fields.get(name), forms.ModelChoiceField):
            given = form.fields[name]
            form.fields[name] = PreloadedChoiceField(
                given.queryset, initial=given.initial, required=False, widget=given.widget
            )
            form.fields[name].known = self._recorded

    def clean(self):
        """The service's own row checks (counts within the session, a member of its committee, nobody
        twice) on every row left, before anything is written: a refusal is a form error, not a half-save."""
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = [f for f in self.forms if f not in self.deleted_forms and f.cleaned_data.get("member")]
        rows = [_row(f) for f in kept]
        for index, errors in svc.row_errors(self.instance, rows, self._members or {}).items():
            for field, found in errors.items():
                for message in found:
                    kept[index].add_error(
                        None if field == "__all__" or field not in kept[index].fields else field, message
                    )

    @cached_property
    def _recorded(self) -> dict:
        return {row.pk: row for row in self.get_queryset()}

    @cached_property
    def _members(self) -> dict[int, Member] | None:
        if not self.is_bound:
            return None
        posted = (self.data.get(f"{self.add_prefix(i)}-member", "") for i in range(self.total_form_count()))
        ids = {as_id(v) for v in posted if as_id(v)} | {row.member_id for row in self.get_queryset()}
        return self.form.base_fields["member"].queryset.filter(pk__in=ids).in_bulk()


def _row(form) -> svc.AttendanceRow:
    data = form.cleaned_data
    return svc.AttendanceRow(
        member_id=data["member"].pk,
        present=data["present"],
        excused=data["excused"],
        absent=data["absent"],
        leave_reason=data.get("leave_reason") or "",
    )


class PlenaryAttendanceForm(forms.ModelForm):
    """A recorded row keeps its member (the row's title names them): correcting means changing the
    counts; another member gets a new row. So no member widget is drawn, nor looked up, per row.

    The member's committee and the counts are checked here and by the model's ``clean`` without a query;
    the database constraints on the same rules are not asked row by row (the service writes in bulk)."""

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None and isinstance(self.fields.get("member"), PreloadedChoiceField):
            self.fields["member"].known = members
        if self.instance.pk and "member" in self.fields:
            self.fields["member"].disabled = True
            self.fields["member"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        counts = [cleaned.get(name) for name in svc.COUNTS]
        if None not in counts and sum(counts) == 0:
            raise ValidationError(_("Record at least one half-day."))
        return cleaned

    def _get_validation_exclusions(self):
        return set(super()._get_validation_exclusions()) | {"member", *svc.COUNTS}


class PlenaryAttendanceInline(ScopedInline):
    model = PlenaryAttendance
    form = PlenaryAttendanceForm
    formset = PlenaryAttendanceFormSet
    fields = ("member", "present", "excused", "absent", "leave_reason", "recorded_by", "updated_at")
    readonly_fields = ("recorded_by", "updated_at")
    autocomplete_fields = ("member",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["form_class"] = PreloadedChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:  # only this session's committee's members (the form class is made per request)
            member = formset.form.base_fields["member"]
            member.queryset = member.queryset.filter(committee_id=obj.term.committee_id)
        return formset

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
                self.message_user(
                    request,
                    _("%(session)s: %(n)s members recorded as present.") % {"session": session, "n": added},
                    messages.SUCCESS,
                )

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_recorded=Count("attendances"))

    @admin.display(description=_("members recorded"), ordering="_recorded")
    def recorded(self, obj):
        return obj._recorded

    def save_model(self, request, obj, form, change):
        svc.plenary_session_change(session=obj, actor=request.user, changed=list(form.changed_data))

    def delete_model(self, request, obj):
        svc.plenary_session_delete(session_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):  # a few sessions a term
            svc.plenary_session_delete(session_id=pk, actor=request.user)

    def save_formset(self, request, form, formset, change):
        """Deleted and changed rows through the services, all or none (the formset already ran the
        service's checks; a write that raced them leaves every row as it was)."""
        if formset.model is not PlenaryAttendance:
            return super().save_formset(request, form, formset, change)
        changed = [f for f in formset.forms if f not in formset.deleted_forms and f.has_changed()]
        try:
            with transaction.atomic():  # the rows removed and written together, or none of them
                svc.plenary_attendance_remove_many(
                    attendance_ids=[f.instance.pk for f in formset.deleted_forms if f.instance.pk], actor=request.user
                )
                if changed:
                    svc.plenary_attendance_import(
                        session_id=form.instance.pk, rows=[_row(f) for f in changed], actor=request.user
                    )
        except ValidationError as exc:
            messages.error(
                request,
                _("Attendance not saved, no row was written or removed: %(errors)s")
                % {"errors": "；".join(exc.messages)},
            )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None


@admin.register(PlenaryAttendance)
class PlenaryAttendanceAdmin(UserScopedImportMixin, CommitteeScopedAdmin):
    """The attendance of every session in one list, and the spreadsheet import (all rows or none)."""

    committee_path = "session__term__committee"
    resource_classes = [PlenaryAttendanceResource]
    list_display = ("member", "session", "present", "excused", "absent", "leave_reason", "updated_at")
    list_filter = ("session__year", "session")
    search_fields = ("member__name",)
    list_select_related = ("member", "session__term__committee")
    readonly_fields = ("session", "member", "present", "excused", "absent", "leave_reason", "recorded_by", "updated_at")

    def has_add_permission(self, request, *args):
        return False  # recorded on the session's page or imported, through the service

    def has_change_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return self._is_secretariat(request)

    def delete_model(self, request, obj):
        svc.plenary_attendance_remove(attendance_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        svc.plenary_attendance_remove_many(attendance_ids=queryset.values_list("pk", flat=True), actor=request.user)
