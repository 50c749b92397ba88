"""Roll-ups go stale through domain events: every event that changes a duty fact reaches the assessments
subscriber, inline, and every service path that changes one publishes such an event (the paths not already
covered by test_sources, test_rollup, test_excellent_bulk and the plenary tests)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from activities.services import activities as activity_services
from assessments import subscribers
from assessments.models import RollupRun
from assessments.rollup import quarter_of
from core import events
from groups.events import DutyRecordChanged
from proposals.models import OpinionReport, Proposal
from proposals.services import proposal_file, proposal_mark_key, report_decline, report_record_instruction
from tests.groups.factories import ActivityFactory, AttendanceFactory
from tests.proposals.factories import OpinionReportFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_every_duty_event_reaches_the_stale_marker_inline():
    duty_events = [t for t in events.EVENT_TYPES.values() if issubclass(t, DutyRecordChanged)]
    assert {t.__module__.split(".")[0] for t in duty_events} >= {"groups", "proposals", "consultations"}
    marker = events.SUBSCRIBERS[f"{subscribers.duty_record_changed.__module__}.duty_record_changed"]
    assert marker.inline and all(issubclass(t, marker.event_type) for t in duty_events)


@pytest.fixture
def current_run(world):
    today = timezone.localdate()
    return RollupRun.objects.create(
        committee=world.district, year=today.year, quarter=quarter_of(today), status=RollupRun.Status.DONE
    )


def _stale(run) -> bool:
    return RollupRun.objects.get(pk=run.pk).is_stale


def test_filing_or_marking_a_proposal_key_stales_the_quarter(world, current_run):
    proposal = ProposalFactory(
        committee=world.district,
        lead_proposer=world.member_record,
        state=Proposal.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    proposal_file(proposal_id=proposal.pk, actor=world.district_staff)
    assert _stale(current_run)
    RollupRun.objects.update(is_stale=False)
    proposal_mark_key(
        proposal_id=proposal.pk, actor=world.district_staff, is_key=True, leader_id=world.member_record.pk
    )
    assert _stale(current_run)


def test_unmarking_a_key_proposal_or_marking_it_anew_stales_the_quarter_its_bonus_was_dated_in(world):
    """The key bonus is dated on the latest marking: marked in February, the bonus is in the first quarter; marked
    anew in August it moves to the third, and unmarked in November it goes. Each change stales the quarter the bonus
    left (with the later ones), not only the quarter of the change."""
    from datetime import date, datetime

    import time_machine

    from assessments.sources import duty_events
    from groups.models import Committee

    tz = timezone.get_current_timezone()
    proposal = ProposalFactory(
        committee=world.district,
        lead_proposer=world.member_record,
        state=Proposal.State.FILED,
        submitted_at=datetime(2026, 1, 5, 9, tzinfo=tz),
        filed_at=datetime(2026, 1, 10, 9, tzinfo=tz),
    )
    runs = {
        q: RollupRun.objects.create(committee=world.district, year=2026, quarter=q, status=RollupRun.Status.DONE)
        for q in (1, 2, 3, 4)
    }

    def mark(month, is_key):
        RollupRun.objects.update(is_stale=False)
        with time_machine.travel(datetime(2026, month, 10, 9, tzinfo=tz), tick=False):
            proposal_mark_key(
                proposal_id=proposal.pk, actor=world.district_staff, is_key=is_key, leader_id=world.member_record.pk
            )
        key_days = [
            e.on
            for _m, e in duty_events(Committee.objects.get(pk=world.district.pk), date(2026, 1, 1), date(2026, 12, 31))
            if "key" in str(e.kind)
        ]
        return key_days, [q for q, run in runs.items() if _stale(run)]

    assert mark(2, True) == ([date(2026, 2, 10)], [1, 2, 3, 4])
    assert mark(8, True) == ([date(2026, 8, 10)], [1, 2, 3, 4])  # the bonus left February
    assert mark(11, False) == ([], [3, 4])  # it left August


def test_declining_a_report_or_recording_an_instruction_stales_the_quarter(world, current_run):
    submitted = OpinionReportFactory(
        committee=world.district, author=world.member_record, state=OpinionReport.State.SUBMITTED
    )
    report_decline(report_id=submitted.pk, actor=world.district_staff, reason="重复")
    assert _stale(current_run)
    RollupRun.objects.update(is_stale=False)
    accepted = OpinionReportFactory(
        committee=world.district, author=world.member_record, state=OpinionReport.State.ACCEPTED
    )
    report_record_instruction(
        report_id=accepted.pk,
        actor=world.district_staff,
        leader="李市长",
        level="city",
        date=timezone.localdate(),
        text="请有关部门研究办理。",
    )
    assert _stale(current_run)


def test_a_leave_decision_or_recorded_attendance_stales_the_activitys_quarter(world, current_run):
    activity = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=5))
    row = AttendanceFactory(activity=activity, member=world.member_record, leave="requested", leave_reason="出差")
    activity_services.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)
    assert _stale(current_run)
    RollupRun.objects.update(is_stale=False)
    activity.refresh_from_db()
    activity_services.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=activity.version,
        statuses={world.member_record.pk: "present"},
    )
    assert _stale(current_run)


def test_a_refused_stale_mark_would_undo_the_transition(world, current_run, monkeypatch):
    """Inline means one transaction: if the mark cannot be written, the filing is not either."""
    proposal = ProposalFactory(
        committee=world.district,
        lead_proposer=world.member_record,
        state=Proposal.State.SUBMITTED,
        submitted_at=timezone.now(),
    )

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(subscribers, "rollup_mark_stale", broken)
    with pytest.raises(RuntimeError):
        proposal_file(proposal_id=proposal.pk, actor=world.district_staff)
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.SUBMITTED
