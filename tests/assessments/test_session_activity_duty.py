"""A consultation session held as a group's activity (``ConsultationSession.activity``) counts once on a duty record."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from activities.models import Activity, Attendance
from assessments.kinds import EventKind as K
from assessments.models import MemberSnapshot
from assessments.selectors import duty_record
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from assessments.sources import duty_events
from consultations.models import Attendance as SessionAttendance
from tests import factories as f
from tests.assessments.helpers import D
from tests.consultations.factories import SessionFactory
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def at(month, day, hour=10):
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour)))


def present_at_activity(activity, member, status=Attendance.Status.PRESENT):
    extra = {"signed_in_at": activity.starts_at, "sign_in_method": Attendance.Method.CONVENER}
    if status == Attendance.Status.EXCUSED:
        extra = {"leave": Attendance.Leave.APPROVED, "leave_reason": "出差"}
    elif status != Attendance.Status.PRESENT:
        extra = {}
    Attendance.objects.create(activity=activity, member=member, status=status, **extra)


def present_at_session(session, member):
    SessionAttendance.objects.create(session=session, member=member, status=SessionAttendance.Status.PRESENT)


@pytest.fixture
def sessions(world):
    """April 2026 in the district, scored by 闵行's rules (any meeting or activity 5, a consultation 5, both 活动)."""
    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    me, convener = world.member_record, world.convener_member
    held_as = ActivityFactory(
        group=world.group, kind=Activity.Kind.CONSULTATION, starts_at=at(4, 10), state=Activity.State.HELD
    )
    linked = SessionFactory(committee=world.district, group=world.group, activity=held_as, starts_at=at(4, 10))
    present_at_activity(held_as, me)  # the group's sign-in sheet
    present_at_session(linked, me)  # and the session's attendance list: one meeting
    present_at_session(linked, convener)  # on the session's list only (not on the activity's)
    alone = SessionFactory(committee=world.district, starts_at=at(4, 20))  # a session held as no activity
    present_at_session(alone, me)
    return {"activity": held_as, "linked": linked, "alone": alone}


def _quarter_two(world):
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    return {s.member_id: s for s in MemberSnapshot.objects.filter(year=2026, quarter=2)}


def test_a_session_held_as_an_activity_counts_once_as_that_activity(world, sessions):
    """The member was at two consultation meetings in April: one held as the group's consultation activity (on
    both the activity's sign-in sheet and the session's list), one held as no activity.

    By hand, 闵行's rules: the meeting held as the activity counts once, as the activity (协商 activity attended,
    priced by "any activity" 5, 活动), not also as a consultation (5 more); the other session is a consultation
    attended, 5 (活动). 活动 5 + 5 = 10, total 10 (no base). Two events, two lines; the roll-up's figures: one
    activity attended, one consultation attended. Before the fix the linked meeting gave a third event (15 points).
    """
    me = world.member_record
    events = sorted(
        (str(e.kind), e.source)
        for _m, e in duty_events(world.district, date(2026, 1, 1), date(2026, 12, 31), member_ids=[me.pk])
    )
    assert events == [
        (str(K.ACTIVITY_CONSULTATION), ("groups.activity", sessions["activity"].pk)),
        (str(K.CONSULTATION_PRESENT), ("consultations.consultationsession", sessions["alone"].pk)),
    ]
    record = duty_record(me, 2026)  # the Python scorer
    assert [line.points for line in record.lines] == [D(5), D(5)]
    assert record.breakdown.total == D(10)
    mine = _quarter_two(world)[me.pk]  # the SQL roll-up
    assert mine.points == mine.ytd_total == D(10)
    assert {k: D(v) for k, v in mine.points_by_category.items()} == {"活动": D(10)}
    assert (mine.activities_present, mine.consultations) == (1, 1)


def test_a_member_only_on_the_sessions_list_still_gets_the_consultation(world, sessions):
    """The convener is on the linked session's list but not on its activity's: the one real attendance counts, as
    a consultation attended (闵行: 5, 活动; total 5) — in the record and in the roll-up alike."""
    convener = world.convener_member
    record = duty_record(convener, 2026)
    assert [(str(line.event.kind), line.points) for line in record.lines] == [(str(K.CONSULTATION_PRESENT), D(5))]
    snapshot = _quarter_two(world)[convener.pk]
    assert (snapshot.points, snapshot.ytd_total, snapshot.consultations, snapshot.activities_present) == (
        D(5),
        D(5),
        1,
        0,
    )


