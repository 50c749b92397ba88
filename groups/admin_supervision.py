"""The admin's read-only lists of the members' mailbox and of supervision (issue 20): residents' messages with their
rating, supervision groups, their visits, inspections and work reports.

Every step of these records has its service and its page (``activities.services.mailbox``, ``groups.services.supervision``),
so the admin only lists and shows them: no add, change or delete here. The lists are the staff's committees' rows
(``CommitteeScopedAdmin``); a resident's name and phone are shown only on a message's own page, which only the
committee's staff reach (never in a list column or a search field).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from groups.admin_base import CommitteeScopedAdmin
from groups.models import Inspection, MessageRating, PublicMessage, SupervisionGroup, SupervisionVisit, WorkReport


class ReadOnlyAdmin(CommitteeScopedAdmin):
    """Listed and shown; written only through the services' pages."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageRatingInline(admin.StackedInline):
    model = MessageRating
    extra = 0
    can_delete = False
    fields = ("rating", "comment", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PublicMessage)
class PublicMessageAdmin(ReadOnlyAdmin):
    """Residents' messages 委员信箱: routed, answered and set aside on the message's page."""

    list_display = ("tracking_code", "created_at", "kind", "category", "state", "answer_due", "routed_member", "rated")
    list_filter = ("state", "kind", "category", "target", ("created_at", admin.DateFieldListFilter))
    search_fields = ("tracking_code", "text", "routed_member__name")  # never the resident's name or phone
    list_select_related = ("routed_member", "rating")
    inlines = [MessageRatingInline]
    fields = (
        "committee",
        "tracking_code",
        "target",
        "group",
        "platform",
        "contact_point",
        "kind",
        "category",
        "text",
        "name",
        "phone",
        "state",
        "answer_due",
        "routed_member",
        "routed_group",
        "routed_at",
        "answer",
        "answered_at",
        "answered_by",
        "contact",
        "discard_reason",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("rating"))
    def rated(self, obj):
        rating = getattr(obj, "rating", None)
        return rating.get_rating_display() if rating else "—"


@admin.register(SupervisionGroup)
class SupervisionGroupAdmin(ReadOnlyAdmin):
    """Democratic-supervision groups 民主监督小组 stationed at a unit; set up on the supervision pages."""

    list_display = ("name", "unit", "starts_on", "ends_on", "leader", "committee")
    list_filter = (("starts_on", admin.DateFieldListFilter),)
    search_fields = ("name", "focus", "unit__name")
    list_select_related = ("unit", "leader", "committee")
    fields = ("committee", "name", "unit", "focus", "starts_on", "ends_on", "leader", "members", "created_at")
    readonly_fields = fields


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(ReadOnlyAdmin):
    committee_path = "group__committee"
    list_display = ("visited_on", "group", "responded_at", "recorded_by")
    list_filter = (("visited_on", admin.DateFieldListFilter),)
    search_fields = ("group__name", "findings", "suggestions")
    list_select_related = ("group", "recorded_by")
    fields = (
        "group",
        "visited_on",
        "participants",
        "findings",
        "suggestions",
        "unit_response",
        "responded_at",
        "recorded_by",
        "created_at",
    )
    readonly_fields = fields


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    """Inspections 督导检查 of groups and platforms, and what was put right."""

    list_display = ("inspected_on", "group", "platform", "inspectors", "state", "follow_up_due", "committee")
    list_filter = ("state", ("inspected_on", admin.DateFieldListFilter))
    search_fields = ("inspectors", "findings", "group__name", "platform__name")
    list_select_related = ("group", "platform", "committee")
    fields = (
        "committee",
        "group",
        "platform",
        "inspected_on",
        "inspectors",
        "findings",
        "required_actions",
        "follow_up_due",
        "follow_up",
        "followed_up_on",
        "state",
        "recorded_by",
        "created_at",
    )
    readonly_fields = fields


@admin.register(WorkReport)
class WorkReportAdmin(ReadOnlyAdmin):
    """A group's half-yearly work report 工作汇报 to its liaison leader, and the leader's answer."""

    committee_path = "group__committee"
    list_display = ("group", "year", "half", "submitted_at", "commented_at")
    list_filter = ("year", "half")
    search_fields = ("group__name", "summary")
    list_select_related = ("group",)
    fields = (
        "group",
        "year",
        "half",
        "summary",
        "plans",
        "submitted_by",
        "submitted_at",
        "comment",
        "commented_by",
        "commented_at",
    )
    readonly_fields = fields
