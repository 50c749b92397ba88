"""Two transactions writing one kept count at once leave it equal to its rows (PostgreSQL, READ COMMITTED).

Every count the database keeps by triggers ("Counts kept as data", docs/DEVELOPING.md) has a case here: two real
connections (threads, each with its own), the first writes and holds its transaction open, the second starts the
write that meets the first's (it waits for a row lock, or finishes when nothing holds it), then the first commits and
the second finishes. Afterwards the count equals its rows (the same ``differences()`` its ``--check`` command runs).

The cases are enumerated against two registries, so a new kept count without a case fails
``test_every_kept_count_has_a_concurrency_case``: the ``KeptCountCommand`` rebuild commands (one per count kept as
data), and the trigger functions of the PostgreSQL schema (a trigger kept count without a rebuild command, such as
``Proposal.confirmed_cosigners``, or a cross-table check). A trigger that needs no case says why in ``EXEMPT``.

SQLite runs one writer at a time (a write transaction holds the database's lock to its commit), so no two triggers
interleave there: the same cases run there in turns (the second waits for the first's commit) and hold the triggers'
SQLite dialect to the same outcome; the race is PostgreSQL's (the suite's run with ``DATABASE_URL``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.core.management import get_commands, load_command_class
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q

from activities import kept_columns as activity_columns
from activities import tally as filed
from activities.models import Activity, Attendance, Evidence
from assessments import tally as attendance
from core.management.kept_counts import KeptCountCommand
from groups import tally as members
from groups.models import Member, PlenarySession
from plenary.models import PlenaryAttendance
from proposals import deadlines_tally as deadlines
from proposals import kept_columns as assignment_states
from proposals import tally as figures
from proposals.models import Adoption, Assignment, CoSigner, Instruction, OpinionReport, Proposal
from tests import factories as f
from tests.groups.factories import ActivityFactory, PlenarySessionFactory
from tests.proposals.factories import OpinionReportFactory, ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 20  # seconds: a write that waits longer than this is stuck, not racing
AT = datetime(2026, 5, 12, 2, tzinfo=UTC)  # 10:00 in Shanghai, the second quarter of 2026
DUE = date(2026, 9, 30)

Writes = tuple[Callable[[], object], Callable[[], object]]


@dataclass(frozen=True)
class Case:
    """Two writes of one kept count; ``arrange`` makes the rows and returns them, ``wrong`` what differs after."""

    kept: frozenset[str]  # the rebuild commands of the counts it writes
    functions: frozenset[str]  # the PostgreSQL trigger functions it runs
    arrange: Callable[[], Writes]
    wrong: Callable[[], object]
    refusal: bool = False  # a check: the second write may be refused (and must be, if it would break it)


def _filed_two_out() -> Writes:
    group = f.ActivityGroupFactory()
    a, b = (ActivityFactory(group=group, state=Activity.State.FILED, starts_at=AT) for _ in range(2))
    return (
        lambda: Activity.objects.filter(pk=a.pk).update(state=Activity.State.HELD),
        lambda: Activity.objects.filter(pk=b.pk).update(state=Activity.State.HELD),
    )


def _members_two_out() -> Writes:
    committee = f.CommitteeFactory()
    a, b = f.MemberFactory(committee=committee, is_standing=True), f.MemberFactory(committee=committee)
    return (
        lambda: Member.objects.filter(pk=a.pk).update(status=Member.Status.LEFT),
        lambda: Member.objects.filter(pk=b.pk).update(status=Member.Status.LEFT),
    )


def _assignment(proposal, unit=None) -> Assignment:
    unit = unit or f.HandlingUnitFactory(committee=proposal.committee)
    return Assignment.objects.create(
        proposal=proposal, unit=unit, role="co", due_date=DUE, assigned_on=DUE, reassign_until=DUE
    )


def _handling(committee=None, **kw) -> Proposal:
    committee = committee or f.CommitteeFactory()
    return ProposalFactory(committee=committee, state=Proposal.State.HANDLING, **kw)


def _deadlines_two_out() -> Writes:
    p = _handling()
    a, b = _assignment(p), _assignment(_handling(p.committee))
    return (
        lambda: Assignment.objects.filter(pk=a.pk).update(is_active=False),
        lambda: Assignment.objects.filter(pk=b.pk).update(is_active=False),
    )


def _proposal_leaves_while_assigned() -> Writes:
    """The proposal leaves handling while a new assignment of it is written: neither's trigger sees the other's row
    unless the second waits for the first."""
    p = _handling()
    _assignment(p)
    unit = f.HandlingUnitFactory(committee=p.committee)
    return (
        lambda: Proposal.objects.filter(pk=p.pk).update(state=Proposal.State.REPLIED),
        lambda: _assignment(p, unit),
    )


def _deadline_moves_committee() -> Writes:
    """The proposal moves committee while one of its assignments closes."""
    p = _handling()
    a, _b = _assignment(p), _assignment(p)
    other = f.CommitteeFactory()
    return (
        lambda: Assignment.objects.filter(pk=a.pk).update(is_active=False),
        lambda: Proposal.objects.filter(pk=p.pk).update(committee=other),
    )


def _submitted(committee, category="urban") -> Proposal:
    return ProposalFactory(committee=committee, state=Proposal.State.SUBMITTED, category=category, submitted_at=AT)


def _figures_two_moved() -> Writes:
    committee = f.CommitteeFactory()
    a, b = _submitted(committee), _submitted(committee)
    return (
        lambda: Proposal.objects.filter(pk=a.pk).update(category="economy"),
        lambda: Proposal.objects.filter(pk=b.pk).update(category="economy"),
    )


def _figures_emptied_while_filled() -> Writes:
    """The last proposal of a cell leaves it (deleting it) while another enters it (an upsert meeting the delete)."""
    committee = f.CommitteeFactory()
    a, b = _submitted(committee), _submitted(committee, "culture")
    return (
        lambda: Proposal.objects.filter(pk=a.pk).update(category="economy"),
        lambda: Proposal.objects.filter(pk=b.pk).update(category="urban"),
    )


def _attendance_two_out() -> Writes:
    group = f.ActivityGroupFactory()
    member = f.MemberFactory(committee=group.committee)
    rows = [
        Attendance.objects.create(
            activity=ActivityFactory(group=group, state=Activity.State.HELD, starts_at=AT),
            member=member,
            status=Attendance.Status.PRESENT,
            signed_in_at=AT,
        )
        for _ in range(2)
    ]
    return (
        lambda: Attendance.objects.filter(pk=rows[0].pk).delete(),
        lambda: Attendance.objects.filter(pk=rows[1].pk).delete(),
    )


def _activity_moved_while_attended() -> Writes:
    """The activity changes type while a member's attendance at it is recorded: its events move, and the new row's
    are counted under the type the activity has when the row's statement ends."""
    activity = ActivityFactory(state=Activity.State.HELD, starts_at=AT)
    member = f.MemberFactory(committee=activity.committee)
    return (
        lambda: Activity.objects.filter(pk=activity.pk).update(kind=Activity.Kind.INSPECTION),
        lambda: Attendance.objects.create(
            activity=activity, member=member, status=Attendance.Status.PRESENT, signed_in_at=AT
        ),
    )


