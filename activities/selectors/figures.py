"""The rows behind the figures of a group's, a platform's and a lead's pages (issue 17: every count links to its rows).

Each figure a page counts is counted by the same rule its list here uses: the convener's dashboard
(``activities.group_coverage``: members covered by ``is_covered``, contact points visited, leave requests), the plan
against actual (``activities.plan_progress``: planned, done, overdue, unplanned per quarter), a member's groups
(``groups_with_counts``: members, contact points), the platforms (members) and the leads (messages, contacts,
suggestions). The lists are querysets: one page of rows is a fixed number of queries at any size.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet, Window
from django.utils import timezone

from activities.models import Activity, ActivitySuggestion, Attendance, Lead, PlanItem, PublicMessage
from activities.selectors.activities import COUNTED, Period, counted_in, group_members, is_covered, plan_overdue_q
from core.expressions import AmongIds
from groups.models import ActivityGroup, ConstituentContact, ContactPoint, Member, Platform

# a group's figures anyone who sees the group reads (its members too), and those of its convener's dashboard
GROUP_PUBLIC = ("members", "contact_points")
GROUP_CONVENER = (
    "covered",
    "uncovered",
    "visited",
    "visits",
    "leave",
    "six",
    "planned",
    "done",
    "overdue",
    "unplanned",
)
LEAD_FIGURES = ("messages", "contacts", "suggestions")


def plan_items_done() -> Exists:
    return Exists(Activity.objects.filter(plan_item_id=OuterRef("pk"), state__in=COUNTED))


def group_rows(
    group: ActivityGroup,
    figure: str,
    period: Period,
    *,
    own_member_id: int | None = None,
    point_id: int | None = None,
    six_item: str = "",
    today: date | None = None,
) -> QuerySet:
    """The rows one of the group's figures counts: members, contact points, plan items, activities or attendances.

    ``period``: the dashboard's year or quarter (the plan's figures: the year, and the quarter of its row);
    ``own_member_id``: a convener's own leave request is their deputy's (the dashboard leaves it out)."""
    start, end = period.bounds
    if figure == "members":
        return group_members(group.pk).select_related("sector").order_by("name", "pk")
    if figure in ("covered", "uncovered"):
        members = group_members(group.pk).select_related("sector").order_by("name", "pk")
        return members.filter(is_covered(period)) if figure == "covered" else members.exclude(is_covered(period))
    if figure == "contact_points":
        return ContactPoint.objects.filter(groups=group).order_by("kind", "name", "pk")
    group_activities = Activity.objects.filter(group=group)
    if figure == "visited":
        visits = counted_in(group_activities, period).filter(contact_point_id=OuterRef("pk"))
        return ContactPoint.objects.filter(groups=group).filter(Exists(visits)).order_by("kind", "name", "pk")
    if figure == "visits":
        rows = counted_in(group_activities, period).filter(contact_point_id=point_id or 0)
        return rows.select_related("contact_point").order_by("-starts_at", "-pk")
    if figure == "six":
        rows = counted_in(group_activities, period).filter(six_item=six_item) if six_item else Activity.objects.none()
        return rows.select_related("contact_point").order_by("-starts_at", "-pk")
    if figure == "leave":
        return (
            Attendance.objects.filter(activity__group=group, leave=Attendance.Leave.REQUESTED)
            .exclude(member_id=own_member_id or 0)
            .select_related("member", "activity")
            .order_by("activity__starts_at", "pk")
        )
    if figure == "unplanned":
        rows = group_activities.filter(
            state__in=COUNTED, plan_item__isnull=True, starts_at__gte=start, starts_at__lt=end
        )
        return rows.select_related("contact_point").order_by("starts_at", "pk")
    if figure in ("planned", "done", "overdue"):
        items = PlanItem.objects.filter(plan__group=group, plan__year=period.year).annotate(is_done=plan_items_done())
        if period.quarter:
            items = items.filter(quarter=period.quarter)
        if figure == "done":
            items = items.filter(is_done=True)
        elif figure == "overdue":
            items = items.filter(plan_overdue_q(period.year, today or timezone.localdate()))
        return items.select_related("contact_point").order_by("quarter", "month", "pk")
    return Member.objects.none()


def first_leave_requests(group: ActivityGroup, rows: QuerySet, limit: int = 20) -> tuple[list[Attendance], int]:
    """The first ``limit`` of the group's waiting leave requests ``rows`` (``group_rows(group, "leave", …)``) and how
    many there are, found through the group's activities' ids, each probed in the partial index of waiting requests
    (``attendance_leave_requested``). As one join with the order and the limit, PostgreSQL hashes every waiting
    request of the deployment with its table rows to find the group's few (8,082 at 50k, 16-129 ms; by the ids,
    0.4 ms). One query: the ids are its InitPlan (``AmongIds``), not a list read first and sent back (430 ids at
    50k, 3 ms of building the statement); the count a window over the same rows before the limit, not a second
    statement; the columns the dashboard shows only (#22: 4.2 ms for the list and its count, 2.5 ms so)."""
    activity_ids = Activity.objects.filter(group=group).order_by().values("pk")
    found = list(
        rows.filter(AmongIds("activity_id", activity_ids))
        .only("activity_id", "leave_reason", "member__name", "activity__title", "activity__starts_at")
        .annotate(waiting=Window(Count("pk")))[:limit]
    )
    return found, found[0].waiting if found else 0


def platform_members(platform: Platform) -> QuerySet:
    """The platform's members now (the list's count: memberships not left)."""
    return (
        platform.memberships.filter(left_on__isnull=True)
        .select_related("member__sector")
        .order_by("member__name", "pk")
    )


def lead_rows(lead: Lead, figure: str) -> QuerySet:
    """The messages, contacts or activity suggestions a lead pools (the list's counts)."""
    if figure == "messages":
        return PublicMessage.objects.filter(leads=lead).order_by("-created_at", "-pk")
    if figure == "contacts":
        return ConstituentContact.objects.filter(leads=lead).select_related("member").order_by("-contacted_on", "-pk")
    if figure == "suggestions":
        return ActivitySuggestion.objects.filter(leads=lead).select_related("activity").order_by("-created_at", "-pk")
    return PublicMessage.objects.none()
