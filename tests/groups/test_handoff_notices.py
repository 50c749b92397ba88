"""Activity hand-offs (activities/subscribers.py, activities/reminders.py): announced, changed and cancelled tell the invited
members, a leave request tells the conveners, a record still incomplete after it was held reminds them — to exactly
those people (never the one who acted), in Chinese, with a link to the activity."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivitySettings, Attendance, Evidence
from activities.services import activities as svc
from groups.models import GroupMembership
from notifications import rules
from notifications.models import Kind, Notification
from tests import factories as f
from tests.events import deliver_outboxed_events
from tests.groups.factories import held_activity

pytestmark = pytest.mark.django_db


def _told(kind) -> list[Notification]:
    """Deliver what is queued; the notices of ``kind``, each recipient once, each link a page its recipient opens."""
    assert not Notification.objects.filter(kind=kind).exists()  # nothing before the transition commits
    assert set(deliver_outboxed_events()) <= {"done"}
    notices = list(Notification.objects.filter(kind=kind).order_by("recipient_id"))
    assert len({n.recipient_id for n in notices}) == len(notices)
    for notice in notices:
        client = Client()
        client.force_login(notice.recipient)
        assert client.get(notice.url).status_code == 200, (notice.recipient, notice.url)
    return notices


@pytest.fixture
def planned(world):
    """A planned activity of ``world.group``: the convener, the member and one member without a login invited."""
    f.MembershipFactory(group=world.group)  # no login: nobody to tell
    start = timezone.now() + timedelta(days=2)
    return svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind="study",
        title="学习座谈",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="东湖街道会议室",
    )


def test_announcing_tells_every_invited_member_but_the_convener_who_announced(world, planned):
    svc.activity_announce(activity_id=planned.pk, actor=world.convener)
    [notice] = _told(Kind.ACTIVITY_ANNOUNCED)
    assert notice.recipient == world.member  # not the convener (invited too, and the one who acted), not outsiders
    assert notice.title == "活动通知：学习座谈" and "东湖街道会议室" in notice.body
    assert notice.url == reverse("activities:activity_detail", args=[planned.pk])
    assert notice.due == timezone.localtime(planned.starts_at).date()


def test_announced_by_staff_the_convener_hears_it_too(world, planned):
    svc.activity_announce(activity_id=planned.pk, actor=world.district_staff)
    assert {n.recipient for n in _told(Kind.ACTIVITY_ANNOUNCED)} == {world.member, world.convener}


def test_a_change_of_time_or_place_tells_the_invited_members_of_an_announced_activity(world, planned):
    svc.activity_update(activity_id=planned.pk, actor=world.convener, version=planned.version, place="区政协三楼")
    assert set(deliver_outboxed_events()) == {"done"}
    assert not Notification.objects.filter(kind=Kind.ACTIVITY_CHANGED).exists()  # planned: nobody was told yet
    activity = svc.activity_announce(activity_id=planned.pk, actor=world.convener)
    deliver_outboxed_events()
    activity = svc.activity_update(
        activity_id=planned.pk, actor=world.convener, version=activity.version, summary="会议纪要"
    )
    assert set(deliver_outboxed_events()) == {"done"}
    assert not Notification.objects.filter(kind=Kind.ACTIVITY_CHANGED).exists()  # the record, not the meeting
    new_start = activity.starts_at + timedelta(hours=1)
    svc.activity_update(
        activity_id=planned.pk,
        actor=world.convener,
        version=activity.version,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=2),
    )
    [notice] = _told(Kind.ACTIVITY_CHANGED)
    assert notice.recipient == world.member and notice.title == "活动变更：学习座谈"
    assert notice.url == reverse("activities:activity_detail", args=[planned.pk])


def test_a_second_change_is_told_again(world, planned):
    activity = svc.activity_announce(activity_id=planned.pk, actor=world.convener)
    for place in ("区政协三楼", "区政协五楼"):
        activity = svc.activity_update(
            activity_id=planned.pk, actor=world.convener, version=activity.version, place=place
        )
    deliver_outboxed_events()
    notices = Notification.objects.filter(kind=Kind.ACTIVITY_CHANGED)
    assert [n.recipient for n in notices] == [world.member, world.member]  # each change once
    assert all("区政协五楼" in n.body for n in notices)  # read when delivered: the place as it is now


def test_cancelling_tells_every_invited_member_but_the_one_who_cancelled(world, planned):
    svc.activity_announce(activity_id=planned.pk, actor=world.convener)
    deliver_outboxed_events()
    svc.activity_cancel(activity_id=planned.pk, actor=world.convener, reason="天气原因")
    [notice] = _told(Kind.ACTIVITY_CANCELLED)
    assert notice.recipient == world.member and notice.title == "活动取消：学习座谈"
    assert notice.url == reverse("activities:activity_detail", args=[planned.pk])


def test_a_leave_request_tells_the_group_s_conveners_and_deputies_only(world, planned):
    deputy = f.MembershipFactory(group=world.group, role=GroupMembership.Role.DEPUTY, member__user=f.UserFactory())
    svc.activity_announce(activity_id=planned.pk, actor=world.convener)
    deliver_outboxed_events()
    svc.attendance_request_leave(activity_id=planned.pk, actor=world.member, reason="出差")
    notices = _told(Kind.LEAVE_REQUESTED)
    assert {n.recipient for n in notices} == {world.convener, deputy.member.user}  # not other_convener, not staff
    for notice in notices:
        assert notice.title == f"{world.member_record.name}申请请假：学习座谈"
        assert "出差" in notice.body and notice.url == reverse("activities:activity_detail", args=[planned.pk])


def test_a_convener_s_own_leave_request_tells_the_other_conveners_not_themselves(world, planned):
    deputy = f.MembershipFactory(group=world.group, role=GroupMembership.Role.DEPUTY, member__user=f.UserFactory())
    svc.attendance_request_leave(activity_id=planned.pk, actor=world.convener, reason="开会")
    assert [n.recipient for n in _told(Kind.LEAVE_REQUESTED)] == [deputy.member.user]


# --- evidence still missing: a reminder rule (a duty that falls due, not a transition) ---------------------


def test_a_held_activity_still_missing_evidence_reminds_its_conveners_once(world):
    today = timezone.localdate()
    incomplete = held_activity(world, starts_at=timezone.now() - timedelta(days=3), title="走访座谈", summary="")
    complete = held_activity(world, starts_at=timezone.now() - timedelta(days=3), summary="纪要")
    Evidence.objects.create(
        activity=complete,
        kind=Evidence.Kind.PHOTO,
        file="x.jpg",
        size=1,
        content_type="image/jpeg",
        original_name="x.jpg",
        uploaded_by=world.convener,
    )
    held_activity(world, starts_at=timezone.now() - timedelta(days=1), summary="")  # too early to remind
    filed = held_activity(world, starts_at=timezone.now() - timedelta(days=3), summary="")
    Activity.objects.filter(pk=filed.pk).update(state=Activity.State.FILED)

    with CaptureQueriesContext(connection) as queries:
        result = rules.run_rule("evidence_missing", today=today)
    assert result["created"] == 1 and len(queries) < 15
    notice = Notification.objects.get(kind=Kind.EVIDENCE_MISSING)
    assert notice.recipient == world.convener and notice.target == incomplete
    assert notice.title == "请补齐活动资料：走访座谈"
    assert notice.body.endswith("归档前还需：至少 1 张照片、活动纪要。")
    assert notice.url == reverse("activities:activity_detail", args=[incomplete.pk])
    assert rules.run_rule("evidence_missing", today=today + timedelta(days=1))["created"] == 0  # once per activity


def test_the_evidence_rule_reads_a_fixed_number_of_queries_whatever_the_number_of_activities(world):
    def count(n):
        for _ in range(n):
            held_activity(world, starts_at=timezone.now() - timedelta(days=4), summary="")
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            list(rules.REGISTRY["evidence_missing"].func(today=timezone.localdate(), lead_days=3))
        return len(queries)

    assert count(2) == count(8)


def test_the_attendance_counts_only_when_the_committee_asks_for_it(world):
    activity = held_activity(world, starts_at=timezone.now() - timedelta(days=3), summary="纪要")
    Evidence.objects.create(
        activity=activity,
        kind=Evidence.Kind.PHOTO,
        file="x.jpg",
        size=1,
        content_type="image/jpeg",
        original_name="x.jpg",
        uploaded_by=world.convener,
    )
    Attendance.objects.create(activity=activity, member=f.MemberFactory(committee=world.district))  # not recorded
    assert rules.run_rule("evidence_missing", today=timezone.localdate())["created"] == 1
    assert Notification.objects.get(kind=Kind.EVIDENCE_MISSING).body.endswith("归档前还需：每位受邀委员的出勤情况。")

    Notification.objects.all().delete()
    ActivitySettings.objects.update_or_create(
        committee=world.district, defaults={**ActivitySettings.DEFAULTS, "require_complete_attendance": False}
    )
    assert rules.run_rule("evidence_missing", today=timezone.localdate())["created"] == 0  # nothing else lacking
    assert svc.missing_for_filing(activity) == []  # the rule and the filing check agree
