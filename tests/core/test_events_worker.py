"""Domain events with a real worker: a transition whose broker publish failed (Redis down) keeps its delivery in
the outbox; published later — twice, as a crash between publish and delete would — the subscriber acts once."""

import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from activities.services import activities as svc
from core.events import DELIVER_TASK
from core.models import EventReceipt, OutboxMessage
from notifications.models import Kind, Notification
from tests.conftest import start_celery_worker, stop_celery_worker

pytestmark = pytest.mark.worker


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_delivery_kept_through_an_outage_and_published_twice_notifies_the_member_once(
    world, transactional_db, tmp_path
):
    from cppcc_portal.celery import app

    start = timezone.now() + timedelta(days=2)
    activity = svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind="study",
        title="学习座谈",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    svc.activity_announce(activity_id=activity.pk, actor=world.convener)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    with mock.patch.object(app, "send_task", side_effect=ConnectionRefusedError("redis down")):
        svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)  # commits
    kept = OutboxMessage.objects.get(task=DELIVER_TASK, attempts=1)  # the earlier ones went out (rows kept till done)
    assert (
        kept.kwargs["event"] == "groups.leave_decided"
        and not Notification.objects.filter(kind=Kind.LEAVE_DECIDED).exists()
    )

    queue = f"wt-events-test-{uuid.uuid4().hex[:8]}"
    worker = start_celery_worker(tmp_path / "worker.log", queue=queue, name="events")
    try:
        for _ in range(2):
            app.send_task(kept.task, kwargs=kept.kwargs, queue=queue, ignore_result=True)
        assert _wait(lambda: "duplicate" in worker.log.read_text(), 60), worker.log.read_text()[-3000:]
    finally:
        stop_celery_worker(worker)
    notices = Notification.objects.filter(kind=Kind.LEAVE_DECIDED)
    assert [(n.recipient_id, n.title) for n in notices] == [(world.member.pk, "请假已批准：学习座谈")]
    assert EventReceipt.objects.count() == 1


def test_a_worker_killed_mid_batch_of_event_notices_delivers_each_exactly_once_after_restart(
    world, transactional_db, tmp_path, settings
):
    """Many leave requests, one delivery each; the worker is killed -9 in the middle. The message it held is gone
    from the broker (the filesystem broker takes it out on fetch; Redis would give it back only after an hour), but
    its outbox row stays until the delivery is done: once the lease has passed, beat's drain sends it again. After a
    restart every notice is there exactly once."""
    import os
    import signal
    from collections import Counter

    from django.conf import settings as live
    from django.db.models import Count

    from core import outbox
    from cppcc_portal.celery import app
    from tests import factories as f

    queue = live.CELERY_TASK_DEFAULT_QUEUE
    with app.connection_for_write() as conn:  # what earlier tests published to this queue is not ours to count
        conn.default_channel.queue_purge(queue)
    total = 120
    settings.EVENTS_DELIVERY_LEASE_SECONDS = 4  # the publisher dates each published row this far ahead
    start = timezone.now() + timedelta(days=2)
    activity = svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind="study",
        title="学习座谈",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    members = [
        f.MembershipFactory(group=world.group, member__user=f.UserFactory(username=f"k{i}")).member
        for i in range(total)
    ]
    svc.activity_invite(activity_id=activity.pk, actor=world.convener, member_ids=[m.pk for m in members])
    for member in members:  # each commits and publishes its delivery to the broker: nobody takes them yet
        svc.attendance_request_leave(activity_id=activity.pk, actor=member.user, reason="出差")
    rows = OutboxMessage.objects.filter(task=DELIVER_TASK)
    assert rows.count() == total  # published, kept until done
    ours = {f"groups.leave_requested:{r.kwargs['data']['event_id']}" for r in rows}

    def receipts() -> int:
        return EventReceipt.objects.filter(event_name="groups.leave_requested").count()

    first = start_celery_worker(tmp_path / "first.log", queue=queue, name="events-first")
    try:
        assert _wait(lambda: receipts() >= total // 4, 60), first.log.read_text()[-3000:]
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        stop_celery_worker(first)
    at_kill = receipts()
    assert at_kill < total, "the worker finished before the kill: make the batch larger"

    second = start_celery_worker(tmp_path / "second.log", queue=queue, name="events-second")
    try:
        assert _wait(lambda: receipts() + 1 >= total, 90), second.log.read_text()[-3000:]  # the backlog
        # The lease of the row the dead worker held: wait until no event row is dated in the future any more.
        assert _wait(
            lambda: not OutboxMessage.objects.filter(task=DELIVER_TASK, created_at__gt=timezone.now()).exists(),
            settings.EVENTS_DELIVERY_LEASE_SECONDS + 30,
        )
        before_drain = receipts()
        resent = [outbox.drain(older_than_seconds=0) for _ in range(2)]  # two beat ticks: copies change nothing
        assert _wait(
            lambda: receipts() == total and not OutboxMessage.objects.filter(task=DELIVER_TASK).exists(), 60
        ), (receipts(), second.log.read_text()[-3000:])
    finally:
        stop_celery_worker(second)

    notices = Notification.objects.filter(kind=Kind.LEAVE_REQUESTED)
    per_event = Counter(notices.values_list("subject", flat=True))  # a leave request's notice is keyed on its event
    duplicates = {t: n for t, n in per_event.items() if n > 1}
    lost = len(ours - set(per_event))
    print(
        f"\nkill -9 after {at_kill} of {total} deliveries; {before_drain} done before beat's drain, which resent "
        f"{resent}; after restart: {notices.count()} notices, "
        f"{len(per_event)} distinct, duplicates: {duplicates}, lost: {lost}"
    )
    assert set(per_event) == ours
    assert duplicates == {} and lost == 0
    assert set(notices.values_list("recipient", flat=True)) == {world.convener.pk}
    assert not EventReceipt.objects.values("event_id", "subscriber").annotate(n=Count("id")).filter(n__gt=1).exists()
