"""Time the quarterly roll-up against a hand-written SQL aggregate over the same rows, and its memory.

    python bench/rollup.py [--members 2000] [--activities-per-member 10] [--invited 10] [--quarter 2]

Builds (or reuses) the database of ``bench/coverage.py`` (``BENCH_DATABASE_URL``, default
``sqlite:///var/bench-rollup.sqlite3``): the demo organisation and a year of activities with
attendance; point it at a database made by ``seed_demo --members 50000`` for the scaled demo. For the
committee with the most members it runs ``rollup_execute`` for the quarter (priced year to date, as
the roll-up does), interleaved with a hand-written SQL aggregate over the same rows (counts per
member by kind and status of every source the roll-up reads: attendance, proposals and co-signers,
reports, co-authors, adoptions and instructions, plenary attendance, consultation attendance; year
to date), best of ``--repeat``.
Prints both times and the ratio (issue #22 goal ≤ 1.5 on PostgreSQL, ≤ 2 on SQLite with statistics), the ratio against the attendance rows alone, the
peak Python memory of the roll-up (tracemalloc) and the process's maximum resident size (goal ≤ 300 MB).
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

ATTENDANCE_SQL = """
SELECT a.member_id, ac.kind, a.status, COUNT(*)
FROM groups_attendance a
JOIN groups_activity ac ON ac.id = a.activity_id
WHERE ac.committee_id = %(committee)s AND ac.state IN ('held', 'filed') AND a.status IN ('present', 'excused', 'absent')
  AND ac.starts_at >= %(start)s AND ac.starts_at < %(end)s
GROUP BY a.member_id, ac.kind, a.status
"""
# The same, plus every other source the roll-up reads (proposals and co-signers, reports and their
# co-authors, adoptions and instructions, plenary attendance, consultation attendance): "the same
# rows" for the ratio.
SQL = (
    ATTENDANCE_SQL
    + """
