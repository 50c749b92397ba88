"""Writes on plenary attendance 全会出勤: record, correct or remove members' half-days at a session, and the
sessions themselves (``groups.PlenarySession``) as staff enter, move or delete them.

Each call locks the session row, so two staff correcting the same session are serialised and the
half-day total is checked against the session as it stands; every change leaves an audit row with
the counts before and after, and marks the duty-record roll-ups of the session's quarter (and later
ones) stale, so a correction of a past quarter is recomputed by the nightly roll-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import actor_id, publish
from core.exceptions import DomainError
from core.models import User
from core.services import audit_event, lock, not_an_api_action, record_event, record_events
from core.verbs import CoreVerb
from groups.access import require_staff
from groups.models import Member, PlenarySession
from groups.verbs import GroupsVerb
from plenary.events import PlenaryAttendanceChanged
from plenary.models import PlenaryAttendance
from plenary.verbs import PlenaryVerb

COUNTS = ("present", "excused", "absent")
WRITTEN = ("present", "excused", "absent", "leave_reason", "recorded_by", "updated_at")


@dataclass(frozen=True)
class AttendanceRow:
    """One member's half-days at a session, as a spreadsheet row or a line of the session page gives them."""

    member_id: int
    present: int
    excused: int
    absent: int
    leave_reason: str = ""

    @property
    def counts(self) -> dict[str, int]:
        return {"present": self.present, "excused": self.excused, "absent": self.absent}


@dataclass
class AttendanceOutcome:
    recorded: int = 0
    corrected: int = 0
    unchanged: int = 0
    rows: dict[int, PlenaryAttendance] = field(default_factory=dict)  # by member id, as now stored


