"""The admin's read-only lists of supervision (issue 20): supervision groups, their visits, inspections and work
reports (the residents' messages': ``activities/admin_mailbox.py``).

Every step of these records has its service and its page (``groups.services.supervision``), so the admin only lists
and shows them: no add, change or delete here. The lists are the staff's committees' rows (``ReadOnlyAdmin``).
"""

from __future__ import annotations

from django.contrib import admin

from groups.admin_base import ReadOnlyAdmin
from groups.models import Inspection, SupervisionGroup, SupervisionVisit, WorkReport


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
