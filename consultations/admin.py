"""Admin for consultations: secretariat staff see only their committees' rows; writes go through the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_confirm import confirm_first
from core.admin_doors import run_on_each
from core.admin_files import file_link
from groups.admin_base import CommitteeScopedAdmin, ScopedInline

from . import services
from .models import (
    Attendance,
    ConsultationSession,
    Outcome,
    OutcomeEntry,
    Participant,
    SessionDocument,
    StageRecord,
    Topic,
)


@admin.register(Topic)
class TopicAdmin(CommitteeScopedAdmin):
    list_display = ("title", "committee", "year", "rank", "source", "proposer_kind", "state", "is_published")
    list_filter = ("state", "source", "year", "is_published")
    search_fields = ("title", "reasons")
    list_select_related = ("committee",)
    readonly_fields = (
        "state",
        "is_published",
        "source_lead",
        "source_message",
        "source_contact",
    )  # set by topic_from_heard
    autocomplete_fields = ()
    raw_id_fields = ("research_activities",)
    actions = ["adopt_selected"]

    @admin.action(description=_("Adopt and publish the selected topics"))
    @confirm_first(_("The topics are published for everyone to read."))
    def adopt_selected(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda t: services.topic_adopt(topic_id=t.pk, actor=request.user),
            _("%(n)s topics adopted."),
        )


class AttendanceInline(ScopedInline):
    model = Attendance
    raw_id_fields = ("member",)

    def save_row(self, request, obj, form, parent):
        if obj.pk and "member" in form.changed_data:  # a row moved to another member: the first one's goes
            services.attendance_remove(attendance_id=obj.pk, actor=request.user)
        services.attendance_set(
            session_id=parent.pk, member=obj.member, status=obj.status, reason=obj.reason, actor=request.user
        )

    def delete_row(self, request, obj, parent):
        services.attendance_remove(attendance_id=obj.pk, actor=request.user)


class ParticipantInline(ScopedInline):
    model = Participant
    autocomplete_fields = ("unit",)


class StageRecordInline(ScopedInline):
    model = StageRecord
    exclude = ("recorded_by",)


class DocumentInline(ScopedInline):
    model = SessionDocument
    readonly_fields = ("stored_file", "name", "content_type", "size", "uploaded_by", "uploaded_at")
    fields = ("kind", "stored_file", "name", "content_type", "size", "uploaded_by", "uploaded_at")
    stored_file = file_link("file", "consultations:document", description=_("file"))

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the session page, which checks content and size


@admin.register(ConsultationSession)
class ConsultationSessionAdmin(CommitteeScopedAdmin):
    list_display = ("title", "committee", "level", "form", "starts_at", "state", "is_published")
    list_filter = ("level", "form", "state", "is_published")
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    list_select_related = ("committee",)
    raw_id_fields = ("topic", "activity")
    readonly_fields = ("state", "is_published", "published_at")
    inlines = [AttendanceInline, ParticipantInline, StageRecordInline, DocumentInline]
    actions = ["hold_selected", "cancel_selected", "publish_selected"]

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("committee",) if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        """The session page's services: the checks on topic, group, platform and activity, the audit record."""
        data = {k: form.cleaned_data[k] for k in services.SESSION_FIELDS if k in form.cleaned_data}
        if change:
            services.session_update(session_id=obj.pk, actor=request.user, **data)
            return
        created = services.session_create(actor=request.user, committee=obj.committee, **data)
        obj.pk, obj._state.adding = created.pk, False

    def delete_model(self, request, obj):
        services.session_delete(session_id=obj.pk, actor=request.user)

    def _each(self, request, queryset, service, done):
        run_on_each(self, request, queryset, lambda session: service(session_id=session.pk, actor=request.user), done)

    @admin.action(description=_("Mark the selected sessions as held"))
    def hold_selected(self, request, queryset):
        self._each(request, queryset, services.session_hold, _("%(n)s sessions marked as held."))

    @admin.action(description=_("Cancel the selected sessions"))
    @confirm_first(_("The sessions are cancelled and can no longer be held."))
    def cancel_selected(self, request, queryset):
        self._each(request, queryset, services.session_cancel, _("%(n)s sessions cancelled."))

    @admin.action(description=_("Publish the selected sessions"))
    @confirm_first(_("The sessions' records become public."))
    def publish_selected(self, request, queryset):
        self._each(request, queryset, services.session_publish, _("%(n)s sessions published."))


class OutcomeEntryInline(ScopedInline):
    model = OutcomeEntry
    readonly_fields = ("kind", "text", "author", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Outcome)
class OutcomeAdmin(CommitteeScopedAdmin):
    """State changes go through the outcome page (services); the admin edits the wording only."""

    list_display = ("title", "committee", "state", "unit", "deadline", "answered_on_time")
    list_filter = ("state", "answered_on_time")
    search_fields = ("title", "content", "reply")
    list_select_related = ("committee", "unit")
    raw_id_fields = ("session", "merged_into", "proposal")
    readonly_fields = (
        "state",
        "unit",
        "deadline",
        "assigned_at",
        "reply",
        "replied_at",
        "replied_by",
        "answered_on_time",
        "published_at",
        "closed_at",
    )
    inlines = [OutcomeEntryInline]
    actions = ["publish_selected", "close_selected"]

    @admin.action(description=_("Publish the selected outcomes"))
    @confirm_first(_("The outcomes and their replies become public."))
    def publish_selected(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda o: services.outcome_publish(outcome_id=o.pk, actor=request.user),
            _("%(n)s outcomes published."),
        )

    @admin.action(description=_("Close the selected outcomes"))
    @confirm_first(_("Follow-up of the outcomes ends."))
    def close_selected(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda o: services.outcome_close(outcome_id=o.pk, actor=request.user),
            _("%(n)s outcomes closed."),
        )
