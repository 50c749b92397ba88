#!/usr/bin/env python
"""Benchmark: the notices of a plenary — N filed proposals assigned at once (交办), each telling its units' users
by in-app notice, e-mail and SMS — through one real Celery worker; counts what the fake mail server and the fake
SMS vendor received and how many of those were repeats (must be 0).

    .venv/bin/python -u bench/plenary_notices.py [--proposals 1000] [--units 40] [--users-per-unit 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cppcc_plenary_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python -u bench/plenary_notices.py

Each proposal gets a lead unit and one co-handling unit; every unit user opted in to e-mail and SMS for
"proposal assigned". The assignments go through ``proposals.services.proposal_assign`` (as staff would), which
publishes ``ProposalAssigned``; the worker runs the subscriber (``notify``) and the sender. The database name must
contain "bench" (the script empties the notification tables). Without DATABASE_URL: var/bench-plenary.sqlite3;
without REDIS_URL: the filesystem broker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-plenary.sqlite3'}")
QUEUE = f"bench-plenary-{uuid.uuid4().hex[:8]}"
os.environ["CELERY_QUEUE"] = QUEUE  # the outbox publishes to the worker's own queue
os.environ.setdefault("LOG_LEVEL", "WARNING")


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def setup_committee(args):
    """A committee with units (each with opted-in users), a staff login and N filed proposals."""
    from django.utils import timezone

    from groups.models import CommitteeStaff
    from notifications.models import Kind, NotificationSettings
    from proposals.models import Proposal
    from tests import factories as f
    from tests.proposals.factories import ProposalFactory

    tag = uuid.uuid4().hex[:6]
    committee = f.CommitteeFactory(code=f"bench-{tag}", name=f"基准政协{tag}")
    f.TermFactory(committee=committee)
    staff = f.UserFactory(username=f"bench-staff-{tag}")
    CommitteeStaff.objects.create(user=staff, committee=committee, role=CommitteeStaff.Role.SECRETARIAT)
    member = f.MemberFactory(committee=committee)
    units = []
    for u in range(args.units):
        unit = f.HandlingUnitFactory(committee=committee, name=f"承办单位{tag}-{u}")
        for k in range(args.users_per_unit):
            user = f.UserFactory(
                username=f"bench-unit-{tag}-{u}-{k}", email=f"u{u}-{k}-{tag}@example.org", phone=f"139{u:04d}{k:04d}"
            )
            NotificationSettings.objects.create(user=user, channels={Kind.PROPOSAL_ASSIGNED: ["email", "sms"]})
            unit.users.add(user)
        units.append(unit)
    now = timezone.now()
    proposals = [
        ProposalFactory.build(
            committee=committee,
            lead_proposer=member,
            year=timezone.localdate().year,
            state=Proposal.State.FILED,
            serial_number=i + 1,
            submitted_at=now,
            filed_at=now,
            during_plenary=True,
            title=f"关于第{i + 1}项民生工作的建议",
        )
        for i in range(args.proposals)
    ]
    Proposal.objects.bulk_create(proposals, batch_size=500)
    ids = list(Proposal.objects.filter(committee=committee).order_by("pk").values_list("pk", flat=True))
    return staff, [u.pk for u in units], ids


def start_worker(env) -> subprocess.Popen:
    log = ROOT / "var" / f"{QUEUE}.log"
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
            QUEUE,
            "-n",
            f"{QUEUE}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(log.read_text())
        time.sleep(0.2)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--users-per-unit", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.002, help="seconds the fake mail server / SMS vendor take")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)

    from reminders import ensure_postgres_database

    ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from core.models import EventReceipt, OutboxMessage
    from notifications.models import Delivery, Notification
    from proposals.services import proposal_assign

    assert "bench" in str(connection.settings_dict["NAME"]), "use a database whose name contains 'bench'"
    call_command("migrate", verbosity=0)
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    started = time.monotonic()
    staff, units, proposal_ids = setup_committee(args)
    print(
        f"db={connection.vendor} broker={'redis' if os.environ.get('REDIS_URL') else 'filesystem'} "
        f"proposals={len(proposal_ids)} units={len(units)} users/unit={args.users_per_unit} "
        f"(set up in {time.monotonic() - started:.1f}s)"
    )

    mail_file, sms_file = ROOT / "var" / f"{QUEUE}-mail.txt", ROOT / "var" / f"{QUEUE}-sms.txt"
    env = {
        **os.environ,
        "EMAIL_BACKEND": "tests.core.backends.SlowFileEmailBackend",
        "NOTIFY_TEST_OUTBOX": str(mail_file),
        "NOTIFICATIONS_SMS_BACKEND": "tests.core.backends.SlowFileSmsBackend",
        "NOTIFY_TEST_SMS": str(sms_file),
        "NOTIFY_TEST_DELAY": str(args.latency),
        "NOTIFICATIONS_BATCH_SIZE": "200",
    }
    worker = start_worker(env)
    expected_notices = len(proposal_ids) * 2 * args.users_per_unit
    try:
        today = timezone.localdate()
        t0 = time.monotonic()
        for i, pk in enumerate(proposal_ids):  # staff assign the plenary's proposals one after another
            lead, co = units[i % len(units)], units[(i + 1) % len(units)]
            proposal_assign(proposal_id=pk, actor=staff, lead_unit_id=lead, co_unit_ids=[co], today=today)
        assigned = time.monotonic() - t0
        print(
            f"  {len(proposal_ids)} assignments through the service in {assigned:.1f}s "
            f"({len(proposal_ids) / assigned:.0f}/s); the worker works meanwhile"
        )

        def done() -> bool:
            return (
                Notification.objects.filter(kind="proposal_assigned").count() == expected_notices
                and not Delivery.objects.exclude(channel="in_app").exclude(status="sent").exists()
            )

        deadline = time.monotonic() + args.timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.5)
        took = time.monotonic() - t0
    finally:
        worker.terminate()
        worker.wait()

    notices = Notification.objects.filter(kind="proposal_assigned").count()
    statuses = Counter(Delivery.objects.values_list("channel", "status"))
    outside = [f"mail {m}" for m in lines(mail_file)] + [f"sms {s}" for s in lines(sms_file)]
    duplicates = len(outside) - len(set(outside))
    print(f"  end to end (first assignment to last message sent): {took:.1f}s")
    print(
        f"  notices: {notices} of {expected_notices} expected, {notices / took:.0f} notices/s; "
        f"messages out (e-mail + SMS): {len(outside)} = {len(outside) / took:.0f}/s"
    )
    print(f"  deliveries by channel/status: {dict(sorted(statuses.items()))}")
    print(f"  event receipts: {EventReceipt.objects.count()}; outbox rows left: {OutboxMessage.objects.count()}")
    print(f"  duplicates at the fake mail server / SMS vendor: {duplicates}")
    mail_file.unlink(missing_ok=True)
    sms_file.unlink(missing_ok=True)
    if duplicates or notices != expected_notices:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
