"""Writes on plenary attendance 全会出勤: record, correct or remove one member's half-days at a session.

Each call locks the session row, so two staff correcting the same session are serialised and the
half-day total is checked against the session as it stands; every change leaves an audit row with
the counts before and after, and marks the duty-record roll-ups of the session's quarter (and later
ones) stale, so a correction of a past quarter is recomputed by the nightly roll-up.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.models import AuditEvent
from core.services import record_event
from groups.access import scope_of
from groups.models import Member, PlenaryAttendance, PlenarySession

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
        super().__init__([_("Row %(row)s: %(message)s") % {"row": index + 1, "message": message}
                          for index, fields in sorted(rows.items()) for messages in fields.values()
                          for message in messages])


def _lock_session(session_id: int) -> PlenarySession:
    try:
        return PlenarySession.objects.select_related("term__committee").select_for_update(of=("self",)).get(pk=session_id)
    except PlenarySession.DoesNotExist:
        raise DomainError(_("This plenary session does not exist.")) from None


def _require_staff(actor, committee_id: int) -> None:
    if actor is not None and not scope_of(actor).is_staff_of(committee_id):
        raise DomainError(_("Only the committee's secretariat staff may record plenary attendance."))


def _duty_changed(session: PlenarySession) -> None:
    from assessments.services import rollup_mark_stale  # assessments reads groups, not the other way round

    rollup_mark_stale(committee_id=session.term.committee_id, on=session.start_date)


def count_errors(session: PlenarySession, counts: dict[str, int]) -> dict[str, list[str]]:
    """What is wrong with one member's half-days at ``session`` (no query): messages by field, or nothing."""
    errors = {name: [_("Half-days cannot be negative.")] for name, value in counts.items()
              if value is None or value < 0}
    if errors:
        return errors
    total = sum(counts.values())
    if total == 0:
        return {NON_FIELD_ERRORS: [_("Record at least one half-day.")]}
    if total > session.half_days:
        return {NON_FIELD_ERRORS: [_("The session sits %(n)s half-days; %(m)s are recorded.")
                                   % {"n": session.half_days, "m": total}]}
    return {}


def _check_counts(session: PlenarySession, counts: dict[str, int]) -> None:
    errors = count_errors(session, counts)
    if errors:
        raise DomainError(errors.get(NON_FIELD_ERRORS) or errors)


@transaction.atomic
def plenary_attendance_set(*, session_id: int, member_id: int, present: int, excused: int, absent: int,
                           actor, leave_reason: str = "") -> PlenaryAttendance:
    """Record or correct a member's half-days present, on leave and absent at a plenary session."""
    session = _lock_session(session_id)
    _require_staff(actor, session.term.committee_id)
    if not Member.objects.filter(pk=member_id, committee_id=session.term.committee_id).exists():
        raise DomainError({"member": _("The member does not belong to this session's committee.")})
    counts = {"present": present, "excused": excused, "absent": absent}
    _check_counts(session, counts)
    row = PlenaryAttendance.objects.filter(session=session, member_id=member_id).first()
    before = {name: getattr(row, name) for name in COUNTS} if row else None
    if row and before == counts and row.leave_reason == leave_reason.strip():
        return row  # nothing changed: no audit row, no stale roll-up
    row = row or PlenaryAttendance(session=session, member_id=member_id)
    for name, value in counts.items():
        setattr(row, name, value)
    row.leave_reason = leave_reason.strip()
    row.recorded_by = actor if actor is not None and actor.is_authenticated else None
    row._history_user = row.recorded_by  # the history names who, as the bulk writes do
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # the database's own checks (see migration 0007): a write that raced ours
        raise DomainError(_("The session sits %(n)s half-days; %(m)s are recorded.")
                          % {"n": session.half_days, "m": sum(counts.values())}) from exc
    record_event(row, actor=actor, verb="corrected" if before else "recorded",
                 data={"session": session.pk, "member": member_id, "before": before, "after": counts})
    _duty_changed(session)
    return row


