"""Exactly once with a real worker: kill -9 it in the middle of a batch, restart, count what went out.

Every notice goes by e-mail and SMS (the recipients opted in to both): the fake mail server and the fake SMS
vendor each append one line per message they accept, so a line written twice is a message sent twice.
"""

import os
import signal
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Delivery, Kind, NotificationSettings
from tests import factories as f
from tests.conftest import start_celery_worker, stop_celery_worker

pytestmark = pytest.mark.worker

TOTAL = 40
LEASE = 3


def _lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _wait(predicate, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _status_counts() -> Counter:
    return Counter(Delivery.objects.exclude(channel="in_app").values_list("status", flat=True))


def _recipient(username: str, kind: str):
    user = f.UserFactory(username=username, email=f"{username}@example.org", phone="13800138000")
    NotificationSettings.objects.create(user=user, channels={kind: ["email", "sms"]})
    return user


class Sent:
    """What the fake mail server and the fake SMS vendor accepted (one line per message)."""

    def __init__(self, tmp_path):
        self.mail, self.sms = tmp_path / "mail-outbox.txt", tmp_path / "sms-outbox.txt"

    def lines(self) -> list[str]:
        return [f"mail {line}" for line in _lines(self.mail)] + [f"sms {line}" for line in _lines(self.sms)]

    def __len__(self) -> int:
        return len(self.lines())


@pytest.fixture
def slow_mail(transactional_db, tmp_path):
    outbox = Sent(tmp_path)
    queue = f"wt-notify-test-{uuid.uuid4().hex[:8]}"  # its own queue: no other test's worker takes these tasks
    env = {
        "EMAIL_BACKEND": "tests.core.backends.SlowFileEmailBackend",
        "NOTIFY_TEST_OUTBOX": str(outbox.mail),
        "NOTIFICATIONS_SMS_BACKEND": "tests.core.backends.SlowFileSmsBackend",
        "NOTIFY_TEST_SMS": str(outbox.sms),
        "NOTIFY_TEST_DELAY": "0.1",
        "NOTIFICATIONS_BATCH_SIZE": "10",
        "NOTIFICATIONS_LEASE_SECONDS": str(LEASE),
    }
    started = []

    def start(name):
        proc = start_celery_worker(tmp_path / f"{name}.log", queue=queue, name=name, extra_env=env)
        started.append(proc)
        return proc

    def kick():
        from cppcc_portal.celery import app

        app.send_task(services.DELIVER_TASK, queue=queue)

    yield outbox, start, kick
    for proc in started:
        stop_celery_worker(proc)


def test_a_worker_killed_mid_batch_sends_every_email_and_sms_exactly_once_after_restart(world, slow_mail):
    outbox, start, kick = slow_mail
    today = timezone.localdate()
    for i in range(TOTAL):
        user = _recipient(f"m{i}", Kind.ACTIVITY_TOMORROW)
        services.notify(
            kind=Kind.ACTIVITY_TOMORROW,
            recipient=user,
            obj=world.group,
            due=today,
            title=f"活动提醒 {i}",
            url="/me/",
            enqueue=False,
        )

    first = start("first")
    kick()
    assert _wait(lambda: len(outbox) >= 12, timeout=60), first.log.read_text()
    # Kill while a claimed row is being sent (its message may or may not be out): the worst moment.
    assert _wait(lambda: _status_counts()["sending"] >= 1, timeout=30), _status_counts()
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    sent_before_kill = len(outbox)
    at_kill = _status_counts()
    assert at_kill["sending"] >= 1, at_kill  # the dead worker's claimed rows are stuck ... for now
    assert sent_before_kill < 2 * TOTAL

    second = start("second")
    # Wait until the dead worker's leases have expired (beat would tick every minute), then kick.
    assert _wait(
        lambda: not Delivery.objects.filter(
            status="sending", claimed_at__gt=timezone.now() - timedelta(seconds=LEASE)
        ).exists(),
        timeout=LEASE + 30,
    )
    kick()
    kick()  # an overlapping beat tick: the second run must find nothing to do twice
    assert _wait(lambda: _status_counts() == Counter({"sent": 2 * TOTAL}), timeout=120, step=0.2), (
        _status_counts(),
        second.log.read_text()[-3000:],
    )

    lines = outbox.lines()
    duplicates = {mid: n for mid, n in Counter(lines).items() if n > 1}
    print(
        f"\nkill -9 after {sent_before_kill} of {2 * TOTAL} sent; at kill: {dict(at_kill)}; "
        f"after restart: {len(lines)} lines, {len(set(lines))} distinct, duplicates: {duplicates}"
    )
    assert duplicates == {}
    assert len(lines) == len(set(lines)) == 2 * TOTAL
    assert sum(line.startswith("sms ") for line in lines) == TOTAL
    assert Delivery.objects.filter(attempts__gte=2).exclude(channel="in_app").exists()  # the reclaimed ones, recorded


def test_two_workers_share_the_work_without_sending_anything_twice(world, slow_mail):
    outbox, start, kick = slow_mail
    for i in range(TOTAL):
        user = _recipient(f"t{i}", Kind.REPLY_DUE_SOON)
        services.notify(kind=Kind.REPLY_DUE_SOON, recipient=user, obj=world.unit, title=f"答复期限 {i}", enqueue=False)
    start("a")
    start("b")
    for _ in range(4):
        kick()
    assert _wait(lambda: _status_counts() == Counter({"sent": 2 * TOTAL}), timeout=120, step=0.2), _status_counts()
    lines = outbox.lines()
    assert len(lines) == len(set(lines)) == 2 * TOTAL
