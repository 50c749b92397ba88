"""Reads shared by the organisation pages and the API."""

from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.models import User
from groups.models import ActivityGroup, Committee, GroupMembership, MemberTally


def groups_with_counts(qs: QuerySet[ActivityGroup]) -> QuerySet[ActivityGroup]:
    """Groups with their active member count and conveners' names, in a fixed number of queries."""
    conveners = (
        GroupMembership.objects.active()
        .filter(role__in=[GroupMembership.Role.CONVENER, GroupMembership.Role.DEPUTY])
        .select_related("member")
        .order_by("role", "member__name")
    )
    return (
        qs.select_related("committee", "special_committee", "liaison_leader")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
            contact_point_count=Count("contact_points", distinct=True),
        )
        .prefetch_related(Prefetch("memberships", queryset=conveners, to_attr="convener_memberships"))
    )


def group_detail(group_id: int, user: User) -> ActivityGroup:
    """One group the user may see, with its contact points loaded (its members are paged: ``group_members``)."""
    return (
        ActivityGroup.objects.visible_to(user)
        .select_related("committee", "special_committee", "liaison_leader", "sector")
        .prefetch_related("contact_points")
        .get(pk=group_id)
    )


def group_members(group: ActivityGroup) -> QuerySet[GroupMembership]:
    """The group's current members, conveners first, then by name."""
    return (
        GroupMembership.objects.active()
        .filter(group=group)
        .select_related("member__sector")
        .order_by("role", "member__name", "pk")
    )


def _count_per_committee(qs: QuerySet[Any]) -> Coalesce:
    """How many rows of ``qs`` belong to the outer committee: a correlated COUNT, 0 when none."""
    counted = qs.filter(committee_id=OuterRef("pk")).order_by().values("committee_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), 0)


def committee_overview(user: User) -> QuerySet[Committee]:
    """Committees a leader or staff member reads, with member, group and contact-point counts.

    One subquery per count: the members in office and the standing ones are the kept counts (``MemberTally``, one
    row per committee; counting them took a pass over the committee's members, 50 ms at 50,000), the groups use the
    committee index.
    """
    kept = MemberTally.objects.filter(committee_id=OuterRef("pk"))
    return (
        Committee.objects.visible_to(user)
        .select_related("parent")
        .annotate(
            member_count=Coalesce(Subquery(kept.values("in_office")), 0),
            standing_count=Coalesce(Subquery(kept.values("standing")), 0),
            group_count=_count_per_committee(ActivityGroup.objects.filter(is_active=True)),
        )
        .order_by(F("parent_id").asc(nulls_first=True), "code")  # the city first on SQLite and PostgreSQL alike
    )
