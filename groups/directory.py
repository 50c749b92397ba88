"""The organisation's answers to core (``core.directory``): registered when this module is imported by
``GroupsConfig.ready``, so core never imports groups."""

from __future__ import annotations

from core import directory
from groups.access import scope_of
from groups.admin_base import bindable_users, committee_path_of

directory.provide("scope_of")(scope_of)
directory.provide("bindable_users")(bindable_users)


@directory.provide("committee_of_record")
def committee_of_record(obj) -> int | None:
    """A record's committee along its admin's ``committee_path`` (``committee``, ``group__committee`` …), through
    the rows it has already loaded only: an audit row never costs a query (batch actions write thousands)."""
    from groups.models import Committee

    if isinstance(obj, Committee):
        return obj.pk
    path = committee_path_of(type(obj))
    if path is None:
        value = getattr(obj, "committee_id", None)
        return value if isinstance(value, int) else None
    *hops, last = path.split("__")
    current = obj
    for hop in hops:
        try:
            field = current._meta.get_field(hop)
        except Exception:  # noqa: BLE001 - a path through something that is not a field: no answer
            return None
        if not getattr(field, "is_relation", False) or not field.is_cached(current):
            return None
        current = getattr(current, hop)
        if current is None:
            return None
    if isinstance(current, Committee) and last == "pk":
        return current.pk
    value = getattr(current, f"{last}_id", None)
    return value if isinstance(value, int) else None


@directory.provide("member_logins")
def member_logins(scope):
    """Logins of members of the staff's committees that the staff may manage (``core.directory.member_logins``)."""
    from groups.models import CommitteeStaff, Member

    return (
        bindable_users(scope)
        .filter(
            is_staff=False,
            pk__in=Member.objects.filter(committee__in=scope.staff_committee_ids, user__isnull=False).values("user_id"),
        )
        .exclude(pk__in=CommitteeStaff.objects.values("user_id"))
    )


@directory.provide("committee_of")
def committee_of(user) -> int | None:
    """The committee whose defaults apply to a user: as a member, a handling unit, or staff.

    Uses the scope when the request already computed it; otherwise one query for a member (rules notify
    thousands of users, and the full scope costs four).
    """
    from groups.models import CommitteeStaff, HandlingUnit, Member

    scope = getattr(user, "_cppcc_scope", None)
    if scope is not None:
        candidates = [
            scope.member_committee_id,
            *sorted(scope.unit_committee_ids),
            *sorted(scope.staff_committee_ids),
            *sorted(scope.leader_committee_ids),
        ]
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