def test_the_activitys_record_of_leave_wins_over_the_sessions_presence(world, sessions):
    """On leave at the activity (its sheet says excused) but listed present at the session held as it: the activity's
    record is the member's attendance, so the meeting is one "activity missed with leave" (闵行: no price, 0), never
    a consultation attended besides."""
    member = f.MembershipFactory(
        group=world.group, member__committee=world.district, member__term=world.member_record.term
    ).member
    present_at_activity(sessions["activity"], member, status=Attendance.Status.EXCUSED)
    present_at_session(sessions["linked"], member)
    kinds = [
        str(e.kind)
        for _m, e in duty_events(world.district, date(2026, 4, 1), date(2026, 6, 30), member_ids=[member.pk])
    ]
    assert kinds == [str(K.ACTIVITY_EXCUSED)]


def test_linking_a_held_session_to_an_activity_marks_its_quarter_stale(world, sessions):
    """Linking changes which event the session's attendance gives (here or on the activity): the quarter's roll-up
    goes stale, and unlinking gives the consultation back."""
    from assessments.models import RollupRun
    from consultations.services import session_update

    alone = sessions["alone"]
    held_as = ActivityFactory(
        group=world.group, kind=Activity.Kind.CONSULTATION, starts_at=at(4, 20), state=Activity.State.HELD
    )
    present_at_activity(held_as, world.member_record)
    run = RollupRun.objects.create(committee=world.district, year=2026, quarter=2, status=RollupRun.Status.DONE)
    session_update(session_id=alone.pk, actor=world.district_staff, activity=held_as)
    run.refresh_from_db()
    assert run.is_stale
    kinds = sorted(
        str(e.kind)
        for _m, e in duty_events(
            world.district, date(2026, 4, 1), date(2026, 6, 30), member_ids=[world.member_record.pk]
        )
    )
    assert kinds == [str(K.ACTIVITY_CONSULTATION)] * 2
    session_update(session_id=alone.pk, actor=world.district_staff, activity=None)
    kinds = sorted(
        str(e.kind)
        for _m, e in duty_events(
            world.district, date(2026, 4, 1), date(2026, 6, 30), member_ids=[world.member_record.pk]
        )
    )
    assert kinds == sorted([str(K.ACTIVITY_CONSULTATION)] * 2 + [str(K.CONSULTATION_PRESENT)])


def _kinds(world, member, start, end):
    return sorted(str(e.kind) for _m, e in duty_events(world.district, start, end, member_ids=[member.pk]))


def test_the_activitys_attendance_stales_the_quarter_of_the_session_held_as_it(world):
    """The session is dated 31 March (the first quarter), the activity it was held as 1 April (the second). Recording
    the member present at the activity takes the session's consultation out of the member's first quarter: that
    quarter's roll-up goes stale too, not only the activity's quarter and those after it."""
    from activities.services.activities import attendance_record
    from assessments.models import RollupRun

    me = world.member_record
    held_as = ActivityFactory(
        group=world.group, kind=Activity.Kind.CONSULTATION, starts_at=at(4, 1), state=Activity.State.HELD
    )
    present_at_session(SessionFactory(committee=world.district, activity=held_as, starts_at=at(3, 31)), me)
    Attendance.objects.create(activity=held_as, member=me)  # invited, not recorded yet
    assert _kinds(world, me, date(2026, 1, 1), date(2026, 3, 31)) == [str(K.CONSULTATION_PRESENT)]
    runs = [
        RollupRun.objects.create(committee=world.district, year=2026, quarter=q, status=RollupRun.Status.DONE)
        for q in (1, 2)
    ]
    attendance_record(
        activity_id=held_as.pk, actor=world.convener, version=held_as.version, statuses={me.pk: "present"}, now=at(4, 2)
    )
    assert _kinds(world, me, date(2026, 1, 1), date(2026, 3, 31)) == []
    assert [RollupRun.objects.get(pk=run.pk).is_stale for run in runs] == [True, True]