class AttendanceRowsRefused(DomainError):
    """Rows refused by ``plenary_attendance_import``; ``rows`` maps a row's index to its messages by field."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        self.rows = rows
        super().__init__(
            [
                _("Row %(row)s: %(message)s") % {"row": index + 1, "message": message}
                for index, fields in sorted(rows.items())
                for messages in fields.values()
                for message in messages
            ]
        )


STAFF_ONLY = gettext_lazy("Only the committee's secretariat staff may record plenary attendance.")


def _duty_day(session: PlenarySession, actor: User) -> dict:
    """The facts every plenary duty-record event carries (the session's committee and day, who acted)."""
    return {"committee_id": session.term.committee_id, "on": session.start_date, "actor_id": actor_id(actor)}


@not_an_api_action("reads what is wrong with one row's counts (no write); the import and the admin form use it")
def count_errors(session: PlenarySession, counts: dict[str, int]) -> dict[str, list[str]]:
    """What is wrong with one member's half-days at ``session`` (no query): messages by field, or nothing."""
    errors = {
        name: [_("Half-days cannot be negative.")] for name, value in counts.items() if value is None or value < 0
    }
    if errors:
        return errors
    total = sum(counts.values())
    if total == 0:
        return {NON_FIELD_ERRORS: [_("Record at least one half-day.")]}
    if total > session.half_days:
        return {
            NON_FIELD_ERRORS: [
                _("The session sits %(n)s half-days; %(m)s are recorded.") % {"n": session.half_days, "m": total}
            ]
        }
    return {}


def plenary_attendance_set(
    *, session_id: int, member_id: int, present: int, excused: int, absent: int, actor: User, leave_reason: str = ""
) -> PlenaryAttendance:
    """Record or correct one member's half-days present, on leave and absent at a plenary session (an
    import of one row: the same checks, audit row and stale roll-ups)."""
    row = AttendanceRow(member_id=member_id, present=present, excused=excused, absent=absent, leave_reason=leave_reason)
    try:
        outcome = plenary_attendance_import(session_id=session_id, rows=[row], actor=actor)
    except AttendanceRowsRefused as exc:
        errors = exc.rows[0]
        raise DomainError(errors.get(NON_FIELD_ERRORS) or errors) from None
    return outcome.rows[member_id]


@not_an_api_action("reads what is wrong with each row (no write); plenary_attendance_import refuses with it")
def row_errors(session: PlenarySession, rows: Sequence[AttendanceRow], members: dict) -> dict[int, dict]:
    """What is wrong with each row (by index: messages by field), without a query: counts within the
    session, the member one of ``members`` (the session's committee's, by id), no member twice."""
    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[int] = set()
    for index, row in enumerate(rows):
        found = count_errors(session, row.counts)
        if row.member_id not in members:
            found.setdefault("member", []).append(_("The member does not belong to this session's committee."))
        elif row.member_id in seen:
            found.setdefault("member", []).append(_("This member is listed twice."))
        seen.add(row.member_id)
        if found:
            errors[index] = found
    return errors


@transaction.atomic
def plenary_attendance_import(*, session_id: int, rows: Sequence[AttendanceRow], actor: User) -> AttendanceOutcome:
    """Record or correct many members' half-days at one session: every row is checked first, then all are
    written or none (``AttendanceRowsRefused`` names each bad row).

    Set-based for the 1,000-member spreadsheet and the session page: the number of queries does not grow
    with the rows (bulk writes, with their history rows and one audit row per changed member); rows that
    change nothing are skipped, and the roll-ups go stale once.
    """
    session = lock(PlenarySession.objects.select_related("term__committee"), session_id)
    require_staff(actor, session.term.committee_id, STAFF_ONLY)
    ids = {row.member_id for row in rows}
    members = Member.objects.filter(pk__in=ids, committee_id=session.term.committee_id).in_bulk()
    errors = row_errors(session, rows, members)
    if errors:
        raise AttendanceRowsRefused(errors)
    existing = {a.member_id: a for a in PlenaryAttendance.objects.filter(session=session, member_id__in=ids)}
    recorder = actor if actor is not None and actor.is_authenticated else None
    now, outcome = timezone.now(), AttendanceOutcome()
    new: list[PlenaryAttendance] = []
    changed: list[PlenaryAttendance] = []
    events = []
    for row in rows:
        old = existing.get(row.member_id)
        before = {name: getattr(old, name) for name in COUNTS} if old else None
        reason = (row.leave_reason or "").strip()
        if old and before == row.counts and old.leave_reason == reason:
            outcome.unchanged += 1
            outcome.rows[row.member_id] = old
            continue
        target = old or PlenaryAttendance(session=session, member=members[row.member_id])
        target.session, target.member = session, members[row.member_id]  # the audit row's text, without a query
        for name, value in row.counts.items():
            setattr(target, name, value)
        target.leave_reason, target.recorded_by, target.updated_at = reason, recorder, now
        (changed if old else new).append(target)
        outcome.rows[row.member_id] = target
        events.append((target, before, row))
    _bulk_write(session, new, changed, recorder)
    record_events(
        audit_event(
            target,
            actor=recorder,
            verb=PlenaryVerb.CORRECTED if before else PlenaryVerb.RECORDED,
            data={"session": session.pk, "member": row.member_id, "before": before, "after": row.counts},
        )
        for target, before, row in events
    )
    outcome.recorded, outcome.corrected = len(new), len(changed)
    if events:
        publish(PlenaryAttendanceChanged(**_duty_day(session, actor), session_id=session.pk, verb="imported"))
    return outcome


def _bulk_write(session: PlenarySession, new: list, changed: list, recorder: User | None) -> None:
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    try:
        with transaction.atomic():
            if new:
                bulk_create_with_history(new, PlenaryAttendance, batch_size=2000, default_user=recorder)
            if changed:
                bulk_update_with_history(
                    changed, PlenaryAttendance, list(WRITTEN), batch_size=2000, default_user=recorder
                )
    except IntegrityError as exc:  # the database's own checks (groups migration 0007): a write that raced ours
        raise DomainError(_("The attendance changed meanwhile and was not saved; please try again.")) from exc


@transaction.atomic
def plenary_attendance_fill_present(*, session_id: int, actor: User) -> int:
    """Record every member in office not yet recorded as present for all the session's half-days.

    The usual start: staff then correct the few members on leave or absent. One audit row on the
    session for the batch (with the member ids); returns how many rows were added.
    """
    from simple_history.utils import bulk_create_with_history

    session = lock(PlenarySession.objects.select_related("term__committee"), session_id)
    require_staff(actor, session.term.committee_id, STAFF_ONLY)
    missing = list(
        Member.objects.filter(committee_id=session.term.committee_id, status=Member.Status.ACTIVE)
        .exclude(plenary_attendances__session=session)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    recorder = actor if actor is not None and actor.is_authenticated else None
    bulk_create_with_history(
        [
            PlenaryAttendance(session=session, member_id=pk, present=session.half_days, recorded_by=recorder)
            for pk in missing
        ],
        PlenaryAttendance,
        batch_size=2000,
        default_user=recorder,
    )
    if missing:
        record_event(session, actor=actor, verb=PlenaryVerb.ATTENDANCE_FILLED, data={"present": missing})
        publish(PlenaryAttendanceChanged(**_duty_day(session, actor), session_id=session.pk, verb="filled"))
    return len(missing)


def plenary_attendance_remove(*, attendance_id: int, actor: User) -> None:
    """Remove a member's plenary attendance recorded by mistake (the audit trail keeps what it was)."""
    if not plenary_attendance_remove_many(attendance_ids=[attendance_id], actor=actor):
        raise DomainError(_("This attendance record does not exist."))


@transaction.atomic
def plenary_attendance_remove_many(*, attendance_ids: Iterable[int], actor: User) -> int:
    """Remove attendance rows recorded by mistake, of one session or several: sessions locked, staff of
    each checked, one audit row per removed row (with what it was), roll-ups stale once per session.
    Returns how many were removed. (The history rows are written one per row by django-simple-history.)"""
    rows = list(PlenaryAttendance.objects.filter(pk__in=list(attendance_ids)).select_related("member"))
    sessions = {
        pk: lock(PlenarySession.objects.select_related("term__committee"), pk)
        for pk in sorted({row.session_id for row in rows})
    }
    for session in sessions.values():
        require_staff(actor, session.term.committee_id, STAFF_ONLY)
    for row in rows:
        row.session = sessions[row.session_id]
    record_events(
        audit_event(
            row,
            actor=actor,
            verb=PlenaryVerb.REMOVED,
            data={
                "session": row.session_id,
                "member": row.member_id,
                "before": {name: getattr(row, name) for name in COUNTS},
            },
        )
        for row in rows
    )
    PlenaryAttendance.objects.filter(pk__in=[row.pk for row in rows]).delete()
    for session in sessions.values():
        publish(PlenaryAttendanceChanged(**_duty_day(session, actor), session_id=session.pk, verb="removed"))
    return len(rows)


@transaction.atomic
def plenary_session_change(*, session: PlenarySession, actor: User, changed: list[str]) -> PlenarySession:
    """Save a plenary session created or edited by staff. Moving it to another day or term changes the
    duty records of its attendance: the quarters it leaves and enters go stale."""
    before = (
        PlenarySession.objects.select_for_update(of=("self",))
        .filter(pk=session.pk)
        .values("start_date", "term__committee_id")
        .first()
        if session.pk
        else None
    )
    for committee_id in {session.term.committee_id, before and before["term__committee_id"]} - {None}:
        require_staff(actor, committee_id, STAFF_ONLY)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise DomainError(
            {"half_days": _("Attendance beyond the new number of half-days is already recorded.")}
        ) from exc
    record_event(
        session,
        actor=actor,
        verb=GroupsVerb.UPDATED if before else GroupsVerb.CREATED,
        data={"fields": sorted(changed)},
    )
    if before is not None and (before["start_date"], before["term__committee_id"]) != (
        session.start_date,
        session.term.committee_id,
    ):
        publish(
            PlenaryAttendanceChanged(
                **_duty_day(session, actor),
                session_id=session.pk,
                verb="moved",
                more_days=((before["term__committee_id"], before["start_date"]),),
            )
        )
    return session


@transaction.atomic
def plenary_session_delete(*, session_id: int, actor: User) -> None:
    """Delete a plenary session entered by mistake, with its attendance; their quarters go stale."""
    session = lock(PlenarySession.objects.select_related("term__committee"), session_id)
    require_staff(actor, session.term.committee_id, STAFF_ONLY)
    recorded = session.attendances.count()
    record_event(
        session,
        actor=actor,
        verb=CoreVerb.DELETED,
        data={"start_date": session.start_date.isoformat(), "attendance_rows": recorded},
    )
    session.delete()
    if recorded:
        publish(PlenaryAttendanceChanged(**_duty_day(session, actor), session_id=session_id, verb="deleted"))
