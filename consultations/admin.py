"""Admin for consultations: secretariat staff see only their committees' rows."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_files import file_link
from groups.admin_base import CommitteeScopedAdmin, ScopedInline

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
    readonly_fields = ("state",)
    autocomplete_fields = ()
    raw_id_fields = ("research_activities",)


class AttendanceInline(ScopedInline):
    model = Attendance
    raw_id_fields = ("member",)


class ParticipantInline(ScopedInline):
    model = Participant


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
    readonly_fields = ("state", "unit", "deadline", "assigned_at", "reply", "replied_at", "replied_by",
                       "answered_on_time", "published_at", "closed_at")
    inlines = [OutcomeEntryInline]