def _row_errors(session: PlenarySession, rows: Sequence[AttendanceRow], members: dict) -> dict[int, dict]:
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
def plenary_attendance_import(*, session_id: int, rows: Sequence[AttendanceRow], actor) -> AttendanceOutcome:
    """Record or correct many members' half-days at one session: every row is checked first, then all are
    written or none (``AttendanceRowsRefused`` names each bad row).

    Set-based for the 1,000-member spreadsheet and the session page: the number of queries does not grow
    with the rows (bulk writes, with their history rows and one audit row per changed member); rows that
    change nothing are skipped, and the roll-ups go stale once.
    """
    session = _lock_session(session_id)
    _require_staff(actor, session.term.committee_id)
    ids = {row.member_id for row in rows}
    members = Member.objects.filter(pk__in=ids, committee_id=session.term.committee_id).in_bulk()
    errors = _row_errors(session, rows, members)
    if errors:
        raise AttendanceRowsRefused(errors)
    existing = {a.member_id: a for a in PlenaryAttendance.objects.filter(session=session, member_id__in=ids)}
    recorder = actor if actor is not None and actor.is_authenticated else None
    now, outcome = timezone.now(), AttendanceOutcome()
    new, changed, events = [], [], []
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
    _audit_rows(events, actor=recorder, session=session)
    outcome.recorded, outcome.corrected = len(new), len(changed)
    if events:
        _duty_changed(session)
    return outcome


def _bulk_write(session: PlenarySession, new: list, changed: list, recorder) -> None:
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    try:
        with transaction.atomic():
            if new:
                bulk_create_with_history(new, PlenaryAttendance, batch_size=2000, default_user=recorder)
            if changed:
                bulk_update_with_history(changed, PlenaryAttendance, list(WRITTEN), batch_size=2000,
                                         default_user=recorder)
    except IntegrityError as exc:  # the database's own checks (migration 0007): a write that raced ours
        raise DomainError(_("The attendance changed meanwhile and was not saved; please try again.")) from exc


def _audit_rows(events: list, *, actor, session: PlenarySession) -> None:
    """One audit row per changed member, as ``plenary_attendance_set`` writes, in one insert."""
    content_type = ContentType.objects.get_for_model(PlenaryAttendance, for_concrete_model=False)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor, content_type=content_type, object_id=str(row.pk), object_repr=str(row)[:200],
                   verb="corrected" if before else "recorded",
                   data={"session": session.pk, "member": item.member_id, "before": before, "after": item.counts})
        for row, before, item in events
    ], batch_size=2000)


@transaction.atomic
def plenary_attendance_fill_present(*, session_id: int, actor) -> int:
    """Record every member in office not yet recorded as present for all the session's half-days.

    The usual start: staff then correct the few members on leave or absent. One audit row on the
    session for the batch (with the member ids); returns how many rows were added.
    """
    from simple_history.utils import bulk_create_with_history

    session = _lock_session(session_id)
    _require_staff(actor, session.term.committee_id)
    missing = list(Member.objects.filter(committee_id=session.term.committee_id, status=Member.Status.ACTIVE)
                   .exclude(plenary_attendances__session=session).order_by("pk").values_list("pk", flat=True))
    recorder = actor if actor is not None and actor.is_authenticated else None
    bulk_create_with_history([PlenaryAttendance(session=session, member_id=pk, present=session.half_days,
                                                recorded_by=recorder) for pk in missing],
                             PlenaryAttendance, batch_size=2000, default_user=recorder)
    if missing:
        record_event(session, actor=actor, verb="attendance_filled", data={"present": missing})
        _duty_changed(session)
    return len(missing)


@transaction.atomic
def plenary_attendance_remove(*, attendance_id: int, actor) -> None:
    """Remove a member's plenary attendance recorded by mistake (the audit trail keeps what it was)."""
    row = PlenaryAttendance.objects.filter(pk=attendance_id).select_related("session").first()
    if row is None:
        raise DomainError(_("This attendance record does not exist."))
    session = _lock_session(row.session_id)
    _require_staff(actor, session.term.committee_id)
    before = {name: getattr(row, name) for name in COUNTS}
    record_event(row, actor=actor, verb="removed", data={"session": session.pk, "member": row.member_id,
                                                         "before": before})
    row.delete()
    _duty_changed(session)


@transaction.atomic
def plenary_session_change(*, session: PlenarySession, actor, changed: list[str], old_start=None) -> PlenarySession:
    """Save a plenary session edited by staff; a new date or sitting count changes duty records."""
    session.full_clean()
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise DomainError({"half_days": _("Attendance beyond the new number of half-days is already recorded.")}) \
            from exc
    record_event(session, actor=actor, verb="updated" if old_start else "created", data={"fields": sorted(changed)})
    if {"start_date", "half_days"} & set(changed):
        from assessments.services import rollup_mark_stale

        for on in {session.start_date, old_start} - {None}:
            rollup_mark_stale(committee_id=session.term.committee_id, on=on)
    return session
