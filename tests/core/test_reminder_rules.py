"""The domain reminder rules and calendar providers: recipients, texts, exactly once, bounded queries."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance
from assessments.models import RollupRun
from consultations.models import Attendance as SessionAttendance
from groups.models import GroupMembership
from notifications import rules, services
from notifications.models import Kind, Notification, NotificationSettings
from proposals.models import Assignment, CoSigner, Proposal
from tests import factories as f
from tests.consultations.factories import SessionFactory, handed_outcome
from tests.groups.factories import ActivityFactory, AttendanceFactory, held_activity
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOW = timezone.now()


def at(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def run(name, **kw):
    return rules.run_rule(name, today=kw.pop("today", TODAY), **kw)


def inbox(kind):
    return {(n.recipient.username, n.title) for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def recipients_of(kind):
    return sorted(n.recipient.username for n in Notification.objects.filter(kind=kind).select_related("recipient"))


def rule_queries(name, today=TODAY, lead_days=None):
    """Queries of one scan of the rule itself (``notify()`` costs a fixed amount per reminder on top)."""
    rule = rules.REGISTRY[name]
    with CaptureQueriesContext(connection) as ctx:
        out = list(rule.func(today=today, lead_days=rule.lead_days if lead_days is None else lead_days))
    return len(ctx.captured_queries), out


def test_every_rule_is_registered_and_gets_a_beat_entry():
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    expected = {
        "activity_tomorrow",
        "leave_request_waiting",
        "no_sanjin_activity",
        "cosign_expiring",
        "reply_due_soon",
        "reply_overdue",
        "rating_waiting",
        "reassignment_waiting",
        "outcome_reply_overdue",
        "rollup_finished",
        "evidence_missing",
    }
    assert expected <= set(rules.REGISTRY)
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {f"notifications: rule {r}" for r in expected} <= names
    task = PeriodicTask.objects.get(name="notifications: rule reply_due_soon")
    assert task.task == "core.notifications.run_rule" and '"lead_days": 7' in task.kwargs


# --- activities -------------------------------------------------------------------------------------


def _tomorrow_activity(world, **kw):
    activity = ActivityFactory(
        group=world.group,
        title="东湖社区集中走访",
        starts_at=at(TODAY + timedelta(days=1)),
        place="东湖街道社区服务中心",
        state=Activity.State.ANNOUNCED,
        **kw,
    )
    Attendance.objects.create(activity=activity, member=world.member_record)
    return activity


def test_activity_tomorrow_tells_the_invited_members_once(world):
    activity = _tomorrow_activity(world)
    excused = f.MemberFactory(committee=world.district, user=f.UserFactory(username="excused"))
    Attendance.objects.create(activity=activity, member=excused, leave=Attendance.Leave.APPROVED)
    ActivityFactory(group=world.group, starts_at=at(TODAY + timedelta(days=2)))  # not tomorrow
    cancelled = ActivityFactory(
        group=world.group, starts_at=at(TODAY + timedelta(days=1)), state=Activity.State.CANCELLED
    )
    Attendance.objects.create(activity=cancelled, member=world.convener_member)

    assert run("activity_tomorrow")["created"] == 1
    assert run("activity_tomorrow")["created"] == 0  # rerun, overlapping tick: nothing new
    n = Notification.objects.get()
    assert n.recipient == world.member and n.kind == Kind.ACTIVITY_TOMORROW
    assert n.title == "明天的活动：东湖社区集中走访"
    assert "09:00" in n.body and "东湖街道社区服务中心" in n.body and "请假" in n.body
    assert n.url == reverse("activities:activity_detail", args=[activity.pk])
    assert n.due == TODAY + timedelta(days=1)


def test_activity_lead_days_come_from_the_beat_entry(world):
    activity = ActivityFactory(group=world.group, title="界别协商座谈", starts_at=at(TODAY + timedelta(days=3)))
    Attendance.objects.create(activity=activity, member=world.member_record)
    assert run("activity_tomorrow")["due"] == 0
    assert run("activity_tomorrow", lead_days=3)["created"] == 1
    assert "界别协商座谈" in Notification.objects.get().title


def test_activity_tomorrow_scans_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            a = ActivityFactory(group=world.group, starts_at=at(TODAY + timedelta(days=1)))
            for _ in range(3):
                AttendanceFactory(activity=a, member__user=f.UserFactory())

    add(1)
    small, out_small = rule_queries("activity_tomorrow")
    add(5)
    large, out_large = rule_queries("activity_tomorrow")
    assert (len(out_small), len(out_large)) == (3, 18)
    assert small == large
    with django_assert_max_num_queries(2):
        list(rules.REGISTRY["activity_tomorrow"].func(today=TODAY, lead_days=1))


def test_leave_requests_waiting_go_to_the_groups_conveners(world):
    activity = _tomorrow_activity(world)
    Attendance.objects.filter(activity=activity).update(
        leave=Attendance.Leave.REQUESTED, leave_reason="出差", leave_requested_at=NOW
    )
    deputy = f.MembershipFactory(
        group=world.group, role=GroupMembership.Role.DEPUTY, member__user=f.UserFactory(username="deputy")
    )
    f.MembershipFactory(
        group=world.group,
        role=GroupMembership.Role.CONVENER,
        left_on=TODAY,
        joined_on=TODAY - timedelta(days=9),
        member__user=f.UserFactory(username="former"),
    )
    assert deputy
    run("leave_request_waiting")
    run("leave_request_waiting")
    assert recipients_of(Kind.LEAVE_REQUEST_WAITING) == ["convener", "deputy"]
    n = Notification.objects.filter(recipient=world.convener).get()
    assert n.title == f"{world.member_record.name}申请请假：东湖社区集中走访"
    assert "出差" in n.body and n.url == reverse("activities:activity_detail", args=[activity.pk])


def test_leave_request_rule_queries_do_not_grow(world):
    def add(n):
        for _ in range(n):
            a = ActivityFactory(
                group=f.MembershipFactory(role=GroupMembership.Role.CONVENER, member__user=f.UserFactory()).group,
                starts_at=at(TODAY + timedelta(days=2)),
            )
            AttendanceFactory(activity=a, leave=Attendance.Leave.REQUESTED, leave_requested_at=NOW)

    add(1)
    small, out_small = rule_queries("leave_request_waiting")
    add(4)
    large, out_large = rule_queries("leave_request_waiting")
    assert (len(out_small), len(out_large), small) == (1, 5, large)


def test_conveners_hear_monthly_how_many_members_lack_a_three_enters_activity(world):
    quarter_start = TODAY.replace(month=(TODAY.month - 1) // 3 * 3 + 1, day=1)
    held_activity(
        world,
        kind=Activity.Kind.THREE_ENTERS,
        target=Activity.Target.COMMUNITY,
        starts_at=at(quarter_start, 10),
        members=[world.member_record],
    )
    run("no_sanjin_activity")
    run("no_sanjin_activity", today=TODAY)  # the same month again: nothing new
    assert recipients_of(Kind.NO_SANJIN_ACTIVITY) == ["convener", "oconvener"]
    n = Notification.objects.get(recipient=world.convener)
    assert n.title == "东湖街道活动组：本季度还有1名委员未参加“三进”活动"  # the convener; the member is covered
    quarter = (TODAY.month - 1) // 3 + 1
    assert (
        n.url == reverse("activities:group_activities", args=[world.group.pk]) + f"?year={TODAY.year}&quarter={quarter}"
    )
    assert n.target == world.group and n.due == TODAY.replace(day=1)
    assert f"第{'一二三四'[quarter - 1]}季度" in n.body


def test_no_sanjin_rule_queries_do_not_grow(world):
    def add(n):
        for _ in range(n):
            g = f.MembershipFactory(role=GroupMembership.Role.CONVENER, member__user=f.UserFactory()).group
            f.MembershipFactory(group=g)

    small, out_small = rule_queries("no_sanjin_activity")
    add(4)
    large, out_large = rule_queries("no_sanjin_activity")
    assert (len(out_small), len(out_large), small) == (2, 6, large)


# --- proposals --------------------------------------------------------------------------------------


def _proposal(world, **kw):
    kw.setdefault("title", "关于加快老旧小区加装电梯的建议")
    return ProposalFactory(
        committee=world.district, lead_proposer=world.member_record, serial_number=kw.pop("n", 12), **kw
    )


def test_a_cosign_invitation_about_to_expire_reminds_the_invited_member(world):
    p = _proposal(world, state=Proposal.State.DRAFT)
    CoSigner.objects.create(proposal=p, member=world.convener_member, deadline=TODAY + timedelta(days=2))
    late = f.MemberFactory(committee=world.district, user=f.UserFactory(username="late"))
    CoSigner.objects.create(proposal=p, member=late, deadline=TODAY + timedelta(days=5))
    done = f.MemberFactory(committee=world.district, user=f.UserFactory(username="done"))
    CoSigner.objects.create(proposal=p, member=done, deadline=TODAY, status=CoSigner.Status.CONFIRMED)
    run("cosign_expiring")
    run("cosign_expiring")
    n = Notification.objects.get()
    assert n.recipient == world.convener and n.kind == Kind.COSIGN_EXPIRING
    assert n.title.startswith("提案2026年第12号《关于加快老旧小区加装电梯的建议》的附议邀请将于")
    assert world.member_record.name in n.body and n.url == reverse("proposals:detail", args=[p.pk])


def test_reply_deadline_in_seven_days_tells_the_lead_units_users(world):
    p = _proposal(world, state=Proposal.State.HANDLING, lead_unit=world.unit, reply_due=TODAY + timedelta(days=7))
    _proposal(
        world, n=13, state=Proposal.State.HANDLING, lead_unit=world.other_unit, reply_due=TODAY + timedelta(days=30)
    )
    run("reply_due_soon")
    run("reply_due_soon")
    n = Notification.objects.get()
    assert n.recipient == world.unit_user and n.due == p.reply_due
    assert "应于" in n.title and "第12号" in n.title and "还有7天" in n.body


def test_an_overdue_reply_tells_the_unit_the_staff_and_the_supervising_leader_of_a_key_proposal(world):
    leader = f.MemberFactory(committee=world.district, user=f.UserFactory(username="supervisor"))
    p = _proposal(
        world,
        state=Proposal.State.HANDLING,
        lead_unit=world.unit,
        reply_due=TODAY - timedelta(days=3),
        is_key=True,
        supervising_leader=leader,
    )
    _proposal(
        world, n=13, state=Proposal.State.REPLIED, lead_unit=world.other_unit, reply_due=TODAY - timedelta(days=3)
    )
    run("reply_overdue")
    run("reply_overdue")
    assert recipients_of(Kind.REPLY_OVERDUE) == ["dstaff", "supervisor", "unit"]
    n = Notification.objects.filter(recipient=world.unit_user).get()
    assert "逾期" in n.title and "第12号" in n.title and "已逾期3天" in n.body and n.target == p


def test_an_overdue_ordinary_proposal_does_not_tell_a_leader(world):
    leader = f.MemberFactory(committee=world.district, user=f.UserFactory(username="supervisor"))
    _proposal(
        world,
        state=Proposal.State.ASSIGNED,
        lead_unit=world.unit,
        reply_due=TODAY - timedelta(days=1),
        supervising_leader=leader,
    )
    run("reply_overdue")
    assert recipients_of(Kind.REPLY_OVERDUE) == ["dstaff", "unit"]


def test_proposal_rule_queries_do_not_grow(world):
    def add(n, start):
        for i in range(n):
            leader = f.MemberFactory(committee=world.district, user=f.UserFactory())
            unit = f.HandlingUnitFactory(committee=world.district)
            unit.users.add(f.UserFactory())
            _proposal(
                world,
                n=start + i,
                state=Proposal.State.HANDLING,
                lead_unit=unit,
                is_key=True,
                supervising_leader=leader,
                reply_due=TODAY - timedelta(days=2),
            )
            _proposal(
                world,
                n=100 + start + i,
                state=Proposal.State.HANDLING,
                lead_unit=unit,
                reply_due=TODAY + timedelta(days=3),
            )

    add(1, 1)
    overdue_small, out1 = rule_queries("reply_overdue")
    soon_small, out2 = rule_queries("reply_due_soon")
    add(4, 10)
    overdue_large, out3 = rule_queries("reply_overdue")
    soon_large, out4 = rule_queries("reply_due_soon")
    assert (len(out1), len(out3), len(out2), len(out4)) == (3, 15, 1, 5)
    assert (overdue_small, soon_small) == (overdue_large, soon_large)


def test_a_reply_waiting_for_rating_tells_the_lead_proposer(world):
    p = _proposal(world, state=Proposal.State.REPLIED, lead_unit=world.unit, feedback_due=TODAY + timedelta(days=10))
    _proposal(world, n=13, state=Proposal.State.RATED, lead_unit=world.unit, feedback_due=TODAY + timedelta(days=10))
    run("rating_waiting")
    run("rating_waiting")
    n = Notification.objects.get()
    assert n.recipient == world.member and n.due == p.feedback_due
    assert n.title.startswith("请在") and "评价" in n.title and "东湖区住建局已答复" in n.body


def test_a_reassignment_request_waiting_tells_the_committee_staff(world):
    p = _proposal(world, state=Proposal.State.FILED)
    Assignment.objects.create(
        proposal=p,
        unit=world.unit,
        role=Assignment.Role.LEAD,
        assigned_on=TODAY - timedelta(days=3),
        due_date=TODAY + timedelta(days=60),
        reassign_until=TODAY + timedelta(days=2),
        is_active=False,
        reassignment_reason="不属于本单位职责",
        reassignment_requested_at=NOW,
    )
    settled = _proposal(world, n=13, state=Proposal.State.ASSIGNED)
    Assignment.objects.create(
        proposal=settled,
        unit=world.unit,
        role=Assignment.Role.LEAD,
        assigned_on=TODAY - timedelta(days=3),
        due_date=TODAY + timedelta(days=60),
        reassign_until=TODAY,
        is_active=False,
        reassignment_reason="x",
        reassignment_requested_at=NOW - timedelta(days=2),
    )
    Assignment.objects.create(
        proposal=settled,
        unit=world.other_unit,
        role=Assignment.Role.LEAD,
        assigned_on=TODAY,
        due_date=TODAY + timedelta(days=60),
        reassign_until=TODAY,
    )
    run("reassignment_waiting")
    run("reassignment_waiting")
    n = Notification.objects.get()
    assert n.recipient == world.district_staff
    assert n.title == "东湖区住建局申请退回提案2026年第12号《关于加快老旧小区加装电梯的建议》"
    assert "不属于本单位职责" in n.body


# --- consultations and roll-ups -----------------------------------------------------------------------


def test_an_overdue_consultation_outcome_tells_the_unit_and_the_staff(world):
    o = handed_outcome(world.unit, deadline=TODAY - timedelta(days=4), title="增设非机动车充电桩")
    handed_outcome(world.other_unit, deadline=TODAY + timedelta(days=4))
    run("outcome_reply_overdue")
    run("outcome_reply_overdue")
    assert recipients_of(Kind.OUTCOME_REPLY_OVERDUE) == ["dstaff", "unit"]
    n = Notification.objects.filter(recipient=world.unit_user).get()
    assert n.title.startswith("协商成果“增设非机动车充电桩”答复已逾期") and "已逾期4天" in n.body
    assert n.url == reverse("consultations:outcome", args=[o.pk])


def test_outcome_rule_queries_do_not_grow(world):
    handed_outcome(world.unit, deadline=TODAY - timedelta(days=4))
    small, out_small = rule_queries("outcome_reply_overdue")
    for _ in range(4):
        unit = f.HandlingUnitFactory(committee=world.district)
        unit.users.add(f.UserFactory())
        handed_outcome(unit, deadline=TODAY - timedelta(days=4))
    large, out_large = rule_queries("outcome_reply_overdue")
    assert (len(out_small), len(out_large), small) == (2, 10, large)


def test_roll_ups_that_finished_or_failed_tell_the_staff_once(world):
    RollupRun.objects.create(
        committee=world.district,
        year=2026,
        quarter=3,
        status=RollupRun.Status.DONE,
        started_at=NOW,
        finished_at=NOW,
        members_done=120,
    )
    RollupRun.objects.create(
        committee=world.district,
        year=2026,
        quarter=2,
        status=RollupRun.Status.FAILED,
        started_at=NOW,
        error="ZeroDivisionError",
    )
    RollupRun.objects.create(
        committee=world.district, year=2026, quarter=1, status=RollupRun.Status.RUNNING, started_at=NOW
    )
    RollupRun.objects.create(
        committee=world.district,
        year=2025,
        quarter=4,
        status=RollupRun.Status.DONE,
        started_at=NOW - timedelta(days=5),
        finished_at=NOW - timedelta(days=5),
    )
    run("rollup_finished")
    run("rollup_finished")
    assert inbox(Kind.ROLLUP_FINISHED) == {("dstaff", "东湖区政协2026年第三季度履职汇总已完成")}
    assert inbox(Kind.ROLLUP_FAILED) == {("dstaff", "东湖区政协2026年第二季度履职汇总失败")}
    assert "ZeroDivisionError" in Notification.objects.get(kind=Kind.ROLLUP_FAILED).body


def test_the_roll_up_hook_uses_the_same_key_as_the_rule(world):
    from assessments.reminders import notify_rollup

    r = RollupRun.objects.create(
        committee=world.district,
        year=2026,
        quarter=3,
        status=RollupRun.Status.DONE,
        started_at=NOW,
        finished_at=NOW,
        members_done=120,
    )
    assert notify_rollup(r) == 1
    assert run("rollup_finished")["created"] == 0


# --- calendar -----------------------------------------------------------------------------------------


def test_the_calendar_feed_shows_the_members_activities_and_sessions_and_not_others(world, client):
    mine = _tomorrow_activity(world)
    theirs = ActivityFactory(group=world.other_group, title="湖滨社区议事会", starts_at=at(TODAY + timedelta(days=1)))
    Attendance.objects.create(activity=theirs, member=world.convener_member)
    session = SessionFactory(
        committee=world.district, title="请你来协商·老旧小区改造", starts_at=at(TODAY + timedelta(days=4))
    )
    SessionAttendance.objects.create(session=session, member=world.member_record)
    SessionFactory(committee=world.district, title="请你来协商·停车难", starts_at=at(TODAY + timedelta(days=4)))
    services.calendar_token_regenerate(actor=world.member)
    token = NotificationSettings.objects.get(user=world.member).calendar_token

    body = client.get(reverse("notifications:calendar", args=[token])).content.decode()
    unfolded = body.replace("\r\n ", "")
    assert f"UID:activity-{mine.pk}@cppcc-portal" in unfolded and "SUMMARY:东湖社区集中走访" in unfolded
    assert f"UID:consultation-session-{session.pk}@cppcc-portal" in unfolded
    assert "请你来协商·老旧小区改造" in unfolded
    assert "湖滨社区议事会" not in unfolded and "停车难" not in unfolded


def test_a_session_held_as_the_members_activity_is_in_the_feed_once(world):
    from notifications import calendar

    activity = _tomorrow_activity(world)
    session = SessionFactory(
        committee=world.district, title="请你来协商·加装电梯", activity=activity, starts_at=activity.starts_at
    )
    SessionAttendance.objects.create(session=session, member=world.member_record)
    uids = [e.uid for e in calendar.events_for(world.member)]
    assert uids == [f"activity-{activity.pk}"]
