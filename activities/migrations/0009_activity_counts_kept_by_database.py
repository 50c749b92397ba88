"""``Activity.invited_count``, ``present_count`` and ``evidence_count``: the ledger's and the API's per-activity
figures, kept by the database.

The API's activity list counted each shown activity's invitations, present members and evidence in three
correlated subqueries (#22: 8-14 ms of the backend's time for a page of 101 activities at 50k, the present count
reading the attendance heap for its status). The database keeps the three figures on the activity, as it keeps
``has_evidence`` (0007), with the figures' one definition (``selectors.activities.attendance_figure_q``: every
invitation whatever its status; those present) so that they always equal their drill-down rows:

- attendance rows inserted, deleted, moved to another activity or changing status recount their activities;
  evidence rows inserted, deleted or moved recount theirs. On PostgreSQL once per statement, for the activities
  the statement touched (a bulk invitation or a ``COPY`` recounts each activity once); on SQLite per row.
- an activity written by the application with other figures (a stale instance saved, a restored row) gets the
  true ones back, so the figures never disagree with the rows.

Frozen here: migrations keep working as written.
"""

from importlib import import_module

from django.db import migrations, models

from core.migration_sql import per_vendor

# SQLite adds a column by copying the table into a new one and renaming it, which it refuses while a trigger names
# the table: 0007's triggers are dropped for the new columns and made again after them.
HAS_EVIDENCE = import_module("activities.migrations.0007_has_evidence_kept_by_database")

INVITED = "(SELECT COUNT(*) FROM groups_attendance t WHERE t.activity_id = {id})"
PRESENT = "(SELECT COUNT(*) FROM groups_attendance t WHERE t.activity_id = {id} AND t.status = 'present')"
EVIDENCE = "(SELECT COUNT(*) FROM groups_evidence t WHERE t.activity_id = {id})"


def attendance_set(aid: str) -> str:
    return f"invited_count = {INVITED.format(id=aid)}, present_count = {PRESENT.format(id=aid)}"


def evidence_set(aid: str) -> str:
    return f"evidence_count = {EVIDENCE.format(id=aid)}"


def wrong(aid: str) -> str:
    """The activity's stored figures differ from its rows."""
    return (
        f"NEW.invited_count <> {INVITED.format(id=aid)} OR NEW.present_count <> {PRESENT.format(id=aid)} "
        f"OR NEW.evidence_count <> {EVIDENCE.format(id=aid)}"
    )


def recount_attendance(aid: str) -> str:
    return f"UPDATE groups_activity SET {attendance_set(aid)} WHERE id = {aid}"


def recount_evidence(aid: str) -> str:
    return f"UPDATE groups_activity SET {evidence_set(aid)} WHERE id = {aid}"


