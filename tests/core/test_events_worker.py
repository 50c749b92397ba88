"""Domain events with a real worker: a transition whose broker publish failed (Redis down) keeps its delivery in
the outbox; published later — twice, as a crash between publish and delete would — the subscriber acts once."""
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from core.events import DELIVER_TASK
from core.models import EventReceipt
from core.notifications.models import Kind, Notification, OutboxMessage
from groups.services import activities as svc
from tests.conftest import start_celery_worker, stop_celery_worker

pytestmark = pytest.mark.worker


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_delivery_kept_through_an_outage_and_published_twice_notifies_the_member_once(world, transactional_db,
                                                                                       tmp_path):
    from cppcc_portal.celery import app

    start = timezone.now() + timedelta(days=2)
    activity = svc.activity_create(actor=world.convener, group=world.group, kind="study", title="学习座谈",
                                   starts_at=start, ends_at=start + timedelta(hours=2))
    svc.activity_announce(activity_id=activity.pk, actor=world.convener)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    with mock.patch.object(app, "send_task", side_effect=ConnectionRefusedError("redis down")):
        svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)  # commits
    kept = OutboxMessage.objects.get(task=DELIVER_TASK)
    assert kept.attempts == 1 and not Notification.objects.filter(kind=Kind.LEAVE_DECIDED).exists()

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
