#!/usr/bin/env python
"""Benchmark: N due reminders across M members — create them through a rule, send them with one real worker
(in-app + a fake e-mail server), then do it again with a kill -9 in the middle and count duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cppcc_notifications_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/reminders.py --reminders 10000 --members 50000

The database name must contain "bench" (the script empties the notification tables). Without DATABASE_URL it
uses var/bench-reminders.sqlite3; without REDIS_URL the filesystem broker.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
os.environ.setdefault("DEBUG", "true")  # a development database: DEBUG is off unless asked for
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-reminders.sqlite3'}")


def ensure_postgres_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import environ
    import psycopg2

    cfg = environ.Env.db_url_config(url)
    conn = psycopg2.connect(
        dbname="postgres",
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    conn.close()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def invite_members(User, step: int, count: int, today) -> None:
    """For --real-rule: a bench committee whose members (one per bench user picked) are invited to activities
    tomorrow and the day after (100 invitations per activity)."""
    from datetime import datetime
    from datetime import time as clock

    from django.db.models import F
    from django.db.models.functions import Mod
    from django.utils import timezone

    from activities.models import Activity, Attendance
    from groups.models import ActivityGroup, Committee, Member, Party, Sector, Term

    committee, _ = Committee.objects.get_or_create(
        code="bench", defaults={"name": "基准测试政协", "level": Committee.Level.CITY}
    )
    term = Term.objects.filter(committee=committee).first() or Term.objects.create(
        committee=committee,
        number=1,
        start_date=today.replace(month=1, day=1),
        end_date=today.replace(year=today.year + 5, month=1, day=1),
        is_current=True,
    )
    sector, _ = Sector.objects.get_or_create(committee=committee, name="基准界别")
    group, _ = ActivityGroup.objects.get_or_create(
        committee=committee, name="基准活动组", defaults={"kind": ActivityGroup.Kind.STREET}
    )
    Activity.objects.filter(committee=committee).delete()
    users = list(
        User.objects.filter(username__startswith="bench-")
        .annotate(m=Mod(F("pk"), step))
        .filter(m=0)
        .order_by("pk")
        .values_list("pk", "name")[:count]
    )
    have = set(Member.objects.filter(user_id__in=[u for u, _n in users]).values_list("user_id", flat=True))
    Member.objects.bulk_create(
        [
            Member(committee=committee, term=term, sector=sector, user_id=u, name=n or "委员", party=Party.NONPARTY)
            for u, n in users
            if u not in have
        ],
        batch_size=5000,
    )
    members = list(Member.objects.filter(user_id__in=[u for u, _n in users]).values_list("pk", flat=True))
    for days in (1, 2):
        starts = timezone.make_aware(datetime.combine(today + timedelta(days=days), clock(9)))
        for i in range(0, len(members), 100):
            a = Activity.objects.create(
                committee=committee,
                group=group,
                kind=Activity.Kind.STUDY,
                title=f"基准学习会{days}-{i // 100}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                state=Activity.State.ANNOUNCED,
            )
            Attendance.objects.bulk_create([Attendance(activity=a, member_id=m) for m in members[i : i + 100]])
    print(f"  invited {len(members)} members to activities tomorrow and the day after")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument(
        "--mail-latency", type=float, default=0.002, help="seconds the fake mail server takes per message"
    )
    parser.add_argument(
        "--real-rule",
        action="store_true",
        help="use the activities app's activity_tomorrow rule: members invited to activities",
    )
    parser.add_argument(
        "--compare-rounds",
        type=int,
        default=3,
        help="rounds of creating the reminders one notify() at a time vs. notify_many (interleaved, best of N)",
    )
    parser.add_argument("--only-create", action="store_true", help="stop after the creation comparison")
    parser.add_argument("--kill-at", type=float, default=0.437, help="kill -9 the worker after this share was sent")
    args = parser.parse_args()

    ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Mod
    from django.utils import timezone

    from core.models import OutboxMessage, User
    from notifications import rules
    from notifications.delivery import deliver_batch
    from notifications.models import Delivery, Kind, Notification

    assert "bench" in str(connection.settings_dict["NAME"]), "use a database whose name contains 'bench'"
    call_command("migrate", verbosity=0)
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    have = User.objects.filter(username__startswith="bench-").count()
    if have < args.members:
        started = time.monotonic()
        User.objects.bulk_create(
            [
                User(username=f"bench-{i}", email=f"bench{i}@example.org", password="!", name=f"委员{i}")
                for i in range(have, args.members)
            ],
            batch_size=5000,
        )
        print(f"created {args.members - have} members in {time.monotonic() - started:.1f}s")
    step = max(args.members // args.reminders, 1)
    print(
        f"db={connection.vendor} broker={'redis' if os.environ.get('REDIS_URL') else 'filesystem'} "
        f"members={args.members} reminders={args.reminders} (every {step}th member)"
    )

    @rules.register("bench", kind=Kind.ACTIVITY_TOMORROW, lead_days=1)
    def bench_rule(*, today, lead_days):
        recipients = (
            User.objects.filter(username__startswith="bench-")
            .annotate(m=Mod(F("pk"), step))
            .filter(m=0)
            .order_by("pk")[: args.reminders]
        )
        for user in recipients.iterator(chunk_size=2000):
            yield rules.Reminder(
                recipient=user,
                obj=user,
                due=today + timedelta(days=lead_days),
                title=f"明天的活动：{user.name}所在活动组集中视察",
                url="/me/",
            )

    rule_name = "bench"
    if args.real_rule:
        rule_name = "activity_tomorrow"
        invite_members(User, step, args.reminders, timezone.localdate())
        print("  rule: activity_tomorrow (Attendance → Activity, Member → User)")

    def run_rule(today):
        counter = QueryCounter()
        started = time.monotonic()
        with connection.execute_wrapper(counter):
            result = rules.run_rule(rule_name, today=today)
        took = time.monotonic() - started
        print(
            f"  rule: {result['created']} reminders in {took:.1f}s "
            f"({result['created'] / took:.0f}/s), {counter.count / max(result['created'], 1):.1f} queries per reminder"
        )
        return result["created"]

    def sender_queries_per_delivery(sample: int) -> float:
        from django.test.utils import override_settings

        counter = QueryCounter()
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            connection.execute_wrapper(counter),
        ):
            sent = deliver_batch(limit=sample).sent
        return counter.count / max(sent, 1)

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    outbox_file = ROOT / "var" / f"bench-mail-{queue}.txt"
    env = {
        **os.environ,
        "CELERY_QUEUE": queue,
        "EMAIL_BACKEND": "tests.core.backends.SlowFileEmailBackend",
        "NOTIFY_TEST_OUTBOX": str(outbox_file),
        "NOTIFY_TEST_DELAY": str(args.mail_latency),
        "NOTIFICATIONS_BATCH_SIZE": "200",
        "NOTIFICATIONS_LEASE_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
    }

    def start_worker(name):
        log = ROOT / "var" / f"bench-{name}.log"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cppcc_portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queue,
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        while "ready" not in log.read_text():
            if proc.poll() is not None:
                raise SystemExit(log.read_text())
            time.sleep(0.2)
        return proc

    def kick():
        from cppcc_portal.celery import app

        app.send_task("core.notifications.deliver_pending", queue=queue)

    def todo() -> int:
        return Delivery.objects.exclude(channel="in_app").exclude(status="sent").count()

    def wait_done(timeout=3600):
        deadline = time.monotonic() + timeout
        while todo() and time.monotonic() < deadline:
            time.sleep(0.5)

    today = timezone.localdate()

    # 0. creation: one notify() per reminder (the earlier path) against run_rule's notify_many, interleaved
    def create_per_row(day) -> int:
        from notifications.services import notify

        rule = rules.REGISTRY[rule_name]
        made = 0
        for r in rule.func(today=day, lead_days=rule.lead_days):
            made += notify(
                kind=r.kind or rule.kind,
                recipient=r.recipient,
                obj=r.obj,
                due=r.due,
                title=r.title,
                body=r.body,
                url=r.url,
                key=r.key,
                enqueue=False,
            )[1]
        return made

    best = {"per row": 0.0, "set-based": 0.0}
    for round_ in range(args.compare_rounds):
        for label in ("per row", "set-based") if round_ % 2 == 0 else ("set-based", "per row"):
            day = today + timedelta(days=100 + 10 * round_ + (label == "set-based"))
            started = time.monotonic()
            made = create_per_row(day) if label == "per row" else rules.run_rule(rule_name, today=day)["created"]
            took = time.monotonic() - started
            best[label] = max(best[label], made / took)
            print(
                f"  round {round_ + 1} {label}: {made} in {took:.2f}s ({made / took:.0f}/s), load {os.getloadavg()[0]:.1f}"
            )
    print(
        f"creation, best of {args.compare_rounds}: per row {best['per row']:.0f}/s, set-based "
        f"{best['set-based']:.0f}/s ({best['set-based'] / max(best['per row'], 1):.1f}×), "
        f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    Notification.objects.all().delete()
    if args.only_create:
        return

    # 1. throughput: one worker sends everything
    print("phase 1: one worker, no failures")
    created = run_rule(today)
    per_delivery = sender_queries_per_delivery(max(min(200, created // 10), 1))
    print(f"  sender: {per_delivery:.2f} queries per e-mail delivery (in-process sample)")
    worker = start_worker("bench1")
    started = time.monotonic()
    kick()
    wait_done()
    took = time.monotonic() - started
    worker.terminate()
    worker.wait()
    sent = len(lines(outbox_file))
    print(
        f"  worker sent {sent} e-mails in {took:.1f}s ({sent / took:.0f}/s), the other "
        f"{created - sent} in the sample above; {created} in-app copies were written by the rule"
    )

    # 2. kill -9 in the middle, restart, count
    print("phase 2: kill -9 mid-batch, restart")
    outbox_file.unlink(missing_ok=True)
    created = run_rule(today + timedelta(days=1))
    worker = start_worker("bench2")
    kick()
    while len(lines(outbox_file)) < created * args.kill_at:
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    at_kill = Counter(
        Delivery.objects.filter(notification__due=today + timedelta(days=2), channel="email").values_list(
            "status", flat=True
        )
    )
    print(f"  killed after {len(lines(outbox_file))} sent; rows then: {dict(at_kill)}")
    worker = start_worker("bench3")
    time.sleep(5.5)  # the lease of the dead worker's claim
    kick()
    kick()
    wait_done()
    worker.terminate()
    worker.wait()
    got = lines(outbox_file)
    duplicates = len(got) - len(set(got))
    db_sent = Delivery.objects.filter(
        notification__due=today + timedelta(days=2), channel="email", status="sent"
    ).count()
    print(
        f"  after restart: {db_sent} rows sent of {created}; fake server got {len(got)} messages, "
        f"{len(set(got))} distinct Message-IDs, {duplicates} repeated; "
        f"rows with more than one attempt: "
        f"{Delivery.objects.filter(notification__due=today + timedelta(days=2), attempts__gt=1).count()}"
    )
    outbox_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
