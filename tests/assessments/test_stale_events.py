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
