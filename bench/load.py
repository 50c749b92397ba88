"""A bounded loopback load test of the member pages and the API: throughput, p95 latency, error rate.

Usage (against a seeded database, e.g. ``manage.py seed_demo --members 50000``; docs/operations.md)::

    DATABASE_URL=postgres://cppcc:cppcc@127.0.0.1:5432/cppcc_bench .venv/bin/python bench/load.py --workers 4

It starts gunicorn on 127.0.0.1 with ``--workers`` processes (stopped afterwards), logs the demo
``member`` in through the login page (session cookie) and through the token endpoint (API), then runs
``--clients`` keep-alive clients for ``--seconds`` over the paths below, round robin.
Only 127.0.0.1 is ever contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_page import ROOT, wait_up  # noqa: E402

PAGES = ["/me/", "/me/activities/", "/proposals/mine/", "/assessments/record/", "/notifications/"]
API = ["/api/v1/activities/", "/api/v1/proposals/", "/api/v1/notifications/", "/api/v1/auth/me/"]


def session_cookie(port: int, username: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    body = response.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = f"csrfmiddlewaretoken={token}&username={username}&password={password}"
    conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
    if response.status != 302 or not session:
        raise RuntimeError(f"log-in failed: {response.status}")
    return f"csrftoken={csrf}; sessionid={session.group(1)}"


def api_token(port: int, username: str, password: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        "/api/v1/auth/token/",
        body=json.dumps({"username": username, "password": password}),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(conn.getresponse().read())["token"]


def hammer(port: int, paths: list[str], headers: dict, seconds: float, clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(offset: int):
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad, i = [], 0, offset
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                (mine.append(time.perf_counter() - started) if response.status == 200 else None)
                bad += response.status != 200
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def report(name: str, latencies: list[float], errors: int, seconds: float) -> None:
    total = len(latencies) + errors
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) >= 20 else float("nan")
    print(
        f"{name:>6}: {len(latencies) / seconds:6.1f} req/s, p95 {p95:6.1f} ms, "
        f"errors {errors}/{total} ({100 * errors / max(total, 1):.2f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--user", default="member")
    parser.add_argument("--password", default="demo-pass-2026")
    args = parser.parse_args()
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
            str(args.workers),
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
        cookie = session_cookie(args.port, args.user, args.password)
        token = api_token(args.port, args.user, args.password)
        print(f"gunicorn workers: {args.workers}, clients: {args.clients}, {args.seconds:.0f} s each")
        for name, paths, headers in (
            ("pages", PAGES, {"Cookie": cookie}),
            ("api", API, {"Authorization": f"Token {token}"}),
        ):
            hammer(args.port, paths, headers, 1, 1)  # warm up
            latencies, errors = hammer(args.port, paths, headers, args.seconds, args.clients)
            report(name, latencies, errors, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
