"""API lists against the bare rows: each list's first page ÷ ``.values()`` + ``JsonResponse`` of the same rows.

Usage (against a seeded database, e.g. ``manage.py seed_demo --members 50000``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cppcc_scale .venv/bin/python bench/api_lists.py [--rounds 15]

In one process, through the whole middleware stack (Django's test client, DEBUG off): for each list below,
as the demo user named, it requests ``/api/v1/<list>/?page_size=100`` and, right after it, a bench-only
view that answers the same 100 rows (the viewset's own visibility and order) as ``.values()`` in a
``JsonResponse`` — the floor for "a page of these rows". Interleaved, best of ``--rounds``; prints both
times, the ratio (issue #22 goal ≤ 2) and the load average. Nothing is written to the database.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", default="", help='comma-separated lists to run, e.g. "activities as staff"')
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

    bench.urlpatterns = [path("bench/rows/<str:name>/", bare_rows), path("", include(settings.ROOT_URLCONF))]
    users = {u.username: u for u in get_user_model().objects.filter(username__in={u for u, _ in LISTS})}
    print(f"database: {connection.vendor}")
    print(f"{'list':<28}{'API ms':>9}{'bare ms':>9}{'ratio':>7}")
    with override_settings(ROOT_URLCONF="bench", SECURE_SSL_REDIRECT=False, AXES_ENABLED=False):
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        for username, name in [(u, n) for u, n in LISTS if not only or f"{n} as {u}" in only]:
            client = Client()
            client.force_login(users[username])
            api, bare = [], []
            for _ in range(args.rounds):
                for url, times in ((f"/api/v1/{name}/?page_size=100", api), (f"/bench/rows/{name}/", bare)):
                    t = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - t)
                    assert response.status_code == 200, (url, response.status_code)
            a, b = min(api), min(bare)
            print(f"{name + ' as ' + username:<28}{a * 1000:9.1f}{b * 1000:9.1f}{a / b:7.2f}")
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
