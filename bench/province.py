"""Does a district cost in proportion to itself, not to the province it sits in? (issue #22, item 4)

    python bench/province.py --province URL --district URL [--rounds 3] [--quarter 3] [--nightly]

``--province`` is a database seeded as a province (``seed_demo --members 200000 --districts 60 --cities 10``:
1 province, 10 cities, 60 districts, about 2,800 members each), ``--district`` one seeded with the same
district size alone (``seed_demo --members 5632 --districts 1``: a city and one district of 2,816 members).
In each it takes the district ``district-1`` and, as that district's staff, times its quarterly roll-up and its
staff pages (best of the rounds; the two databases are measured in turns, one child process each, so machine
load hits both alike). It prints, per measure, both times and the ratio province ÷ alone: about 1 when the cost
follows the district's own rows, about the ratio of the row counts if it followed the province's.

``--nightly`` also times the roll-up of every committee of each database one after another (what the nightly
job's tasks do, without Celery) and prints the time per 1,000 members: equal in both when the run is linear
in the total.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = "district-1"
STAFF = "bench-district-staff"
PAGES = [
    ("admin members", "/admin/groups/member/"),
    ("admin activities", "/admin/activities/activity/"),
    ("admin proposals", "/admin/proposals/proposal/"),
    ("ledger", "/ledger/"),
    ("overdue proposals", "/proposals/overdue/"),
    ("assessment dashboard", "/assessments/dashboard/"),
    ("proposal figures", "/proposals/figures/"),
    ("workbench", "/workbench/"),
    ("API proposals", "/api/v1/proposals/"),
    ("API activities", "/api/v1/activities/"),
]


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" * 3)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _staff(committee):
    """A secretariat login of the district itself (the demo's staff reach the whole province)."""
    from django.contrib.auth import get_user_model

    from groups.models import CommitteeStaff

    user, _ = get_user_model().objects.get_or_create(username=STAFF, defaults={"name": "基准区秘书", "is_staff": True})
    CommitteeStaff.objects.get_or_create(user=user, committee=committee, role=CommitteeStaff.Role.SECRETARIAT)
    return user


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(url: str, quarter: int, nightly: bool, repeat: int) -> dict:
    """One database's figures, in this (child) process."""
    _setup(url)
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from activities.models import Attendance
    from assessments.models import RollupRun, RuleSet
    from assessments.services import rollup_execute, ruleset_create_from_preset
    from groups.models import Committee, Member

    year = timezone.localdate().year
    district = Committee.objects.get(code=CODE)
    if not RuleSet.objects.filter(committee=district, year=year).exists():
        ruleset_create_from_preset(committee=district, year=year, preset="hefei", actor=None)

    def rollup(committee):
        RollupRun.objects.filter(committee=committee, year=year, quarter=quarter).exclude(
            status=RollupRun.Status.DONE
        ).delete()
        run = RollupRun.objects.create(committee=committee, year=year, quarter=quarter, status=RollupRun.Status.QUEUED)
        rollup_execute(run_id=run.pk)

    figures = {
        "members": Member.objects.filter(committee=district).count(),
        "attendance": Attendance.objects.filter(activity__committee=district).count(),
        "members_all": Member.objects.count(),
        "attendance_all": Attendance.objects.count(),
        "committees": Committee.objects.count(),
        "times": {},
    }
    figures["times"]["roll-up"] = _best(lambda: rollup(district), repeat)
    client = Client()
    client.force_login(_staff(district))
    for label, path in PAGES:

        def get(path=path, label=label):
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
            if response.status_code != 200:
                raise SystemExit(f"{label} {path}: HTTP {response.status_code}")

        get()  # warm: the first request compiles templates
        figures["times"][label] = _best(get, repeat)
    if nightly:
        sizes = dict(Member.objects.values_list("committee_id").annotate(n=Count("pk")))
        started = time.perf_counter()
        for committee in Committee.objects.order_by("pk"):
            if not RuleSet.objects.filter(committee=committee, year=year).exists():
                ruleset_create_from_preset(committee=committee, year=year, preset="hefei", actor=None)
            rollup(committee)
        figures["nightly"] = time.perf_counter() - started
        figures["nightly_members"] = sum(sizes.values())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", help="database URL of the province-shaped data")
    parser.add_argument("--district", help="database URL of the district alone")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="timings per measure in each round (best kept)")
    parser.add_argument("--quarter", type=int, default=3)
    parser.add_argument("--nightly", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: one database
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.quarter, args.nightly, args.repeat)))
        return
    best: dict[str, dict] = {}
    for round_ in range(args.rounds):
        for name, url in (("province", args.province), ("alone", args.district)):
            command = [sys.executable, __file__, "--measure", url, "--quarter", str(args.quarter)]
            command += ["--repeat", str(args.repeat)] + (["--nightly"] if args.nightly and round_ == 0 else [])
            out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            kept = best.setdefault(name, {**figures, "times": {}})
            for key in ("nightly", "nightly_members"):
                if key in figures:
                    kept[key] = figures[key]
            for label, seconds in figures["times"].items():
                kept["times"][label] = min(seconds, kept["times"].get(label, seconds))
    province, alone = best["province"], best["alone"]
    for name, f in best.items():
        print(
            f"{name:<9} {f['committees']:>3} committees, {f['members_all']:>7} members, "
            f"{f['attendance_all']:>9} attendance rows; district-1: {f['members']} members, "
            f"{f['attendance']} attendance rows"
        )
    print(f"{'measure (district-1 staff)':<28} {'province ms':>12} {'alone ms':>10} {'ratio':>7}")
    for label, seconds in province["times"].items():
        other = alone["times"][label]
        print(f"{label:<28} {seconds * 1000:12.1f} {other * 1000:10.1f} {seconds / other:7.2f}")
    if "nightly" in province and "nightly" in alone:
        per = [f["nightly"] / f["nightly_members"] * 1000 for f in (province, alone)]
        print(
            f"nightly roll-up of every committee: province {province['nightly']:.1f} s for "
            f"{province['nightly_members']} members ({per[0]:.2f} s per 1,000), alone {alone['nightly']:.1f} s for "
            f"{alone['nightly_members']} members ({per[1]:.2f} s per 1,000); ratio {per[0] / per[1]:.2f}"
        )
    print(
        "rows ratio (province ÷ alone): members {:.1f}, attendance {:.1f}".format(
            province["members_all"] / alone["members_all"], province["attendance_all"] / alone["attendance_all"]
        )
    )
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