def _accepted_report() -> OpinionReport:
    return OpinionReportFactory(state=OpinionReport.State.ACCEPTED)


def _report_first_adoptions_at_once() -> Writes:
    """Two levels adopt a report that had no adoption, at once: each statement alone would see only its own row and
    count the report as adopted."""
    report = _accepted_report()
    return (
        lambda: Adoption.objects.create(report=report, level="city", date=DUE),
        lambda: Adoption.objects.create(report=report, level="district", date=DUE),
    )


def _report_moves_while_instructed() -> Writes:
    """The report moves to another year while its first instruction is written: the flag goes with the report."""
    report = _accepted_report()
    return (
        lambda: OpinionReport.objects.filter(pk=report.pk).update(year=report.year - 1),
        lambda: Instruction.objects.create(report=report, leader="张三", level="city", date=DUE, text="请研究"),
    )


def _report_last_adoption_removed_while_added() -> Writes:
    report = _accepted_report()
    old = Adoption.objects.create(report=report, level="city", date=DUE)
    return (
        lambda: Adoption.objects.filter(pk=old.pk).delete(),
        lambda: Adoption.objects.create(report=report, level="district", date=DUE),
    )


def _invited_two_at_once() -> Writes:
    activity = ActivityFactory()
    a, b = (f.MemberFactory(committee=activity.committee) for _ in range(2))
    return (
        lambda: Attendance.objects.create(activity=activity, member=a),
        lambda: Attendance.objects.create(activity=activity, member=b),
    )


def _evidence(activity) -> Evidence:
    return Evidence.objects.create(
        activity=activity, kind=Evidence.Kind.PHOTO, file="x.jpg", size=1, content_type="image/jpeg"
    )


def _evidence_removed_while_added() -> Writes:
    activity = ActivityFactory()
    old = _evidence(activity)
    return (lambda: Evidence.objects.filter(pk=old.pk).delete(), lambda: _evidence(activity))


def _cosigners_two_confirm() -> Writes:
    p = ProposalFactory()
    a, b = (
        CoSigner.objects.create(proposal=p, member=f.MemberFactory(committee=p.committee), deadline=DUE)
        for _ in range(2)
    )
    return (
        lambda: CoSigner.objects.filter(pk=a.pk).update(status=CoSigner.Status.CONFIRMED),
        lambda: CoSigner.objects.filter(pk=b.pk).update(status=CoSigner.Status.CONFIRMED),
    )


