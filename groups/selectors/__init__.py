"""Reads shared by the organisation pages and the API."""
from django.db.models import Count, F, Prefetch, Q, QuerySet

from groups.models import ActivityGroup, Committee, GroupMembership


def groups_with_counts(qs: QuerySet) -> QuerySet:
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


def group_detail(group_id: int, user) -> ActivityGroup:
    """One group the user may see, with its members and contact points loaded."""
    members = GroupMembership.objects.active().select_related("member__sector").order_by("role", "member__name")
    return (
        ActivityGroup.objects.visible_to(user)
        .select_related("committee", "special_committee", "liaison_leader", "sector")
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="active_memberships"), "contact_points")
        .get(pk=group_id)
    )


def committee_overview(user) -> QuerySet:
    """Committees a leader or staff member reads, with member, group and contact-point counts."""
    return (
        Committee.objects.visible_to(user)
        .select_related("parent")
        .annotate(
            member_count=Count("members", filter=Q(members__status="active"), distinct=True),
            standing_count=Count("members", filter=Q(members__status="active", members__is_standing=True), distinct=True),
            group_count=Count("activity_groups", filter=Q(activity_groups__is_active=True), distinct=True),
        )
        .order_by(F("parent_id").asc(nulls_first=True), "code")
    )
