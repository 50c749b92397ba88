"""Time the quarterly roll-up against a hand-written SQL aggregate over the same rows, and its memory.

    python bench/rollup.py [--members 2000] [--activities-per-member 10] [--invited 10] [--quarter 2]

Builds (or reuses) the database of ``bench/coverage.py`` (``BENCH_DATABASE_URL``, default
``sqlite:///var/bench-rollup.sqlite3``): the demo organisation and a year of activities with
attendance. For the committee with the most members it then runs ``rollup_execute`` for the quarter
(year to date priced, as the roll-up does) and times a hand-written SQL aggregate of the same
attendance rows per member (counts by status and activity type, year to date). Prints both times,
the ratio (issue goal ≤ 2 at 50,000 members), the peak Python memory of the roll-up (tracemalloc)
and the process's maximum resident size (goal ≤ 300 MB).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SQL = """
SELECT a.member_id, ac.kind, a.status, COUNT(*)
FROM groups_attendance a
JOIN groups_activity ac ON ac.id = a.activity_id
JOIN groups_member m ON m.id = a.member_id
WHERE m.committee_id = %(committee)s AND ac.state IN ('held', 'filed') AND a.status IN ('present', 'excused', 'absent')
  AND ac.starts_at >= %(start)s AND ac.starts_at < %(end)s
GROUP BY a.member_id, ac.kind, a.status
ORDER BY a.member_id
"""


def _queued(RollupRun, committee, year, quarter):
    """A queued run written directly (``rollup_start`` would also send a Celery message)."""
    return RollupRun.objects.create(committee=committee, year=year, quarter=quarter, status=RollupRun.Status.QUEUED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--activities-per-member", type=int, default=10)
    parser.add_argument("--invited", type=int, default=10)
    parser.add_argument("--quarter", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-rollup.sqlite3'}")
    if args.rebuild and url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    from bench import coverage

    coverage._setup(url)
    from datetime import datetime
    from datetime import time as dtime

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from assessments.models import RollupRun, RuleSet
    from assessments.rollup import quarter_bounds
    from assessments.services import rollup_execute, ruleset_create_from_preset
    from groups.models import Attendance, Committee, Member

    year = timezone.localdate().year
    if not coverage._migrated() or not Committee.objects.exists():
        coverage._build(args.members, args.activities_per_member, args.invited, year)
    committee_id = (Member.objects.values("committee_id").annotate(n=Count("pk")).order_by("-n")
                    .values_list("committee_id", flat=True)[0])
    committee = Committee.objects.get(pk=committee_id)
    if not RuleSet.objects.filter(committee=committee, year=year).exists():
        ruleset_create_from_preset(committee=committee, year=year, preset="hefei", actor=None)
    _start, end = quarter_bounds(year, args.quarter)
    tz = timezone.get_current_timezone()
    params = {"committee": committee_id,
              "start": connection.ops.adapt_datetimefield_value(datetime(year, 1, 1, tzinfo=tz)),
              "end": connection.ops.adapt_datetimefield_value(
                  datetime.combine(date.fromordinal(end.toordinal() + 1), dtime(0), tzinfo=tz))}
    members = Member.objects.filter(committee_id=committee_id).count()
    rows = Attendance.objects.filter(member__committee_id=committee_id).count()
    print(f"database: {connection.vendor}; committee {committee} with {members} members, {rows} attendance rows")

    sql_times = []
    for _ in range(3):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(SQL, params)
            cursor.fetchall()
        sql_times.append(time.perf_counter() - t)
    sql_t = min(sql_times)

    RollupRun.objects.filter(committee=committee, year=year, quarter=args.quarter).exclude(
        status=RollupRun.Status.DONE).delete()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(2):  # timed without tracing
        run = _queued(RollupRun, committee, year, args.quarter)
        t = time.perf_counter()
        rollup_execute(run_id=run.pk)
        times.append(time.perf_counter() - t)
    rollup_t = min(times)
    run = _queued(RollupRun, committee, year, args.quarter)
    tracemalloc.start()
    rollup_execute(run_id=run.pk)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Q{args.quarter} roll-up {rollup_t * 1000:9.1f} ms   SQL aggregate {sql_t * 1000:8.1f} ms   "
          f"ratio {rollup_t / sql_t:6.2f}")
    print(f"peak Python memory during the roll-up {peak:.1f} MiB (tracemalloc, separate run); "
          f"max RSS {rss:.0f} MiB (before {rss_before:.0f} MiB)")


if __name__ == "__main__":
    main()