def _cosigners_wrong() -> dict[int, tuple[int, int]]:
    confirmed = Count("cosigners", filter=Q(cosigners__status=CoSigner.Status.CONFIRMED))
    rows = Proposal.objects.annotate(n=confirmed).exclude(confirmed_cosigners=F("n"))
    return {pk: (kept, n) for pk, kept, n in rows.values_list("pk", "confirmed_cosigners", "n")}


def _plenary_shrinks_while_attended() -> Writes:
    session = PlenarySessionFactory()
    member = f.MemberFactory(committee=session.term.committee)
    return (
        lambda: PlenarySession.objects.filter(pk=session.pk).update(half_days=2),
        lambda: PlenaryAttendance.objects.create(session=session, member=member, present=3),
    )


def _plenary_wrong() -> list[int]:
    over = F("present") + F("excused") + F("absent")
    return list(PlenaryAttendance.objects.filter(session__half_days__lt=over).values_list("pk", flat=True))


def _both(*checks):
    return lambda: [c() for c in checks if c()]


CASES = {
    "filed: two activities of a cell unfiled at once": Case(
        frozenset({"filed_rebuild"}), frozenset({"activities_filed_tally"}), _filed_two_out, filed.differences
    ),
    "members: two members of a committee leave office at once": Case(
        frozenset({"members_rebuild"}), frozenset({"groups_member_tally"}), _members_two_out, members.differences
    ),
    "deadlines: two assignments of a committee-year closed at once": Case(
        frozenset({"deadlines_rebuild"}),
        frozenset({"proposals_deadline_tally"}),
        _deadlines_two_out,
        deadlines.differences,
    ),
    "deadlines and states: a proposal leaves handling while assigned": Case(
        frozenset({"deadlines_rebuild", "assignment_states_rebuild"}),
        frozenset(
            {
                "proposals_deadline_tally",
                "proposals_deadline_tally_proposal",
                "proposals_assignment_state_follow",
                "proposals_assignment_true_state",
            }
        ),
        _proposal_leaves_while_assigned,
        _both(deadlines.differences, assignment_states.differences),
    ),
    "deadlines: a proposal moves committee while an assignment closes": Case(
        frozenset({"deadlines_rebuild"}),
        frozenset({"proposals_deadline_tally", "proposals_deadline_tally_proposal"}),
        _deadline_moves_committee,
        deadlines.differences,
    ),
    "figures: two proposals move out of a cell and into another at once": Case(
        frozenset({"figures_rebuild"}), frozenset({"proposals_figure_tally"}), _figures_two_moved, figures.differences
    ),
    "figures: a cell emptied while a proposal enters it": Case(
        frozenset({"figures_rebuild"}),
        frozenset({"proposals_figure_tally"}),
        _figures_emptied_while_filled,
        figures.differences,
    ),
    "reports: two first adoptions of a report at once": Case(
        frozenset({"figures_rebuild"}),
        frozenset({"proposals_report_tally_adoption"}),
        _report_first_adoptions_at_once,
        figures.report_differences,
    ),
    "reports: a report moves year while its first instruction is written": Case(
        frozenset({"figures_rebuild"}),
        frozenset({"proposals_report_tally", "proposals_report_tally_instruction"}),
        _report_moves_while_instructed,
        figures.report_differences,
    ),
    "reports: the only adoption removed while another is added": Case(
        frozenset({"figures_rebuild"}),
        frozenset({"proposals_report_tally_adoption"}),
        _report_last_adoption_removed_while_added,
        figures.report_differences,
    ),
    "attendance: two events of a cell taken out at once": Case(
        frozenset({"attendance_tally_rebuild", "activity_counts_rebuild"}),
        frozenset({"assessments_attendance_tally", "activities_attendance_recount"}),
        _attendance_two_out,
        _both(attendance.differences, activity_columns.differences),
    ),
    "attendance: an activity changes type while attendance is recorded": Case(
        frozenset({"attendance_tally_rebuild"}),
        frozenset({"assessments_activity_tally", "assessments_attendance_tally"}),
        _activity_moved_while_attended,
        attendance.differences,
    ),
    "activity counts: two invitations to an activity at once": Case(
        frozenset({"activity_counts_rebuild", "attendance_tally_rebuild"}),
        frozenset({"activities_attendance_recount", "assessments_attendance_tally"}),
        _invited_two_at_once,
        _both(activity_columns.differences, attendance.differences),
    ),
    "has evidence: the only evidence removed while another is added": Case(
        frozenset({"activity_counts_rebuild"}),
        frozenset({"activities_evidence_mark", "activities_evidence_recount"}),
        _evidence_removed_while_added,
        activity_columns.differences,
    ),
    "co-signers: two co-signers confirm at once": Case(
        frozenset(),
        frozenset({"proposals_cosigner_recount"}),
        _cosigners_two_confirm,
        _cosigners_wrong,
    ),
    "plenary: a session shrinks while attendance is recorded": Case(
        frozenset(),
        frozenset({"groups_plenary_attendance_within_session", "groups_plenary_session_half_days_cover"}),
        _plenary_shrinks_while_attended,
        _plenary_wrong,
        refusal=True,
    ),
}

