"""API lists against the bare rows: each list's first page ÷ ``.values()`` + ``JsonResponse`` of the same rows.

Usage (against a seeded database, e.g. ``manage.py seed_demo --members 50000``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cppcc_scale .venv/bin/python bench/api_lists.py [--rounds 15]

In one process, through the whole middleware stack (Django's test client, DEBUG off): for each list below,
as the demo user named, it requests ``/api/v1/<list>/?page_size=100`` and, right after it, a bench-only
view that answers the same 100 rows (the viewset's own visibility and order) as ``.values()`` in a
``JsonResponse`` — the floor for "a page of these rows". Interleaved, best of ``--rounds``; prints both
times, the ratio (issue #22 goal ≤ 2) and the load average. ``--serializer`` adds a third turn: the same list
through its serializer (``core.api_values.ValuesListMixin.list_from_values`` off), the list as it was before the
values path. Nothing is written to the database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LISTS = [  # (user, list, the model and visibility the bare rows come from)
    ("member", "proposals"),
    ("staff", "proposals"),
    ("staff", "activities"),
    ("member", "activities"),
    ("member", "notifications"),
]


def bare_rows(request, name: str):
    from django.http import JsonResponse

    from activities.models import Activity
    from notifications.models import Notification
    from proposals.models import Proposal

    user = request.user
    rows = {
        "proposals": lambda: Proposal.objects.visible_to(user).order_by("-year", "serial_number", "pk"),
        "activities": lambda: Activity.objects.visible_to(user).order_by("-starts_at", "-id"),
        "notifications": lambda: Notification.objects.for_user(user).order_by("-created_at", "-id"),
    }[name]()
    return JsonResponse({"results": list(rows.values()[:100])})


def _cpu(since: tuple[float, int | None, int] | None = None):
    """CPU seconds of this process and of its PostgreSQL backend (``/proc``, same host): taken now, or (Python,
    backend) since ``since``. Unlike wall time, it hardly grows with the other processes' load."""
    from django.db import connection

    ticks, pid = 0, None
    if connection.vendor == "postgresql" and connection.connection is not None:
        pid = connection.connection.get_backend_pid()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(stat[11]) + int(stat[12])  # utime, stime
        except OSError:
            pid = None
    now = (time.process_time(), pid, ticks)
    if since is None:
        return now
    backend = (ticks - since[2]) / os.sysconf("SC_CLK_TCK") if pid is not None and pid == since[1] else 0.0
    return now[0] - since[0], backend


def _figures(times: list[float]) -> list[str]:
    """API, bare, ratio[, serializer, ratio] as printed."""
    api, bare, *serializer = times
    return [f"{api * 1000:.1f}", f"{bare * 1000:.1f}", f"{api / bare:.2f}"] + [
        x for s in serializer for x in (f"{s * 1000:.1f}", f"{s / bare:.2f}")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", default="", help='comma-separated lists to run, e.g. "activities as staff"')
    parser.add_argument(
        "--serializer",
        action="store_true",
        help="also time each list through its serializer (core.api_values off), interleaved with the other two",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="also the mean CPU time per request (this process and its PostgreSQL backend), less sensitive to load",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" * 3)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import include, path

    import bench

    try:
        from core.api_values import ValuesListMixin
    except ImportError:  # the code before the values path, run from a copy
        ValuesListMixin = None  # noqa: N806

    bench.urlpatterns = [path("bench/rows/<str:name>/", bare_rows), path("", include(settings.ROOT_URLCONF))]
    users = {u.username: u for u in get_user_model().objects.filter(username__in={u for u, _ in LISTS})}
    print(f"database: {connection.vendor}")
    columns = ["API ms", "bare ms", "ratio"] + ["serializer ms", "ratio"] * args.serializer
    columns += ["API CPU", "bare CPU", "ratio"] + ["serializer CPU", "ratio"] * args.serializer if args.cpu else []
    print(f"{'list':<28}" + "".join(f"{c:>{max(9, len(c) + 2)}}" for c in columns))
    with override_settings(ROOT_URLCONF="bench", SECURE_SSL_REDIRECT=False, AXES_ENABLED=False):
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        for username, name in [(u, n) for u, n in LISTS if not only or f"{n} as {u}" in only]:
            client = Client()
            client.force_login(users[username])
            turns = [(True, f"/api/v1/{name}/?page_size=100"), (True, f"/bench/rows/{name}/")]
            if args.serializer:
                turns.append((False, f"/api/v1/{name}/?page_size=100"))
            wall: list[list[float]] = [[] for _ in turns]
            cpu: list[list[tuple[float, float]]] = [[] for _ in turns]
            for _ in range(args.rounds):
                for (from_values, url), walls, cpus in zip(turns, wall, cpu, strict=True):
                    if ValuesListMixin is not None:
                        ValuesListMixin.list_from_values = from_values
                    before = _cpu()
                    t = time.perf_counter()
                    response = client.get(url)
                    walls.append(time.perf_counter() - t)
                    cpus.append(_cpu(before))
                    assert response.status_code == 200, (url, response.status_code)
            if ValuesListMixin is not None:
                ValuesListMixin.list_from_values = True
            figures = _figures([min(w) for w in wall])
            split = ""
            if args.cpu:  # the backend's share is sampled in clock ticks: noisy below a few dozen rounds
                python = [sum(p for p, _ in c) / len(c) for c in cpu]
                figures += _figures([p + sum(b for _, b in c) / len(c) for p, c in zip(python, cpu, strict=True)])
                split = "  (Python CPU alone: " + " ".join(_figures(python)) + ")"
            print(
                f"{name + ' as ' + username:<28}"
                + "".join(f"{f:>{max(9, len(c) + 2)}}" for f, c in zip(figures, columns, strict=True))
                + split
            )
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