SQLITE = [
    f"""CREATE TRIGGER attendance_count_insert AFTER INSERT ON groups_attendance
    BEGIN {recount_attendance("NEW.activity_id")}; END""",
    f"""CREATE TRIGGER attendance_count_delete AFTER DELETE ON groups_attendance
    BEGIN {recount_attendance("OLD.activity_id")}; END""",
    f"""CREATE TRIGGER attendance_count_update AFTER UPDATE OF activity_id, status ON groups_attendance
    BEGIN {recount_attendance("OLD.activity_id")}; {recount_attendance("NEW.activity_id")}; END""",
    f"""CREATE TRIGGER evidence_count_insert AFTER INSERT ON groups_evidence
    BEGIN {recount_evidence("NEW.activity_id")}; END""",
    f"""CREATE TRIGGER evidence_count_delete AFTER DELETE ON groups_evidence
    BEGIN {recount_evidence("OLD.activity_id")}; END""",
    f"""CREATE TRIGGER evidence_count_update AFTER UPDATE OF activity_id ON groups_evidence
    BEGIN {recount_evidence("OLD.activity_id")}; {recount_evidence("NEW.activity_id")}; END""",
    # SQLite runs no trigger from inside a trigger's own UPDATE (recursive_triggers is off), so these only correct
    # what the application wrote.
    f"""CREATE TRIGGER activity_counts_insert AFTER INSERT ON groups_activity WHEN {wrong("NEW.id")}
    BEGIN UPDATE groups_activity SET {attendance_set("NEW.id")}, {evidence_set("NEW.id")} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER activity_counts_update AFTER UPDATE OF invited_count, present_count, evidence_count
    ON groups_activity WHEN {wrong("NEW.id")}
    BEGIN UPDATE groups_activity SET {attendance_set("NEW.id")}, {evidence_set("NEW.id")} WHERE id = NEW.id; END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "attendance_count_insert",
        "attendance_count_delete",
        "attendance_count_update",
        "evidence_count_insert",
        "evidence_count_delete",
        "evidence_count_update",
        "activity_counts_insert",
        "activity_counts_update",
    )
]

# PostgreSQL: statement triggers with transition tables (one per event: PostgreSQL allows no more with them);
# an UPDATE recounts only the activities whose rows moved or (attendance) changed status.
ATTENDANCE_MOVED = """
    SELECT o.activity_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.activity_id <> n.activity_id OR o.status <> n.status
    UNION
    SELECT n.activity_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.activity_id <> n.activity_id OR o.status <> n.status"""
EVIDENCE_MOVED = """
    SELECT o.activity_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.activity_id <> n.activity_id
    UNION
    SELECT n.activity_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.activity_id <> n.activity_id"""


def recount_function(name: str, assignments: str, moved: str) -> str:
    return f"""CREATE FUNCTION {name}() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE groups_activity a SET {assignments} WHERE a.id IN (SELECT activity_id FROM new_rows);
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE groups_activity a SET {assignments} WHERE a.id IN (SELECT activity_id FROM old_rows);
        ELSE
            UPDATE groups_activity a SET {assignments} WHERE a.id IN ({moved});
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def statement_triggers(table: str, prefix: str, function: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {prefix}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {prefix}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER {prefix}_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
    ]


POSTGRES = [
    recount_function("activities_attendance_recount", attendance_set("a.id"), ATTENDANCE_MOVED),
    *statement_triggers("groups_attendance", "attendance_count", "activities_attendance_recount"),
    recount_function("activities_evidence_recount", evidence_set("a.id"), EVIDENCE_MOVED),
    *statement_triggers("groups_evidence", "evidence_count", "activities_evidence_recount"),
    f"""CREATE FUNCTION activities_activity_true_counts() RETURNS trigger AS $$
    BEGIN
        NEW.invited_count := {INVITED.format(id="NEW.id")};
        NEW.present_count := {PRESENT.format(id="NEW.id")};
        NEW.evidence_count := {EVIDENCE.format(id="NEW.id")};
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    # a new activity has no rows yet: only an insert claiming some is checked
    """CREATE TRIGGER activity_counts_insert BEFORE INSERT ON groups_activity
    FOR EACH ROW WHEN (NEW.invited_count <> 0 OR NEW.present_count <> 0 OR NEW.evidence_count <> 0)
    EXECUTE FUNCTION activities_activity_true_counts()""",
    # the application's writes only (the recounts above run inside a trigger: depth 1)
    """CREATE TRIGGER activity_counts_update BEFORE UPDATE OF invited_count, present_count, evidence_count
    ON groups_activity FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND (
        NEW.invited_count IS DISTINCT FROM OLD.invited_count OR NEW.present_count IS DISTINCT FROM OLD.present_count
        OR NEW.evidence_count IS DISTINCT FROM OLD.evidence_count))
    EXECUTE FUNCTION activities_activity_true_counts()""",
]
POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS {prefix}_{event} ON {table}"
        for table, prefix in (("groups_attendance", "attendance_count"), ("groups_evidence", "evidence_count"))
        for event in ("insert", "delete", "update")
    ),
    "DROP FUNCTION IF EXISTS activities_attendance_recount()",
    "DROP FUNCTION IF EXISTS activities_evidence_recount()",
    "DROP TRIGGER IF EXISTS activity_counts_insert ON groups_activity",
    "DROP TRIGGER IF EXISTS activity_counts_update ON groups_activity",
    "DROP FUNCTION IF EXISTS activities_activity_true_counts()",
]

# the activities with rows counted first: one pass over both tables, each activity written once
FILL = {
    "postgresql": [
        """UPDATE groups_activity a
        SET invited_count = c.invited, present_count = c.present, evidence_count = c.evidence
        FROM (
            SELECT activity_id, SUM(invited) AS invited, SUM(present) AS present, SUM(evidence) AS evidence
            FROM (
                SELECT activity_id, 1 AS invited, CASE WHEN status = 'present' THEN 1 ELSE 0 END AS present,
                    0 AS evidence
                FROM groups_attendance
                UNION ALL
                SELECT activity_id, 0, 0, 1 FROM groups_evidence
            ) r
            GROUP BY activity_id
        ) c
        WHERE a.id = c.activity_id""",
        # every activity was written again: the planner's row estimates (the API's counts past 1,000 rows) read the
        # table's size, twice what it holds until the next vacuum, unless its statistics know
        "ANALYZE groups_activity",
    ],
    "sqlite": [
        "UPDATE groups_activity SET "
        + attendance_set("groups_activity.id")
        + " WHERE id IN (SELECT activity_id FROM groups_attendance)",
        "UPDATE groups_activity SET "
        + evidence_set("groups_activity.id")
        + " WHERE id IN (SELECT activity_id FROM groups_evidence)",
    ],
}


def _counts_field(name: str) -> migrations.AddField:
    return migrations.AddField(
        model_name="activity",
        name=f"{name}_count",
        field=models.PositiveIntegerField(db_default=0, default=0, editable=False, verbose_name=name),
    )


class Migration(migrations.Migration):
    dependencies = [("activities", "0008_committee_coverage")]

    operations = [
        per_vendor({"sqlite": HAS_EVIDENCE.SQLITE_REVERSE}, {"sqlite": HAS_EVIDENCE.SQLITE}),
        _counts_field("invited"),
        _counts_field("present"),
        _counts_field("evidence"),
        per_vendor({"sqlite": HAS_EVIDENCE.SQLITE}, {"sqlite": HAS_EVIDENCE.SQLITE_REVERSE}),
        per_vendor(
            {vendor: FILL[vendor] + triggers for vendor, triggers in (("sqlite", SQLITE), ("postgresql", POSTGRES))},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
