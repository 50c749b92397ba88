"""Redis goes down under a running app: pages keep answering, queued work waits in the outbox, and once
Redis is back a real Celery worker does that work exactly once.

Everything runs as in production, in separate processes: a redis-server of this test's own (on a free
port, so stopping it disturbs no other test), the app under gunicorn and a Celery worker, both on the test
database and on that Redis for cache and broker. The test talks to the app over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.conftest import ROOT, free_port, start_celery_worker, stop_celery_worker, stop_process, worker_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float, step: float = 0.05, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


class RedisServer:
    """A redis-server of our own, without persistence, as a restarted Redis would be."""

    def __init__(self, log: Path):
        self.port, self.log, self.proc = free_port(), log, None
        self.url = f"redis://127.0.0.1:{self.port}/{settings.TEST_REDIS_DB}"  # what the processes it starts use

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self._ping, 10, what="redis-server")

    def stop(self) -> None:
        stop_process(self.proc)
        assert not self._ping()


@pytest.fixture
def redis_server(transactional_db, tmp_path):
    server = RedisServer(tmp_path / "redis.log")
    try:
        server.start()
        yield server
    finally:
        stop_process(server.proc)


def app_env(redis_url: str, queue: str, extra: dict | None = None) -> dict:
    """The environment of a web or worker process: the test database, our Redis for cache and broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_BROKER", "CELERY_RESULT", "CACHE_"))}
    return {
        **env,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
        **(extra or {}),
    }


@pytest.fixture
def web(redis_server, tmp_path):
    """The app under gunicorn (one worker, as one web host), with our Redis as cache and broker."""
    port, log = free_port(), tmp_path / "web.log"
    queue = f"redis-outage-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "/dev/null",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--timeout",
            "30",
            "cppcc_portal.wsgi:application",
        ],
        cwd=ROOT,
        env=app_env(redis_server.url, queue),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn died:\n{log.read_text()}")
        try:
            return requests.get(f"{base}/health/", timeout=20).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(up, 30, step=0.1, what="gunicorn")
    except BaseException:
        stop_process(proc)
        raise
    proc.base, proc.queue, proc.log = base, queue, log
    yield proc
    stop_process(proc)


def session_for(user) -> requests.Session:
    """A browser session logged in as ``user`` (the session row is in the test database the app reads)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    http = requests.Session()
    http.cookies.set("sessionid", client.cookies["sessionid"].value)
    return http


def test_with_redis_down_pages_answer_and_queued_work_is_done_once_when_it_returns(world, redis_server, web, tmp_path):
    from assessments.models import RollupRun
    from core.models import AuditEvent, OutboxMessage
    from core.services import api_token_issue
    from notifications.models import Delivery, Kind, NotificationSettings
    from tests.consultations.factories import SessionFactory

    world.district_staff.email = "dstaff@example.org"
    world.district_staff.save(update_fields=["email"])
    NotificationSettings.objects.create(
        user=world.district_staff,
        channels={  # e-mail is opt-in
            Kind.ROLLUP_FINISHED: ["email"],
            Kind.ROLLUP_FAILED: ["email"],
        },
    )
    SessionFactory(committee=world.district, is_published=True)
    mail = tmp_path / "mail.txt"
    worker = start_celery_worker(
        tmp_path / "worker.log",
        queue=web.queue,
        name="redis-outage",
        extra_env=app_env(
            redis_server.url,
            web.queue,
            {
                "EMAIL_BACKEND": "tests.core.backends.SlowFileEmailBackend",
                "NOTIFY_TEST_OUTBOX": str(mail),
                "NOTIFY_TEST_DELAY": "0",
                "NOTIFICATIONS_OUTBOX_GRACE_SECONDS": "0",
            },
        ),
    )
    try:
        member, staff = session_for(world.member), session_for(world.district_staff)
        token = {"Authorization": f"Token {api_token_issue(user=world.district_staff, actor=world.district_staff)[1]}"}
        pages = [
            (member, "/proposals/mine/"),
            (member, "/assessments/record/"),
            (member, "/notifications/"),
            (staff, "/proposals/review/"),
            (staff, "/consultations/sessions/"),
            (member, "/me/"),
            (requests, f"/consultations/public/{world.district.code}/"),
            (requests, "/health/"),
        ]

        def answers() -> dict:
            out = {}
            for http, path in pages:
                started = time.monotonic()
                response = http.get(web.base + path, timeout=10, allow_redirects=False)
                out[path] = (response.status_code, round(time.monotonic() - started, 2))
            return out

        before = answers()
        assert {p: s for p, (s, _t) in before.items()} == {p: 200 for _h, p in pages}, before

        redis_server.stop()

        during = answers()
        print(f"\nwith Redis down: {during}")
        assert {p: s for p, (s, _t) in during.items()} == {p: 200 for _h, p in pages}, (
            during,
            web.log.read_text()[-3000:],
        )
        assert max(t for _s, t in during.values()) < 5  # no request waits on Redis timeouts
        assert "cache unavailable" in web.log.read_text()

        started = time.monotonic()
        response = requests.post(
            f"{web.base}/api/v1/rollups/run/",
            headers=token,
            timeout=10,
            json={"committee": world.district.pk, "year": 2026, "quarter": 1},
        )
        took = time.monotonic() - started
        assert response.status_code == 201, response.text
        assert took < 5, took
        run = RollupRun.objects.get(pk=response.json()["id"])
        kept = OutboxMessage.objects.get()
        assert (kept.task, kept.args, kept.attempts) == ("assessments.run_rollup", [run.pk], 1), kept.last_error
        assert run.status == RollupRun.Status.QUEUED
        assert worker.poll() is None, "the worker survives the outage"

        redis_server.start()  # same port, empty: whatever was only in Redis is gone

        # Beat's drain_outbox (every minute) publishes what the outage left behind; two overlapping ticks.
        from celery import Celery

        beat = Celery(broker=redis_server.url)
        for _ in range(2):
            beat.send_task("core.notifications.drain_outbox", queue=web.queue, ignore_result=True)
        reconnect_started = time.monotonic()
        wait_for(
            lambda: RollupRun.objects.get(pk=run.pk).status in ("done", "failed"),
            60,
            step=0.2,
            what=f"the roll-up\n{worker.log.read_text()[-3000:]}",
        )
        done_after = time.monotonic() - reconnect_started
        wait_for(
            lambda: Delivery.objects.filter(channel="email", status="sent").exists(),
            30,
            step=0.2,
            what=f"the e-mail\n{worker.log.read_text()[-3000:]}",
        )
        # A duplicate, if any, was queued before this: the solo worker runs its queue in order, so once the
        # sentinel has answered, every earlier message (a second drain's republish included) has run.
        sentinel = Celery(broker=redis_server.url, backend=redis_server.url)
        assert sentinel.send_task("core.health", queue=web.queue).get(timeout=30) == {"ok": True}

        run.refresh_from_db()
        assert run.status == RollupRun.Status.DONE, run.error
        verbs = Counter(
            AuditEvent.objects.filter(object_id=str(run.pk), content_type__model="rolluprun").values_list(
                "verb", flat=True
            )
        )
        assert verbs == Counter({"queued": 1, "done": 1}), verbs
        assert not OutboxMessage.objects.exists()
        lines = mail.read_text().splitlines()
        assert len(lines) == len(set(lines)) == Delivery.objects.filter(channel="email").count() == 1, lines

        after = answers()
        assert {p: s for p, (s, _t) in after.items()} == {p: 200 for _h, p in pages}, after
        print(f"roll-up done {done_after:.1f}s after Redis came back; after: {after}")
    finally:
        stop_celery_worker(worker)
