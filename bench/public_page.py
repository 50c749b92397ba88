"""Requests per second of the public consultation page on loopback, with and without the cache.

Usage (against a seeded database, e.g. ``manage.py seed_demo --members 2000 --districts 3``)::

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/public_page.py --code district-1

For each mode it starts gunicorn on 127.0.0.1 (its own process, stopped afterwards), warms the
page, then runs ``--clients`` keep-alive clients for ``--seconds`` and prints requests/second.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def hammer(port: int, path: str, seconds: float, clients: int) -> tuple[int, int]:
    ok = errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        nonlocal ok, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine_ok = mine_err = 0
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers={"Accept-Language": "zh-hans"})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    mine_ok += 1
                else:
                    mine_err += 1
            except (OSError, http.client.HTTPException):
                mine_err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            ok += mine_ok
            errors += mine_err

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, errors


def wait_up(port: int, path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not come up")


def run(mode: str, args) -> float:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "bench.settings_nocache" if mode == "no cache" else "bench.settings_bench",
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
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    path = f"/consultations/public/{args.code}/"
    try:
        wait_up(args.port, path)
        hammer(args.port, path, 1, 1)  # warm up: the cache, the templates, the connections
        ok, errors = hammer(args.port, path, args.seconds, args.clients)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    rps = ok / args.seconds
    print(f"{mode:>9}: {ok} responses in {args.seconds:.0f}s = {rps:.0f} req/s ({errors} errors)")
    return rps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", default="district-1", help="the committee code in the public URL")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8764)
    args = parser.parse_args()
    cached = run("cache", args)
    uncached = run("no cache", args)
    print(f"speed-up from the cache: {cached / uncached:.1f}x")


if __name__ == "__main__":
    main()
