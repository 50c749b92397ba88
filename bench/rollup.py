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
Prints both times and the ratio (issue #22 goal ≤ 1.5 on PostgreSQL, ≤ 2 on SQLite with statistics), the ratio against the attendance rows alone, the ratio against the fair baseline (``FAIR_SQL``: the same priced per-member totals by hand, checked equal to the snapshots), the
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


# The fair baseline: what the roll-up must produce, per member in office, written by hand for the rule book the
# benchmark uses (合肥's preset, plus the demo's platform-work rule when the rule set has it): the quarter's
# figures, each category's points in the quarter and year to date (before and after the yearly caps), the year's
# total and grade; "from the nth occurrence" worked out from the counts (the first filed proposal 15, each next
# one 5 in 提案加分; the first adoption 10, each next 3). One conditional aggregation per source and member
# (attendance read once), reduced inside the database to one row of sums: the checksums compared with the
# roll-up's snapshots (``fair_check``), so the two compute the same figures.
FAIR_SQL = """
WITH
att AS (
  SELECT a.member_id AS m,
    SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END) AS present_y,
    SUM(CASE WHEN a.status = 'present' AND ac.starts_at >= %(qstart)s THEN 1 ELSE 0 END) AS present_q,
    SUM(CASE WHEN a.status = 'present' AND ac.kind = 'three_enters' AND ac.starts_at >= %(qstart)s THEN 1 ELSE 0 END)
      AS three_q,
    SUM(CASE WHEN a.status = 'excused' AND ac.starts_at >= %(qstart)s THEN 1 ELSE 0 END) AS excused_q,
    SUM(CASE WHEN a.status = 'absent' AND ac.starts_at >= %(qstart)s THEN 1 ELSE 0 END) AS absent_q,
    {platform_sums}
  FROM groups_attendance a JOIN groups_activity ac ON ac.id = a.activity_id
  WHERE ac.committee_id = %(committee)s AND ac.state IN ('held', 'filed') AND a.status IN ('present', 'excused', 'absent')
    AND ac.starts_at >= %(start)s AND ac.starts_at < %(end)s
  GROUP BY a.member_id
),
lead AS (
  SELECT p.lead_proposer_id AS m,
    SUM(CASE WHEN p.submitted_at >= %(qstart)s AND p.submitted_at < %(end)s THEN 1 ELSE 0 END) AS submitted_q,
    SUM(CASE WHEN p.filed_at >= %(start)s AND p.filed_at < %(end)s AND p.confirmed_cosigners = 0 THEN 1 ELSE 0 END)
      AS alone_y,
    SUM(CASE WHEN p.filed_at >= %(qstart)s AND p.filed_at < %(end)s AND p.confirmed_cosigners = 0 THEN 1 ELSE 0 END)
      AS alone_q,
    SUM(CASE WHEN p.filed_at >= %(start)s AND p.filed_at < %(end)s AND p.confirmed_cosigners > 0 THEN 1 ELSE 0 END)
      AS joint_y,
    SUM(CASE WHEN p.filed_at >= %(qstart)s AND p.filed_at < %(end)s AND p.confirmed_cosigners > 0 THEN 1 ELSE 0 END)
      AS joint_q
  FROM proposals_proposal p
  WHERE p.committee_id = %(committee)s AND p.submitted_at IS NOT NULL AND p.lead_proposer_id IS NOT NULL
    AND ((p.submitted_at >= %(start)s AND p.submitted_at < %(end)s) OR (p.filed_at >= %(start)s AND p.filed_at < %(end)s))
  GROUP BY p.lead_proposer_id
),
cosigned AS (
  SELECT c.member_id AS m,
    SUM(CASE WHEN p.submitted_at >= %(qstart)s AND p.submitted_at < %(end)s THEN 1 ELSE 0 END) AS submitted_q,
    SUM(CASE WHEN p.filed_at >= %(start)s AND p.filed_at < %(end)s THEN 1 ELSE 0 END) AS cosigned_y,
    SUM(CASE WHEN p.filed_at >= %(qstart)s AND p.filed_at < %(end)s THEN 1 ELSE 0 END) AS cosigned_q
  FROM proposals_cosigner c JOIN proposals_proposal p ON p.id = c.proposal_id
  WHERE c.status = 'confirmed' AND p.committee_id = %(committee)s AND p.submitted_at IS NOT NULL
    AND ((p.submitted_at >= %(start)s AND p.submitted_at < %(end)s) OR (p.filed_at >= %(start)s AND p.filed_at < %(end)s))
  GROUP BY c.member_id
),
report AS (
  SELECT r.id, r.author_id, r.state, r.created_at, r.updated_at FROM proposals_opinionreport r
  WHERE r.committee_id = %(committee)s
),
report_author AS (
  SELECT report.id, report.author_id AS m FROM report WHERE report.author_id IS NOT NULL
  UNION ALL
  SELECT ra.opinionreport_id, ra.member_id FROM proposals_opinionreport_co_authors ra JOIN report ON report.id = ra.opinionreport_id
),
reports AS (
  SELECT ra.m,
    SUM(CASE WHEN report.state IN ('accepted', 'compiled') AND report.created_at >= %(qstart)s
      AND report.created_at < %(end)s THEN 1 ELSE 0 END) AS submitted_q,
    SUM(CASE WHEN report.state = 'declined' AND report.updated_at >= %(start)s AND report.updated_at < %(end)s
      THEN 1 ELSE 0 END) AS declined_y,
    SUM(CASE WHEN report.state = 'declined' AND report.updated_at >= %(qstart)s AND report.updated_at < %(end)s
      THEN 1 ELSE 0 END) AS declined_q,
    0 AS adopted_y, 0 AS adopted_q, 0 AS high_y, 0 AS high_q
  FROM report_author ra JOIN report ON report.id = ra.id
  WHERE (report.created_at >= %(qstart)s AND report.created_at < %(end)s)
     OR (report.updated_at >= %(start)s AND report.updated_at < %(end)s)
  GROUP BY ra.m
  UNION ALL
  SELECT ra.m, 0, 0, 0,
    COUNT(*), SUM(CASE WHEN ad.date >= %(qstart_day)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN ad.level <> 'district' THEN 1 ELSE 0 END),
    SUM(CASE WHEN ad.level <> 'district' AND ad.date >= %(qstart_day)s THEN 1 ELSE 0 END)
  FROM proposals_adoption ad JOIN report_author ra ON ra.id = ad.report_id
  WHERE ad.date >= %(start_day)s AND ad.date <= %(end_day)s
  GROUP BY ra.m
),
plenary AS (
  SELECT pa.member_id AS m, COUNT(*) AS absent_y, SUM(CASE WHEN ps.start_date >= %(qstart_day)s THEN 1 ELSE 0 END) AS absent_q
  FROM groups_plenaryattendance pa JOIN groups_plenarysession ps ON ps.id = pa.session_id
  JOIN groups_member pm ON pm.id = pa.member_id
  WHERE pm.committee_id = %(committee)s AND pa.absent > 0 AND ps.start_date >= %(start_day)s AND ps.start_date <= %(end_day)s
  GROUP BY pa.member_id
),
consulted AS (
  SELECT ca.member_id AS m, COUNT(*) AS consulted_q
  FROM consultations_attendance ca JOIN consultations_consultationsession cs ON cs.id = ca.session_id
  JOIN groups_member cm ON cm.id = ca.member_id
  WHERE cs.committee_id = %(committee)s AND cm.committee_id = %(committee)s AND ca.status = 'present'
    AND cs.state = 'held' AND cs.starts_at >= %(qstart)s AND cs.starts_at < %(end)s
    AND NOT EXISTS (SELECT 1 FROM groups_attendance xa JOIN groups_activity xac ON xac.id = xa.activity_id
      WHERE xa.activity_id = cs.activity_id AND xa.member_id = ca.member_id AND xac.committee_id = %(committee)s
        AND xac.state IN ('held', 'filed') AND xa.status IN ('present', 'excused', 'absent'))
  GROUP BY ca.member_id
),
counted AS (
  SELECT m, present_y, present_q, three_q, excused_q, absent_q, platform_y, platform_q,
    0 AS submitted_q, 0 AS alone_y, 0 AS alone_q, 0 AS joint_y, 0 AS joint_q, 0 AS cosigned_y, 0 AS cosigned_q,
    0 AS reported_q, 0 AS declined_y, 0 AS declined_q, 0 AS adopted_y, 0 AS adopted_q, 0 AS high_y, 0 AS high_q,
    0 AS plenary_y, 0 AS plenary_q, 0 AS consulted_q FROM att
  UNION ALL SELECT m, 0, 0, 0, 0, 0, 0, 0, submitted_q, alone_y, alone_q, joint_y, joint_q, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM lead
  UNION ALL SELECT m, 0, 0, 0, 0, 0, 0, 0, submitted_q, 0, 0, 0, 0, cosigned_y, cosigned_q,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM cosigned
  UNION ALL SELECT m, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    submitted_q, declined_y, declined_q, adopted_y, adopted_q, high_y, high_q, 0, 0, 0 FROM reports
  UNION ALL SELECT m, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, absent_y, absent_q, 0 FROM plenary
  UNION ALL SELECT m, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, consulted_q FROM consulted
),
per_member AS (
  SELECT m, SUM(present_y) AS present_y, SUM(present_q) AS present_q, SUM(three_q) AS three_q,
    SUM(excused_q) AS excused_q, SUM(absent_q) AS absent_q, SUM(platform_y) AS platform_y, SUM(platform_q) AS platform_q,
    SUM(submitted_q) AS submitted_q, SUM(alone_y) AS alone_y, SUM(alone_q) AS alone_q, SUM(joint_y) AS joint_y,
    SUM(joint_q) AS joint_q, SUM(cosigned_y) AS cosigned_y, SUM(cosigned_q) AS cosigned_q,
    SUM(reported_q) AS reported_q, SUM(declined_y) AS declined_y, SUM(declined_q) AS declined_q,
    SUM(adopted_y) AS adopted_y, SUM(adopted_q) AS adopted_q, SUM(high_y) AS high_y, SUM(high_q) AS high_q,
    SUM(plenary_y) AS plenary_y, SUM(plenary_q) AS plenary_q, SUM(consulted_q) AS consulted_q
  FROM counted GROUP BY m
),
cents AS (  -- per member in office: each category's cents, year to date (before the cap) and in the quarter
  SELECT mem.id AS m, COALESCE(c.present_q, 0) AS present_q, COALESCE(c.three_q, 0) AS three_q,
    COALESCE(c.excused_q, 0) AS excused_q, COALESCE(c.absent_q, 0) AS absent_q,
    COALESCE(c.submitted_q, 0) AS submitted_q, COALESCE(c.reported_q, 0) AS reported_q,
    COALESCE(c.consulted_q, 0) AS consulted_q,
    750 * COALESCE(c.present_y, 0) AS activity_y, 750 * COALESCE(c.present_q, 0) AS activity_q,
    {platform_price} * COALESCE(c.platform_y, 0) AS platform_y, {platform_price} * COALESCE(c.platform_q, 0) AS platform_q,
    CASE WHEN c.alone_y > 0 THEN 1500 ELSE 0 END + 1000 * COALESCE(c.joint_y, 0) + 500 * COALESCE(c.cosigned_y, 0)
      AS proposal_y,
    CASE WHEN c.alone_q > 0 AND c.alone_q = c.alone_y THEN 1500 ELSE 0 END + 1000 * COALESCE(c.joint_q, 0)
      + 500 * COALESCE(c.cosigned_q, 0) AS proposal_q,
    CASE WHEN c.alone_y > 1 THEN 500 * (c.alone_y - 1) ELSE 0 END AS extra_y,
    CASE WHEN c.alone_q > 0 AND c.alone_q = c.alone_y THEN 500 * (c.alone_q - 1) ELSE 500 * COALESCE(c.alone_q, 0) END
      AS extra_q,
    CASE WHEN c.adopted_y > 0 THEN 1000 + 300 * (c.adopted_y - 1) ELSE 0 END + 100 * COALESCE(c.declined_y, 0) AS report_y,
    CASE WHEN c.adopted_q > 0 AND c.adopted_q = c.adopted_y THEN 1000 + 300 * (c.adopted_q - 1)
      ELSE 300 * COALESCE(c.adopted_q, 0) END + 100 * COALESCE(c.declined_q, 0) AS report_q,
    600 * COALESCE(c.high_y, 0) AS high_y, 600 * COALESCE(c.high_q, 0) AS high_q,
    -1000 * COALESCE(c.plenary_y, 0) AS discipline_y, -1000 * COALESCE(c.plenary_q, 0) AS discipline_q
  FROM groups_member mem LEFT JOIN per_member c ON c.m = mem.id
  WHERE mem.committee_id = %(committee)s AND mem.status = 'active'
),
scored AS (
  SELECT cents.*,
    activity_q + platform_q + proposal_q + extra_q + report_q + high_q + discipline_q AS points_q,
    8500 + CASE WHEN activity_y > 3000 THEN 3000 ELSE activity_y END + platform_y + proposal_y
      + CASE WHEN extra_y > 2000 THEN 2000 ELSE extra_y END + CASE WHEN report_y > 2000 THEN 2000 ELSE report_y END
      + high_y + discipline_y AS total
  FROM cents
)
SELECT COUNT(*), SUM(points_q), SUM(total),
  SUM(CASE WHEN total >= {top} THEN 1 ELSE 0 END), SUM(CASE WHEN total >= {middle} AND total < {top} THEN 1 ELSE 0 END),
  SUM(present_q), SUM(excused_q), SUM(absent_q), SUM(three_q), SUM(submitted_q), SUM(reported_q), SUM(consulted_q),
  SUM(activity_q), SUM(activity_y), SUM(platform_q), SUM(platform_y), SUM(proposal_q), SUM(proposal_y),
  SUM(extra_q), SUM(extra_y), SUM(report_q), SUM(report_y), SUM(high_q), SUM(high_y), SUM(discipline_q),
  SUM(discipline_y)
FROM scored
"""
FAIR_CATEGORIES = ["活动", "平台履职", "提案", "提案加分", "社情民意", "市级以上采用", "纪律"]


def _normal(book) -> tuple:
    """A rule book as comparable data (rule order and Decimal spelling aside)."""
    from decimal import Decimal

    def d(x):
        return None if x is None else Decimal(x).normalize()

    rules = sorted(
        (str(r.kind), d(r.points), r.nth_from, r.per_unit, str(r.share), r.category, r.adds, d(r.rounding))
        for r in book.rules
    )
    caps = sorted((k, d(v)) for k, v in book.caps.items())
    return (rules, d(book.base), d(book.bonus_cap), caps, sorted(book.minimums.items()), d(book.repeat_below))


def _grade_lines(book) -> dict[str, int] | None:
    """The 优秀 and 称职 bands' lower lines in cents (``FAIR_SQL``'s grade counts), or None for other bands: the
    baseline holds for 合肥's example lines as a committee set them (85 / 60 before 7 December 2026, 125 / 85 since)."""
    bands = {b.label: b for b in book.bands}
    top, middle = bands.get("优秀"), bands.get("称职")
    if len(bands) != 3 or top is None or middle is None or top.max_score is not None:
        return None
    if middle.max_score != top.min_score or top.min_score is None or middle.min_score is None:
        return None
    return {"top": int(top.min_score * 100), "middle": int(middle.min_score * 100)}


def fair_sql(book) -> str | None:
    """``FAIR_SQL`` for the rule book, or None when it is not the one the fair baseline was written for."""
    from dataclasses import replace
    from decimal import Decimal

    from assessments.kinds import EventKind
    from assessments.presets import HEFEI
    from assessments.scoring import Rule

    platform = Rule(kind=EventKind.PLATFORM_WORK, points=Decimal(2), category="平台履职")
    lines = _grade_lines(book)
    if lines is None:
        return None
    if _normal(book) == _normal(HEFEI):
        return FAIR_SQL.format(platform_sums="0 AS platform_y, 0 AS platform_q", platform_price=0, **lines)
    if _normal(book) == _normal(replace(HEFEI, rules=(*HEFEI.rules, platform))):
        present = "a.status = 'present' AND ac.platform_id IS NOT NULL"
        sums = (
            f"SUM(CASE WHEN {present} THEN 1 ELSE 0 END) AS platform_y, "
            f"SUM(CASE WHEN {present} AND ac.starts_at >= %(qstart)s THEN 1 ELSE 0 END) AS platform_q"
        )
        return FAIR_SQL.format(platform_sums=sums, platform_price=200, **lines)
    return None


def snapshot_sums(run) -> tuple:
    """``FAIR_SQL``'s row, computed from the run's member snapshots (cents as integers)."""
    from decimal import Decimal

    from assessments.models import MemberSnapshot

    rows = list(MemberSnapshot.objects.filter(run=run))

    def cents(value) -> int:
        return int(round(Decimal(str(value)) * 100))

    per_category = []
    for name in FAIR_CATEGORIES:
        per_category += [
            sum(cents(r.points_by_category.get(name, 0)) for r in rows),
            sum(cents(r.ytd_points_by_category.get(name, 0)) for r in rows),
        ]
    figures = ["activities_present", "activities_excused", "activities_absent", "three_enters", "proposals"]
    return (
        len(rows),
        sum(cents(r.points) for r in rows),
        sum(cents(r.ytd_total) for r in rows),
        sum(r.ytd_grade == "优秀" for r in rows),
        sum(r.ytd_grade == "称职" for r in rows),
        *[sum(getattr(r, f) for r in rows) for f in (*figures, "reports", "consultations")],
        *per_category,
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
        "qstart": connection.ops.adapt_datetimefield_value(datetime.combine(_start, dtime(0), tzinfo=tz)),
        "qstart_day": adapt_day(_start),
    }
    members = Member.objects.filter(committee_id=committee_id).count()
    rows = Attendance.objects.filter(activity__committee_id=committee_id).count()
    if connection.vendor == "sqlite":  # statistics, as seed_demo and the nightly job leave them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {connection.vendor}; committee {committee} with {members} members, {rows} attendance rows")

    def aggregate(sql, reduced=False):
        t, cpu = time.perf_counter(), time.process_time()
        with connection.cursor() as cursor:
            cursor.execute(sql if reduced else in_database(sql), params)
            row = cursor.fetchone()
        aggregate.row, aggregate.cpu = row, time.process_time() - cpu
        return time.perf_counter() - t

    from assessments.rollup import book_for

    fair = fair_sql(book_for(committee_id, year))
    if fair is None:
        print("fair baseline: not written for this committee's rule book (合肥, with or without platform work)")

    RollupRun.objects.filter(committee=committee, year=year, quarter=args.quarter).exclude(
        status=RollupRun.Status.DONE
    ).delete()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sql_times, attendance_times, fair_times, times = [], [], [], []
    fair_cpu, cpu = [], []  # process CPU: on SQLite the database's work too, whatever else loads the machine
    for _ in range(args.repeat):  # interleaved, so load from elsewhere hits both alike; best of each
        sql_times.append(aggregate(SQL))
        attendance_times.append(aggregate(ATTENDANCE_SQL))
        if fair is not None:
            fair_times.append(aggregate(fair, reduced=True))
            fair_row = tuple(int(x or 0) for x in aggregate.row)
            fair_cpu.append(aggregate.cpu)
        run = _queued(RollupRun, committee, year, args.quarter)
        t, started = time.perf_counter(), time.process_time()
        rollup_execute(run_id=run.pk)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - started)
    sql_t, attendance_t, rollup_t = min(sql_times), min(attendance_times), min(times)
    if fair is not None:
        expected = snapshot_sums(run)
        if fair_row != expected:
            raise SystemExit(f"the fair baseline does not compute the roll-up's figures:\n{fair_row}\n{expected}")
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
    if fair is not None:
        fair_t = min(fair_times)
        print(
            f"fair baseline (the same priced per-member totals, figures and grades, by hand; checked equal) "
            f"{fair_t * 1000:.1f} ms, ratio {rollup_t / fair_t:.2f}"
        )
        if connection.vendor == "sqlite":
            print(
                f"process CPU, best of {args.repeat}: roll-up {min(cpu) * 1000:.1f} ms, fair baseline "
                f"{min(fair_cpu) * 1000:.1f} ms, ratio {min(cpu) / min(fair_cpu):.2f}"
            )
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"peak Python memory during the roll-up {peak:.1f} MiB (tracemalloc, separate run); "
        f"max RSS {rss:.0f} MiB (before {rss_before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
