"""What follows an admin edit of the organisation's rows (``core.services.on_record_write``): the roll-ups that
counted them go stale. A member counts in their committee's roll-ups while active; a membership in its group's
quarters between joining and leaving."""
from __future__ import annotations

from datetime import date

from django.utils import timezone

from core.events import publish
from core.services import on_record_write
from groups.events import DutyRecordChanged
from groups.models import GroupMembership, Member

MEMBER_COUNTED = ("committee_id", "status")


def _mark_stale(committee_id: int, on: date) -> None:
    publish(DutyRecordChanged(committee_id=committee_id, on=on))


@on_record_write(Member)
def _member_changed(*, before, after) -> None:
    """A member who joins, leaves or moves committee is in or out of every quarter of the year rolled up."""
    if before is not None and after is not None and all(
            getattr(before, f) == getattr(after, f) for f in MEMBER_COUNTED):
        return
    year_start = date(timezone.localdate().year, 1, 1)
    for committee_id in {row.committee_id for row in (before, after) if row is not None}:
        _mark_stale(committee_id, year_start)


@on_record_write(GroupMembership)
def _membership_changed(*, before, after) -> None:
    """A group's members are counted per quarter from joining to leaving: stale from the earliest date the edit
    moved (a new or removed membership: from its joining)."""
    if before is not None and after is not None and before.group_id == after.group_id:
        moved = [d for old, new in ((before.joined_on, after.joined_on), (before.left_on, after.left_on))
                 if old != new for d in (old, new) if d is not None]
        if moved:
            _membership_stale(after.group_id, min(moved))
        return
    for row in (before, after):
        if row is not None:
            _membership_stale(row.group_id, row.joined_on)


def _membership_stale(group_id: int, start: date) -> None:
    from groups.models import ActivityGroup

    committee_id = ActivityGroup.objects.filter(pk=group_id).values_list("committee_id", flat=True).first()
    if committee_id is None:
        return
    for year in range(start.year, max(start.year, timezone.localdate().year) + 1):  # it counted in every later year
        _mark_stale(committee_id, start if year == start.year else date(year, 1, 1))
