"""Time the coverage report (ORM selectors) against a hand-written SQL query on the same tables.

    python bench/coverage.py [--members 5000] [--activities-per-member 10] [--invited 10] [--runs 5]

Builds its own database (``BENCH_DATABASE_URL``, default ``sqlite:///var/bench-coverage.sqlite3``):
the demo organisation from ``seed_demo``'s groups step, then a year of activities (``members ×
activities-per-member``) each inviting ``--invited`` members of its group (about 90 % held or filed,
30 % of them 三进, 80 % present). The issue's full scale is ``--members 50000`` (500,000 activities,
5,000,000 attendance rows). Prints the median time of each side, the ratio ORM/SQL, and checks that
both give the same figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
    os.environ.setdefault("DEBUG", "true")  # a development database: DEBUG is off unless asked for
    import django

    django.setup()


def _build(members: int, per_member: int, invited: int, year: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from activities.models import Activity, Attendance
    from demo import groups as demo
    from groups.models import GroupMembership

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    from django.core.management.base import OutputWrapper

    ctx = demo.DemoContext(rng=rng, members_total=members, districts=2, year=year, stdout=OutputWrapper(sys.stdout))
    started = time.monotonic()
    with transaction.atomic():
        demo.seed(ctx)
    by_group: dict[int, list[int]] = {}
    for g, m in GroupMembership.objects.active().values_list("group_id", "member_id"):
        by_group.setdefault(g, []).append(m)
    committee_of = dict(demo.ActivityGroup.objects.values_list("pk", "committee_id"))
    total = members * per_member
    weights = [len(v) for v in by_group.values()]
    group_ids = list(by_group)
    tz = timezone.get_current_timezone()
    kinds = [k for k, _ in Activity.Kind.choices if k != "three_enters"]
    six = [s for s, _ in Activity.SixItem.choices]
    batch, rows, made = [], [], 0
    Attendance.objects.all().delete()
    Activity.objects.all().delete()

    def flush():
        nonlocal batch, rows
        created = Activity.objects.bulk_create([a for a, _m in batch], batch_size=5000)
        for activity, (_a, member_ids) in zip(created, batch, strict=True):
            held = activity.state in ("held", "filed")
            for m in member_ids:
                present = held and rng.random() < 0.8
                rows.append(
                    Attendance(
                        activity_id=activity.pk,
                        member_id=m,
                        status="present" if present else "absent" if held else "invited",
                        signed_in_at=activity.starts_at if present else None,
                    )
                )
        Attendance.objects.bulk_create(rows, batch_size=10000)
        batch, rows = [], []

    with transaction.atomic():
        for g in rng.choices(group_ids, weights=weights, k=total):
            start = datetime(year, 1, 1, 9, tzinfo=tz) + timedelta(days=rng.randrange(365), hours=rng.randrange(8))
            te = rng.random() < 0.3
            state = rng.choice(["held", "filed", "filed"]) if rng.random() < 0.9 else "planned"
            activity = Activity(
                committee_id=committee_of[g],
                group_id=g,
                kind="three_enters" if te else rng.choice(kinds),
                target="community" if te else "",
                six_item=rng.choice(six) if rng.random() < 0.1 else "",
                title="bench",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                state=state,
            )
            batch.append((activity, rng.sample(by_group[g], min(invited, len(by_group[g])))))
            made += 1
            if len(batch) >= 5000:
                flush()
        flush()
        from activities.coverage import rebuild

        rebuild()  # the coverage cells of the rows loaded in bulk, as seed_demo's last step counts them
    with connection.cursor() as cursor:  # fresh statistics, as a production database would have
        cursor.execute("ANALYZE")
    print(
        f"built: {members} members, {Activity.objects.count()} activities, {Attendance.objects.count()} attendance rows "
        f"in {time.monotonic() - started:.0f}s"
    )


SQL = """
WITH covered AS (
    SELECT DISTINCT a.member_id FROM groups_attendance a JOIN groups_activity ac ON ac.id = a.activity_id
    WHERE a.status = 'present' AND ac.kind = 'three_enters' AND ac.state IN ('held', 'filed')
      AND ac.starts_at >= %(start)s AND ac.starts_at < %(end)s
),
mem AS (
    SELECT gm.group_id, COUNT(*) AS members, COUNT(c.member_id) AS covered
    FROM groups_groupmembership gm LEFT JOIN covered c ON c.member_id = gm.member_id
    WHERE gm.left_on IS NULL GROUP BY gm.group_id
),
held AS (
    SELECT group_id, COUNT(*) AS held, SUM(CASE WHEN kind = 'three_enters' THEN 1 ELSE 0 END) AS te,
           COUNT(DISTINCT NULLIF(six_item, '')) AS six
    FROM groups_activity WHERE state IN ('held', 'filed') AND starts_at >= %(start)s AND starts_at < %(end)s
      AND group_id IS NOT NULL GROUP BY group_id
)
SELECT g.id, COALESCE(mem.members, 0), COALESCE(mem.covered, 0), COALESCE(held.held, 0), COALESCE(held.te, 0),
       COALESCE(held.six, 0)
