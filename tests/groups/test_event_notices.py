"""Leave decided → the member hears the answer (activities/subscribers.py): after commit, once per decision, to the
member only, with a link to the activity."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.services import activities as svc
from notifications.models import Kind, Notification
from tests.events import deliver_outboxed_events

pytestmark = pytest.mark.django_db


def _announced(world):
    start = timezone.now() + timedelta(days=2)
    activity = svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind="study",
        title="学习座谈",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    return svc.activity_announce(activity_id=activity.pk, actor=world.convener)


def test_the_member_hears_the_leave_decision_with_a_link_and_no_one_else_does(world):
    activity = _announced(world)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=False)
    assert not Notification.objects.filter(kind=Kind.LEAVE_DECIDED).exists()  # only once it commits
    assert deliver_outboxed_events() == ["done", "done", "done"]  # announced, leave requested, leave decided
    refused = Notification.objects.get(kind=Kind.LEAVE_DECIDED)
    assert refused.recipient == world.member  # not the convener, not the other invited member
    assert refused.url == reverse("activities:activity_detail", args=[activity.pk])
    assert refused.title == "请假未获批准：学习座谈"
    assert refused.due == timezone.localtime(activity.starts_at).date()

    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差，已改期")
    svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)
    assert deliver_outboxed_events() == ["done", "done"]  # asked again, decided again
    assert list(
        Notification.objects.filter(kind=Kind.LEAVE_DECIDED).order_by("id").values_list("recipient", "title")
    ) == [(world.member.pk, "请假未获批准：学习座谈"), (world.member.pk, "请假已批准：学习座谈")]  # each decision once
