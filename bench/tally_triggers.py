"""Time bulk writes through the kept counts' triggers, main's functions (before activities 0014, groups 0031,
proposals 0033) against the race-free ones, in turns on the same rows.

    BENCH_DATABASE_URL=postgres://cppcc:cppcc@127.0.0.1:5432/<a copy of cppcc_scale migrated to this branch> \\
        python bench/tally_triggers.py [--rows 2000] [--turns 5]

Each measure runs in a transaction that first installs one variant's trigger functions (``CREATE OR REPLACE``, from
the migrations' own SQL), times the bulk statement and rolls back: the database is left as it was, and both variants
write the same rows. The table checks are the branch's (``>= 0``), which main's functions satisfy too. Prints the
median of each variant per workload and the ratio after ÷ before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKLOADS = {  # name -> the bulk statement (``{n}``: the rows written)
    "unfile activities (filed tally, per row)": "UPDATE groups_activity SET state = 'held' WHERE id IN "
    "(SELECT id FROM groups_activity WHERE state = 'filed' AND group_id IS NOT NULL ORDER BY id LIMIT {n})",
    "members leave office (member tally, per row)": "UPDATE groups_member SET status = 'left' WHERE id IN "
    "(SELECT id FROM groups_member WHERE status = 'active' ORDER BY id LIMIT {n})",
    "assignments closed (deadline tally, per row)": "UPDATE proposals_assignment SET is_active = false WHERE id IN "
    "(SELECT id FROM proposals_assignment WHERE is_active ORDER BY id LIMIT {n})",
    "attendance marked present (activity counts, per statement)": "UPDATE groups_attendance SET status = 'present', signed_in_at = now() "
    "WHERE id IN (SELECT id FROM groups_attendance WHERE status = 'absent' ORDER BY id LIMIT {n})",
    "co-signers' answers (co-signer count, per row)": "UPDATE proposals_cosigner SET status = "
    "CASE WHEN status = 'confirmed' THEN 'declined' ELSE 'confirmed' END WHERE id IN "
    "(SELECT id FROM proposals_cosigner ORDER BY id LIMIT {n})",
}


def _variants() -> dict[str, list[str]]:
    activities = import_module("activities.migrations.0014_kept_counts_race_free")
    groups = import_module("groups.migrations.0031_kept_counts_race_free")
    proposals = import_module("proposals.migrations.0033_kept_counts_race_free")
    return {
        "before": activities.POSTGRES_REVERSE + groups.POSTGRES_REVERSE + proposals.POSTGRES_REVERSE,
        "after": activities.POSTGRES + groups.POSTGRES + proposals.POSTGRES,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from django.db import connection

    variants = _variants()
    times: dict[tuple[str, str], list[float]] = {}
    with connection.cursor() as cursor:
        for _ in range(args.turns):
            for name, sql in WORKLOADS.items():
                for variant, functions in variants.items():
                    cursor.execute("BEGIN")
                    for statement in functions:
                        cursor.execute(statement)
                    start = time.perf_counter()
                    cursor.execute(sql.format(n=args.rows))
                    times.setdefault((name, variant), []).append(time.perf_counter() - start)
                    cursor.execute("ROLLBACK")
    print(f"{args.rows} rows a statement, {args.turns} turns, load {os.getloadavg()[0]:.1f}")
    for name in WORKLOADS:
        before, after = (statistics.median(times[name, v]) * 1000 for v in ("before", "after"))
        print(f"{name}: before {before:.1f} ms, after {after:.1f} ms, after/before {after / before:.2f}")


if __name__ == "__main__":
    main()