UNION ALL
SELECT p.lead_proposer_id, 'proposal', p.state, COUNT(*) FROM proposals_proposal p
WHERE p.committee_id = %(committee)s AND p.submitted_at >= %(start)s AND p.submitted_at < %(end)s
GROUP BY p.lead_proposer_id, p.state
UNION ALL
SELECT c.member_id, 'cosigner', c.status, COUNT(*) FROM proposals_cosigner c
JOIN proposals_proposal p ON p.id = c.proposal_id
WHERE p.committee_id = %(committee)s AND p.submitted_at >= %(start)s AND p.submitted_at < %(end)s
GROUP BY c.member_id, c.status
UNION ALL
SELECT r.author_id, 'report', r.state, COUNT(*) FROM proposals_opinionreport r
WHERE r.committee_id = %(committee)s AND r.created_at >= %(start)s AND r.created_at < %(end)s
GROUP BY r.author_id, r.state
UNION ALL
SELECT ra.member_id, 'coauthor', '', COUNT(*) FROM proposals_opinionreport_co_authors ra
JOIN proposals_opinionreport r ON r.id = ra.opinionreport_id
WHERE r.committee_id = %(committee)s AND r.created_at >= %(start)s AND r.created_at < %(end)s
GROUP BY ra.member_id
UNION ALL
SELECT r.author_id, 'adoption', ad.level, COUNT(*) FROM proposals_adoption ad
JOIN proposals_opinionreport r ON r.id = ad.report_id
WHERE r.committee_id = %(committee)s AND ad.date >= %(start_day)s AND ad.date <= %(end_day)s
GROUP BY r.author_id, ad.level
UNION ALL
SELECT r.author_id, 'instruction', i.level, COUNT(*) FROM proposals_instruction i
JOIN proposals_opinionreport r ON r.id = i.report_id
WHERE r.committee_id = %(committee)s AND i.date >= %(start_day)s AND i.date <= %(end_day)s
GROUP BY r.author_id, i.level
UNION ALL
SELECT pa.member_id, 'plenary', '', SUM(pa.present) + SUM(pa.excused) + SUM(pa.absent) FROM groups_plenaryattendance pa
JOIN groups_plenarysession ps ON ps.id = pa.session_id
JOIN groups_member m ON m.id = pa.member_id
WHERE m.committee_id = %(committee)s AND ps.start_date >= %(start_day)s AND ps.start_date <= %(end_day)s
GROUP BY pa.member_id
UNION ALL
SELECT ca.member_id, 'consultation', ca.status, COUNT(*) FROM consultations_attendance ca
JOIN consultations_consultationsession cs ON cs.id = ca.session_id
WHERE cs.committee_id = %(committee)s AND cs.starts_at >= %(start)s AND cs.starts_at < %(end)s
GROUP BY ca.member_id, ca.status
"""
)


def in_database(sql: str) -> str:
    """The aggregate computed inside the database and reduced there to one row: what is timed is the
    database's work, not the transfer of ~300k grouped rows into Python (which flattered the ratio)."""
    return f"SELECT COUNT(*), SUM(n) FROM ({sql.replace('COUNT(*)', 'COUNT(*) AS n', 1)}) AS agg"


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
    parser.add_argument("--repeat", type=int, default=5)
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

    from activities.models import Attendance
    from assessments.models import RollupRun, RuleSet
    from assessments.rollup import quarter_bounds
    from assessments.services import rollup_execute, ruleset_create_from_preset
    from groups.models import Committee, Member

    year = timezone.localdate().year
    if coverage._migrated():  # a database built earlier: bring its schema up to the code's
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    if not coverage._migrated() or not Committee.objects.exists():
        coverage._build(args.members, args.activities_per_member, args.invited, year)
    committee_id = (
        Member.objects.values("committee_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("committee_id", flat=True)[0]
    )
    committee = Committee.objects.get(pk=committee_id)
    if not RuleSet.objects.filter(committee=committee, year=year).exists():
        ruleset_create_from_preset(committee=committee, year=year, preset="hefei", actor=None)
    _start, end = quarter_bounds(year, args.quarter)
    tz = timezone.get_current_timezone()
    adapt_day = connection.ops.adapt_datefield_value
    params = {
        "committee": committee_id,
        "start": connection.ops.adapt_datetimefield_value(datetime(year, 1, 1, tzinfo=tz)),
        "end": connection.ops.adapt_datetimefield_value(
            datetime.combine(date.fromordinal(end.toordinal() + 1), dtime(0), tzinfo=tz)
        ),
        "start_day": adapt_day(date(year, 1, 1)),
        "end_day": adapt_day(end),
    }
    members = Member.objects.filter(committee_id=committee_id).count()
    rows = Attendance.objects.filter(activity__committee_id=committee_id).count()
    if connection.vendor == "sqlite":  # statistics, as seed_demo and the nightly job leave them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {connection.vendor}; committee {committee} with {members} members, {rows} attendance rows")

    def aggregate(sql):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(in_database(sql), params)
            cursor.fetchone()
        return time.perf_counter() - t

    RollupRun.objects.filter(committee=committee, year=year, quarter=args.quarter).exclude(
        status=RollupRun.Status.DONE
    ).delete()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sql_times, attendance_times, times = [], [], []
    for _ in range(args.repeat):  # interleaved, so load from elsewhere hits both alike; best of each
        sql_times.append(aggregate(SQL))
        attendance_times.append(aggregate(ATTENDANCE_SQL))
        run = _queued(RollupRun, committee, year, args.quarter)
        t = time.perf_counter()
        rollup_execute(run_id=run.pk)
        times.append(time.perf_counter() - t)
    sql_t, attendance_t, rollup_t = min(sql_times), min(attendance_times), min(times)
    run = _queued(RollupRun, committee, year, args.quarter)
    tracemalloc.start()
    rollup_execute(run_id=run.pk)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Q{args.quarter} roll-up {rollup_t * 1000:9.1f} ms   SQL aggregate of every source {sql_t * 1000:8.1f} ms   "
        f"ratio {rollup_t / sql_t:6.2f}   (attendance only {attendance_t * 1000:.1f} ms, "
        f"ratio {rollup_t / attendance_t:.2f})"
    )
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"peak Python memory during the roll-up {peak:.1f} MiB (tracemalloc, separate run); "
        f"max RSS {rss:.0f} MiB (before {rss_before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
