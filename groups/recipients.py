"""Who hears about what (for reminder rules and event subscribers of every app): bounded look-ups for reminder rules (one query per kind of recipient, never per row).

Each returns ``{key: [user, …]}`` for a batch of keys, so a rule fetches its rows, collects the keys, and asks
once: a unit's users, a committee's secretariat staff, a group's conveners (and deputies).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from groups.models import CommitteeStaff, GroupMembership, HandlingUnit, Member


def _grouped(rows, key, user) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in rows:
        out[key(row)].append(user(row))
    return out


def unit_users(unit_ids: Iterable[int]) -> dict[int, list]:
    """Active users of each active handling unit."""
    ids = set(unit_ids)
    if not ids:
        return {}
    rows = (
        HandlingUnit.users.through.objects.filter(
            handlingunit_id__in=ids, handlingunit__is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("handlingunit_id", "user_id")
    )
    return _grouped(rows, lambda r: r.handlingunit_id, lambda r: r.user)


def committee_staff(committee_ids: Iterable[int]) -> dict[int, list]:
    """Active secretariat staff of each committee."""
    ids = set(committee_ids)
    if not ids:
        return {}
    rows = (
        CommitteeStaff.objects.filter(committee_id__in=ids, role=CommitteeStaff.Role.SECRETARIAT, user__is_active=True)
        .select_related("user")
        .order_by("committee_id", "user_id")
    )
    return _grouped(rows, lambda r: r.committee_id, lambda r: r.user)


def group_conveners(group_ids: Iterable[int]) -> dict[int, list]:
    """Conveners and deputy conveners (active memberships, active members with a login) of each group."""
    ids = set(group_ids)
    if not ids:
        return {}
    rows = (
        GroupMembership.objects.active()
        .filter(
            group_id__in=ids,
            role__in=[GroupMembership.Role.CONVENER, GroupMembership.Role.DEPUTY],
            member__status=Member.Status.ACTIVE,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        .select_related("member__user")
        .order_by("group_id", "member_id")
    )
    return _grouped(rows, lambda r: r.group_id, lambda r: r.member.user)
