"""The activities' kept counts stay right when two transactions write at once (PostgreSQL, READ COMMITTED).

- ``FiledTally`` (0010) took an activity out of its cell in two statements, ``DELETE … AND filed = 1`` then
  ``UPDATE … filed - 1 … AND filed > 1``: two transactions taking one each out of a cell of 2 lost one (the second's
  DELETE saw 2 and matched nothing; its UPDATE waited for the first, re-read 1 and skipped it: the cell stayed 1 for
  no activity). Now, as ``AttendanceTally`` (assessments 0015) does it: one unconditional ``UPDATE … filed - 1`` (a
  writer waiting for the cell's row lock subtracts from the committed count), then the cell deleted by its key when
  it reached 0. The check is ``filed >= 0`` (a cell is 0 for a moment inside the trigger; no committed cell is).
- ``has_evidence`` (0007) and the invited, present and evidence counts (0009) were recounted by an ``UPDATE`` of the
  activity whose subqueries read the rows with the statement's snapshot: a second writer waiting for the activity's
  row lock wrote a count that missed the first one's rows (two invitations at once: invited 1 for 2 rows). Now the
  trigger first locks the activities (``FOR NO KEY UPDATE``, in id order) and recounts in the next statement, whose
  snapshot sees what every earlier writer committed.

SQLite runs one writer at a time (a write transaction holds the database's lock to its end), so no two triggers
interleave there: its filed triggers are made again only because the table's check is remade (SQLite refuses to
rebuild a table that a trigger names), with the same statements as PostgreSQL's. Frozen here: migrations keep
working as written.
"""

from importlib import import_module

from django.db import migrations, models

from core.migration_sql import per_vendor

FILED = import_module("activities.migrations.0010_filed_tally")
COUNTS = import_module("activities.migrations.0009_activity_counts_kept_by_database")
TABLE = FILED.TABLE


def _out(r, vendor):
    """The row's count taken out of its cell, which is deleted when it reaches 0 (a cell that is not there is left
    alone: a flush deletes the cells before the activities)."""
    where = FILED._where(r, vendor)
    return (
        f"UPDATE {TABLE} SET filed = filed - 1 WHERE {where}; "  # noqa: S608 (constants of this module)
        f"DELETE FROM {TABLE} WHERE {where} AND filed = 0"
    )


def _changed(fmt):
    return " OR ".join(fmt.format(c=c) for c in FILED.READ)


READ = ", ".join(FILED.READ)
SQLITE = [
    f"""CREATE TRIGGER filed_tally_insert AFTER INSERT ON groups_activity WHEN {FILED._counted("NEW")}
    BEGIN {FILED._in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER filed_tally_delete AFTER DELETE ON groups_activity WHEN {FILED._counted("OLD")}
    BEGIN {_out("OLD", "sqlite")}; END""",
    f"""CREATE TRIGGER filed_tally_update_in AFTER UPDATE OF {READ} ON groups_activity
    WHEN {FILED._counted("NEW")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {FILED._in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER filed_tally_update_out AFTER UPDATE OF {READ} ON groups_activity
    WHEN {FILED._counted("OLD")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_out("OLD", "sqlite")}; END""",
]
# the 0010 triggers, made again when this is unapplied (with their check back)
SQLITE_0010 = [sql for sql in FILED.SQLITE if sql.startswith("CREATE TRIGGER")]


def _filed_function(out):
    return f"""CREATE OR REPLACE FUNCTION activities_filed_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {FILED._counted("OLD")} THEN {out("OLD", "postgresql")}; END IF;
        IF TG_OP <> 'DELETE' AND {FILED._counted("NEW")} THEN {FILED._in("NEW", "postgresql")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def _lock(ids):
    """Lock the activities ``ids`` (a list or subquery of ids) before a recount reads their rows: a writer that
    waited here recounts with a snapshot taken after the one it waited for committed."""
    return f"PERFORM 1 FROM groups_activity WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE"  # noqa: S608


HAS_EVIDENCE_MARK = f"""CREATE OR REPLACE FUNCTION activities_evidence_mark() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_lock("NEW.activity_id")};
        ELSIF TG_OP = 'DELETE' THEN
            {_lock("OLD.activity_id")};
        ELSE
            {_lock("OLD.activity_id, NEW.activity_id")};
        END IF;
        IF TG_OP <> 'INSERT' THEN {COUNTS.HAS_EVIDENCE.mark("OLD.activity_id")}; END IF;
        IF TG_OP <> 'DELETE' THEN {COUNTS.HAS_EVIDENCE.mark("NEW.activity_id")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def _recount_function(name, assignments, moved, *, locked):
    """0009's statement-level recount, the activities locked first when ``locked``."""
    ids = {
        "INSERT": "SELECT activity_id FROM new_rows",
        "DELETE": "SELECT activity_id FROM old_rows",
        "UPDATE": moved,
    }
    branches = {
        op: (f"{_lock(sub)}; " if locked else "") + f"UPDATE groups_activity a SET {assignments} WHERE a.id IN ({sub});"  # noqa: S608 (constants)
        for op, sub in ids.items()
    }
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {branches["INSERT"]}
        ELSIF TG_OP = 'DELETE' THEN
            {branches["DELETE"]}
        ELSE
            {branches["UPDATE"]}
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def _recounts(*, locked):
    return [
        _recount_function(
            "activities_attendance_recount", COUNTS.attendance_set("a.id"), COUNTS.ATTENDANCE_MOVED, locked=locked
        ),
        _recount_function(
            "activities_evidence_recount", COUNTS.evidence_set("a.id"), COUNTS.EVIDENCE_MOVED, locked=locked
        ),
    ]


POSTGRES = [_filed_function(_out), HAS_EVIDENCE_MARK, *_recounts(locked=True)]
POSTGRES_REVERSE = [
    _filed_function(FILED._out),
    COUNTS.HAS_EVIDENCE.POSTGRES[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    *_recounts(locked=False),
]


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0013_research_latest_index"),
    ]

    operations = [
        per_vendor({"sqlite": FILED.SQLITE_REVERSE}, {"sqlite": SQLITE_0010}),
        migrations.RemoveConstraint(model_name="filedtally", name="filed_tally_not_empty"),
        migrations.AddConstraint(
            model_name="filedtally",
            constraint=models.CheckConstraint(condition=models.Q(filed__gte=0), name="filed_tally_not_negative"),
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": FILED.SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
