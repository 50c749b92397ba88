"""Members, groups and memberships edited as data by the secretariat (the admin and the API), and what follows
such an edit of the organisation's rows (``core.services.on_record_write``): the roll-ups that
counted them go stale. A member counts in their committee's roll-ups while active; a membership in its group's
quarters between joining and leaving."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import publish
from core.exceptions import DomainError, NotPermitted
from core.models import User
from core.services import not_an_api_action, on_record_write, record_delete, record_save
from groups.events import DutyRecordChanged
from groups.models import GroupMembership, Member

MEMBER_COUNTED = ("committee_id", "status")


def _mark_stale(committee_id: int, on: date) -> None:
    publish(DutyRecordChanged(committee_id=committee_id, on=on))


@on_record_write(Member)
def _member_changed(*, before: Member | None, after: Member | None) -> None:
    """A member who joins, leaves or moves committee is in or out of every quarter of the year rolled up."""
    if (
        before is not None
        and after is not None
        and all(getattr(before, f) == getattr(after, f) for f in MEMBER_COUNTED)
    ):
        return
    year_start = date(timezone.localdate().year, 1, 1)
    for committee_id in {row.committee_id for row in (before, after) if row is not None}:
        _mark_stale(committee_id, year_start)


@on_record_write(GroupMembership)
def _membership_changed(*, before: GroupMembership | None, after: GroupMembership | None) -> None:
    """A group's members are counted per quarter from joining to leaving: stale from the earliest date the edit
    moved (a new or removed membership: from its joining)."""
    if before is not None and after is not None and before.group_id == after.group_id:
        moved = [
            d
            for old, new in ((before.joined_on, after.joined_on), (before.left_on, after.left_on))
            if old != new
            for d in (old, new)
            if d is not None
        ]
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


@not_an_api_action("what follows an import's rows; table_import calls it in its transaction")
def rows_imported(model: type[models.Model], pks: Iterable[Any]) -> None:
    """What follows a spreadsheet import's new rows (``groups.services.table_import``), as ``record_save`` of each:
    new members count in their committees' roll-ups from this year on (one event per committee, not per row);
    a new group has no members yet, so counts nothing."""
    if model is not Member or not pks:
        return
    year_start = date(timezone.localdate().year, 1, 1)
    for committee_id in sorted(set(Member.objects.filter(pk__in=list(pks)).values_list("committee_id", flat=True))):
        _mark_stale(committee_id, year_start)


def _require_staff_of_row(obj: models.Model, actor: User) -> None:
    from groups.access import require_staff

    message = _("Only the committee's secretariat staff may change its members and groups.")
    committee_id = _committee_of(obj)
    if committee_id is None:
        raise NotPermitted(message)
    require_staff(actor, committee_id, message)


def _committee_of(obj: models.Model) -> int | None:
    if isinstance(obj, GroupMembership):
        from groups.models import ActivityGroup

        return ActivityGroup.objects.filter(pk=obj.group_id).values_list("committee_id", flat=True).first()
    return getattr(obj, "committee_id", None)


@transaction.atomic
def organisation_save(
    *, obj: models.Model, actor: User, changed: Iterable[str] = (), m2m: dict[str, Any] | None = None
) -> models.Model:
    """Save a member, a group or a membership as the secretariat does in the admin: the actor must be staff of
    the row's committee, before and after the change (``NotPermitted``); then ``record_save`` (audit row, stale
    roll-ups through the hooks above)."""
    if obj.pk is not None:
        before = type(obj)._base_manager.select_for_update().filter(pk=obj.pk).first()
        if before is not None:
            _require_staff_of_row(before, actor)
    _require_staff_of_row(obj, actor)
    return record_save(obj=obj, actor=actor, changed=changed, m2m=m2m)


@transaction.atomic
def organisation_delete(*, obj: models.Model, actor: User) -> None:
    """Delete a member, a group or a membership (the secretariat's, as in the admin), with its audit row."""
    _require_staff_of_row(obj, actor)
    try:
        record_delete(obj=obj, actor=actor)
    except ProtectedError as exc:
        raise DomainError(
            _(
                "This record is still referred to (activities, proposals or attendance) and cannot "
                "be deleted; mark it inactive or as left office instead."
            )
        ) from exc