FROM groups_activitygroup g LEFT JOIN mem ON mem.group_id = g.id LEFT JOIN held ON held.group_id = g.id
WHERE g.is_active ORDER BY g.committee_id, g.name
"""

SQL_COMMITTEES = """
WITH covered AS (
    SELECT DISTINCT a.member_id FROM groups_attendance a JOIN groups_activity ac ON ac.id = a.activity_id
    WHERE a.status = 'present' AND ac.kind = 'three_enters' AND ac.state IN ('held', 'filed')
      AND ac.starts_at >= %(start)s AND ac.starts_at < %(end)s
)
SELECT c.id, COUNT(m.id), COUNT(cv.member_id)
FROM groups_committee c LEFT JOIN groups_member m ON m.committee_id = c.id AND m.status = 'active'
LEFT JOIN covered cv ON cv.member_id = m.id GROUP BY c.id, c.parent_id, c.code ORDER BY c.parent_id NULLS FIRST, c.code
"""


def _orm(period):
    from activities.selectors import activities as sel
    from groups.models import ActivityGroup, Committee

    groups = [
        (g.pk, g.member_count, g.covered_count, g.held_count, g.three_enters_held, g.six_done)
        for g in sel.groups_coverage(ActivityGroup.objects.filter(is_active=True), period)
    ]
    committees = [
        (c.pk, c.member_count, c.covered_count) for c in sel.committees_coverage(Committee.objects.all(), period)
    ]
    return groups, committees


def _sql(period):
    from django.db import connection

    start, end = period.bounds
    params = {
        "start": connection.ops.adapt_datetimefield_value(start),
        "end": connection.ops.adapt_datetimefield_value(end),
    }
    with connection.cursor() as cursor:
        cursor.execute(SQL, params)
        groups = [tuple(r) for r in cursor.fetchall()]
        cursor.execute(SQL_COMMITTEES, params)
        committees = [tuple(r) for r in cursor.fetchall()]
    return groups, committees


def _time(func, period, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = func(period)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--activities-per-member", type=int, default=10)
    parser.add_argument("--invited", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-coverage.sqlite3'}")
    if args.rebuild and url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    _setup(url)
    from django.db import connection
    from django.utils import timezone

    from activities.selectors.activities import Period
    from groups.models import Committee, Member

    year = timezone.localdate().year
    if not Committee.objects.exists() if _migrated() else True:
        _build(args.members, args.activities_per_member, args.invited, year)
    print(f"database: {connection.vendor}, {Member.objects.count()} members")
    for period in (Period(year), Period(year, 2)):
        orm_t, orm_r = _time(_orm, period, args.runs)
        sql_t, sql_r = _time(_sql, period, args.runs)
        label = f"{period.year}" + (f" Q{period.quarter}" if period.quarter else "")
        print(
            f"{label:8} ORM {orm_t * 1000:8.1f} ms   SQL {sql_t * 1000:8.1f} ms   ratio ORM/SQL {orm_t / sql_t:5.2f}   "
            f"same figures: {orm_r == sql_r}"
        )


def _migrated() -> bool:
    from django.db import connection

    return "groups_committee" in connection.introspection.table_names()


if __name__ == "__main__":
    main()
