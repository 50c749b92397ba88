"""The committee snapshot keeps its members' year-to-date totals summed (#22: the leaders' home averaged a
committee's 16,666 member snapshots on every request, 40–60 ms at 50k): written by the roll-up with the other sums
of the quarter (``assessments.rollup.committee_snapshot``), and here from the member snapshots of each existing run
(a quarter's member snapshots are all its latest run's)."""

from decimal import Decimal

from django.db import migrations, models

from core.migration_sql import per_vendor

# SQLite adds a column with a default by rebuilding the table, which drops the triggers of 0006 on it and breaks
# those naming it: they are dropped before and made again after, as 0006 wrote them (frozen here).
TABLES = ["assessments_membersnapshot", "assessments_groupsnapshot", "assessments_committeesnapshot"]
MATCH = (
    "SELECT 1 FROM assessments_rolluprun r WHERE r.id = NEW.run_id AND r.committee_id = NEW.committee_id "
    "AND r.year = NEW.year AND r.quarter = NEW.quarter"
)
SQLITE_0006 = []
for t in TABLES:
    name = t.removeprefix("assessments_")
    SQLITE_0006 += [
        f"CREATE TRIGGER {name}_of_its_run_insert BEFORE INSERT ON {t} WHEN NOT EXISTS ({MATCH}) "
        "BEGIN SELECT RAISE(ABORT, 'snapshot_of_its_run'); END",
        f"CREATE TRIGGER {name}_of_its_run_update BEFORE UPDATE OF run_id, committee_id, year, quarter ON {t} "
        f"WHEN NOT EXISTS ({MATCH}) BEGIN SELECT RAISE(ABORT, 'snapshot_of_its_run'); END",
    ]
SQLITE_0006 += [
    "CREATE TRIGGER rolluprun_snapshots_deleted AFTER DELETE ON assessments_rolluprun BEGIN "
    + " ".join(f"DELETE FROM {t} WHERE run_id = OLD.id;" for t in TABLES)
    + " END",
    "CREATE TRIGGER rolluprun_key_kept BEFORE UPDATE OF id, committee_id, year, quarter ON assessments_rolluprun "
    "WHEN (NEW.id <> OLD.id OR NEW.committee_id <> OLD.committee_id OR NEW.year <> OLD.year "
    "OR NEW.quarter <> OLD.quarter) AND ("
    + " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE run_id = OLD.id)" for t in TABLES)
    + ") BEGIN SELECT RAISE(ABORT, 'snapshot_of_its_run'); END",
]
SQLITE_0006_REVERSE = [
    f"DROP TRIGGER IF EXISTS {t.removeprefix('assessments_')}_of_its_run_{op}"
    for t in TABLES
    for op in ("insert", "update")
] + ["DROP TRIGGER IF EXISTS rolluprun_snapshots_deleted", "DROP TRIGGER IF EXISTS rolluprun_key_kept"]

FILL = (
    "UPDATE assessments_committeesnapshot SET ytd_total = COALESCE(("
    "SELECT SUM(ROUND(CAST(m.ytd_total AS {cast}) * 100)) / 100 FROM assessments_membersnapshot m "
    "WHERE m.run_id = assessments_committeesnapshot.run_id), 0)"
)


def fill(apps, schema_editor):
    cast = "numeric" if schema_editor.connection.vendor == "postgresql" else "REAL"
    schema_editor.execute(FILL.format(cast=cast))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0012_ranking_and_counts_kept_with_snapshots"),
    ]

    operations = [
        per_vendor({"sqlite": SQLITE_0006_REVERSE}, {"sqlite": SQLITE_0006}),
        migrations.AddField(
            model_name="committeesnapshot",
            name="ytd_total",
            field=models.DecimalField(
                decimal_places=2, default=Decimal("0"), max_digits=14, verbose_name="members' year-to-date totals"
            ),
        ),
        per_vendor({"sqlite": SQLITE_0006}, {"sqlite": SQLITE_0006_REVERSE}),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