def test_a_change_to_an_activity_held_as_no_session_stales_only_its_own_quarters(world):
    """Nothing dated elsewhere: the first quarter's roll-up stays current."""
    from activities.services.activities import attendance_record
    from assessments.models import RollupRun

    me = world.member_record
    activity = ActivityFactory(group=world.group, starts_at=at(4, 1), state=Activity.State.HELD)
    SessionFactory(committee=world.district, starts_at=at(3, 31))
    Attendance.objects.create(activity=activity, member=me)
    first = RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.DONE)
    attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=activity.version,
        statuses={me.pk: "present"},
        now=at(4, 2),
    )
    assert not RollupRun.objects.get(pk=first.pk).is_stale


def test_deleting_the_activity_a_session_was_held_as_stales_the_sessions_quarter(world):
    """The session is dated 31 March (the first quarter), the held activity it was held as 1 April (the second); the
    member is on both lists, so the meeting counts once, as the activity, in the second quarter. Deleting the activity
    (entered by mistake) unlinks the session: its consultation comes back in the first quarter, so that quarter's
    roll-up goes stale as well as the activity's quarter.

    By hand, 闵行's rules: before, the first quarter has no event for the member (0 points); after, one consultation
    attended, 5 (活动), total 5. Before the fix only the second quarter on went stale (the deletion's event named no
    activity, so the session's day was never looked up)."""
    from activities.services.activities import activity_delete
    from assessments.models import RollupRun

    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    me = world.member_record
    held_as = ActivityFactory(
        group=world.group, kind=Activity.Kind.CONSULTATION, starts_at=at(4, 1), state=Activity.State.HELD
    )
    session = SessionFactory(committee=world.district, activity=held_as, starts_at=at(3, 31))
    present_at_session(session, me)
    present_at_activity(held_as, me)
    assert _kinds(world, me, date(2026, 1, 1), date(2026, 3, 31)) == []
    first = rollup_start(committee=world.district, year=2026, quarter=1, actor=world.district_staff)
    rollup_execute(run_id=first.pk)
    assert MemberSnapshot.objects.get(year=2026, quarter=1, member=me).points == D(0)
    second = RollupRun.objects.create(committee=world.district, year=2026, quarter=2, status=RollupRun.Status.DONE)
    assert not RollupRun.objects.get(pk=first.pk).is_stale

    activity_delete(activity_id=held_as.pk, actor=world.convener)

    assert _kinds(world, me, date(2026, 1, 1), date(2026, 3, 31)) == [str(K.CONSULTATION_PRESENT)]
    assert [RollupRun.objects.get(pk=run.pk).is_stale for run in (first, second)] == [True, True]
    again = rollup_start(committee=world.district, year=2026, quarter=1, actor=world.district_staff)
    rollup_execute(run_id=again.pk)
    mine = MemberSnapshot.objects.get(year=2026, quarter=1, member=me)
    assert (mine.points, mine.consultations) == (D(5), 1)
    assert {k: D(v) for k, v in mine.points_by_category.items()} == {"活动": D(5)}


def test_cancelling_changes_no_figures_of_a_session_held_as_the_activity(world):
    """Only a planned or announced activity can be cancelled, and such an activity's attendance never counted (held or
    filed only): the session's consultation was already the member's, before and after."""
    from activities.services.activities import activity_cancel

    me = world.member_record
    planned = ActivityFactory(
        group=world.group, kind=Activity.Kind.CONSULTATION, starts_at=at(4, 1), state=Activity.State.PLANNED
    )
    present_at_session(SessionFactory(committee=world.district, activity=planned, starts_at=at(3, 31)), me)
    Attendance.objects.create(activity=planned, member=me)
    assert _kinds(world, me, date(2026, 1, 1), date(2026, 3, 31)) == [str(K.CONSULTATION_PRESENT)]
    activity_cancel(activity_id=planned.pk, actor=world.convener)
    assert _kinds(world, me, date(2026, 1, 1), date(2026, 3, 31)) == [str(K.CONSULTATION_PRESENT)]
