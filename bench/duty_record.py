"""Latency of the duty-record page 我的履职档案 and the other heavy pages at scale, as ratios.

Usage (against a seeded database, e.g. ``manage.py seed_demo --members 50000``)::

    DATABASE_URL=postgres://cppcc:cppcc@127.0.0.1:5432/cppcc_scale .venv/bin/python bench/duty_record.py

It starts gunicorn on 127.0.0.1 with one worker (stopped afterwards), logs in the demo users through
the login page, and for each page below makes ``--rounds`` sequential requests, each right after a
request of the same user's minimal page (the notification settings: one form, a few queries), so both
see the same machine load. It prints each page's median and p95 and the ratio of the medians
page / minimal page, all measured in this one run. Only 127.0.0.1 is contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import session_cookie  # noqa: E402
from public_page import ROOT, wait_up  # noqa: E402

MINIMAL = "/notifications/settings/"


def pages(year: int) -> list[tuple[str, str, str]]:
    """(user, label, path): the ids come from the database the server reads."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
    os.environ.setdefault("DEBUG", "true")  # a development database: DEBUG is off unless asked for
    import django

    django.setup()
    from groups.models import GroupMembership, Member

    member = Member.objects.get(user__username="member")
    group_id = GroupMembership.objects.filter(member=member).order_by("pk").values_list("group_id", flat=True)[0]
    return [
        ("member", "duty record (my record)", f"/assessments/record/?year={year}"),
        ("member", "duty record, last year", f"/assessments/record/?year={year - 1}"),
        ("member", "my page", "/me/"),
        ("member", "my activities", "/me/activities/"),
        ("member", "my proposals", "/proposals/mine/"),
        ("convener", "group page", f"/groups/{group_id}/"),
        ("convener", "group activities", f"/groups/{group_id}/activities/"),
        ("leader", "leader dashboard", "/dashboard/"),
        ("leader", "assessment dashboard", "/assessments/dashboard/"),
        ("staff", "admin members", "/admin/groups/member/"),
        ("staff", "admin activities", "/admin/activities/activity/"),
        ("staff", "admin proposals", "/admin/proposals/proposal/"),
        ("staff", "overdue proposals", "/proposals/overdue/"),
        ("staff", "admin attendance", "/admin/activities/attendance/"),
        ("staff", "ledger", "/ledger/"),
    ]


def timed(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[float, int]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
    response = conn.getresponse()
    response.read()
    return time.perf_counter() - started, response.status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--year", type=int, default=time.localtime().tm_year)
    parser.add_argument("--only", default="", help="only pages whose label contains one of these (comma-separated)")
    args = parser.parse_args()
    todo = [p for p in pages(args.year) if any(part in p[1] for part in args.only.split(","))]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" * 3,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "AXES_FAILURE_LIMIT": "1000",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cppcc_portal.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            "1",
            "--timeout",
            "120",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_up(args.port, "/accounts/login/")
        cookies = {user: session_cookie(args.port, user, args.password) for user in {p[0] for p in todo}}
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        print(f"gunicorn 1 worker, {args.rounds} rounds; minimal page {MINIMAL}; medians and p95 in ms")
        print(
            f"{'page':<28} {'user':<9} {'status':>6} {'median':>8} {'p95':>8} {'minimal':>8} {'ratio':>7} "
            f"{'best':>7} {'min.best':>8} {'ratio':>6} {'load':>5}"
        )
        for user, label, path in todo:
            for _ in range(2):  # warm up both
                timed(conn, MINIMAL, cookies[user])
                timed(conn, path, cookies[user])
            base, page, statuses = [], [], set()
            for _ in range(args.rounds):
                base.append(timed(conn, MINIMAL, cookies[user])[0])
                elapsed, status = timed(conn, path, cookies[user])
                page.append(elapsed)
                statuses.add(status)
            p95 = statistics.quantiles(page, n=20)[-1] if len(page) >= 2 else page[0]
            b, m = statistics.median(base), statistics.median(page)
            print(
                f"{label:<28} {user:<9} {','.join(map(str, sorted(statuses))):>6} {m * 1000:8.1f} {p95 * 1000:8.1f} "
                f"{b * 1000:8.1f} {m / b:7.1f} {min(page) * 1000:7.1f} {min(base) * 1000:8.1f} "
                f"{min(page) / min(base):6.1f} {os.getloadavg()[0]:5.1f}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
