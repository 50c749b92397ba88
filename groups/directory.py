"""The organisation's answers to core (``core.directory``): registered when this module is imported by
``GroupsConfig.ready``, so core never imports groups."""
from __future__ import annotations

from core import directory
from groups.access import scope_of
from groups.admin_base import bindable_users

directory.provide("scope_of")(scope_of)
directory.provide("bindable_users")(bindable_users)


@directory.provide("member_logins")
def member_logins(scope):
    """Logins of members of the staff's committees that the staff may manage (``core.directory.member_logins``)."""
    from groups.models import CommitteeStaff, Member

    return (bindable_users(scope).filter(is_staff=False, pk__in=Member.objects.filter(
        committee__in=scope.staff_committee_ids, user__isnull=False).values("user_id"))
        .exclude(pk__in=CommitteeStaff.objects.values("user_id")))


@directory.provide("committee_of")
def committee_of(user) -> int | None:
    """The committee whose defaults apply to a user: as a member, a handling unit, or staff.

    Uses the scope when the request already computed it; otherwise one query for a member (rules notify
    thousands of users, and the full scope costs four).
    """
    from groups.models import CommitteeStaff, HandlingUnit, Member

    scope = getattr(user, "_cppcc_scope", None)
    if scope is not None:
        candidates = [scope.member_committee_id, *sorted(scope.unit_committee_ids),
                      *sorted(scope.staff_committee_ids), *sorted(scope.leader_committee_ids)]
        return next((c for c in candidates if c), None)
    lookups = (
        Member.objects.filter(user=user, status=Member.Status.ACTIVE),
        HandlingUnit.objects.filter(users=user, is_active=True),
        CommitteeStaff.objects.filter(user=user),
    )
    for qs in lookups:
        committee_id = qs.order_by("committee_id").values_list("committee_id", flat=True).first()
        if committee_id:
            return committee_id
    return None