# Kept counts and trigger functions with no case here, and why.
EXEMPT = {
    "coverage_rebuild": "kept by the services, not by triggers: activities.coverage.refresh locks the members "
    "(select_for_update) and recounts their cells in a later statement, whose snapshot sees every writer it waited for",
    # BEFORE triggers on the row they correct: they run once the row's lock is held, and a plpgsql function's
    # statement reads with a snapshot taken then (READ COMMITTED), after every writer it waited for committed
    "activities_activity_true_counts": "runs under the activity's row lock, reads with a snapshot taken after it",
    "activities_activity_true_has_evidence": "runs under the activity's row lock, reads with a snapshot taken after it",
    "proposals_proposal_true_cosigner_count": "runs under the proposal's row lock, reads with a snapshot taken after it",
    # foreign keys checked per statement instead of per row (assessments 0011, 0014): no count; they lock the keys
    # they check FOR KEY SHARE, as the foreign key's own check does
    "membersnapshot_of_its_run": "a foreign key's check: locks the runs FOR KEY SHARE (assessments 0011)",
    "rolluprun_member_snapshots_key_kept": "a foreign key's check on the run's side (assessments 0011)",
    "rolluprun_member_snapshots_deleted": "a foreign key's cascade: deletes the run's snapshots (assessments 0011)",
    "membersnapshot_member_key": "a foreign key's check: locks the members FOR KEY SHARE (assessments 0014)",
    "membersnapshot_member_key_kept": "a foreign key's check on the member's side, deferred (assessments 0014)",
}


def _kept_commands() -> set[str]:
    """The rebuild commands of every count kept as data (``KeptCountCommand`` subclasses)."""
    names = set()
    for name, app in get_commands().items():
        if not isinstance(app, str) or app.startswith("django."):
            continue
        try:
            command = load_command_class(app, name)
        except Exception:  # noqa: BLE001, S112 - a library's command that does not load here is not ours
            continue
        if isinstance(command, KeptCountCommand):
            names.add(name)
    return names


def _trigger_functions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
        return {name for (name,) in cursor.fetchall()}


def test_every_kept_count_has_a_concurrency_case():
    covered = set().union(*(c.kept | c.functions for c in CASES.values()))
    kept = _kept_commands()
    assert kept >= {"filed_rebuild", "members_rebuild", "figures_rebuild"}  # the registry is read
    assert kept - covered - EXEMPT.keys() == set()
    if connection.vendor == "postgresql":  # SQLite's triggers carry their statements, no functions
        functions = _trigger_functions()
        assert functions - covered - EXEMPT.keys() == set()
        assert (covered | EXEMPT.keys()) - kept - functions == set()  # nothing named that is gone


def _blocked_or_done(thread: threading.Thread) -> bool:
    """Wait until the second write waits for a lock (or is done without waiting); True when it waited. SQLite: the
    second waits for the database's write lock, held by the first to its commit."""
    if connection.vendor != "postgresql":
        thread.join(0.3)
        return thread.is_alive()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and thread.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


def interleave(first: Callable[[], object], second: Callable[[], object]) -> list[Exception]:
    """``first`` writes in a transaction held open until ``second`` (another connection) waits for it or is done;
    then the first commits and the second finishes. Returns what either raised."""
    written, release = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def hold():
        try:
            with transaction.atomic():
                first()
                written.set()
                release.wait(WAIT)
        except Exception as exc:  # noqa: BLE001 - asserted by the caller
            errors.append(exc)
        finally:
            written.set()
            connection.close()

    def follow():
        try:
            with transaction.atomic():
                second()
        except Exception as exc:  # noqa: BLE001 - asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    one, two = threading.Thread(target=hold), threading.Thread(target=follow)
    one.start()
    written.wait(WAIT)
    two.start()
    _blocked_or_done(two)
    release.set()
    one.join(WAIT)
    two.join(WAIT)
    assert not one.is_alive() and not two.is_alive(), "a write is stuck"
    return errors


@pytest.mark.parametrize("name", list(CASES))
def test_two_writers_at_once_leave_the_kept_count_equal_to_its_rows(name):
    case = CASES[name]
    first, second = case.arrange()
    assert not case.wrong()  # equal before
    errors = interleave(first, second)
    if case.refusal:
        assert all(isinstance(e, IntegrityError) for e in errors), errors
    else:
        assert errors == []
    assert not case.wrong(), case.wrong()
