"""``ReportTally``: the public-opinion reports' figures kept by the database, one cell per committee and session year
(#22: the figures page and its workbook counted the year's reports of a city, 5,300 at 50k, with six hashed id sets
of their adoptions and instructions, on every request).

A cell holds the submitted reports (drafts are never counted), the accepted ones (accepted or compiled), the reports
with an adoption (at any level, and at each level) and the reports with a leader's instruction: the definitions of
``proposals.selectors.report_figure_q``. A report's own columns move it between cells (its committee, year, state:
row triggers take its counts out of the old cell and put them in the new one, its adoptions and instructions read
then); an adoption or an instruction moves its report's flags. A flag is "has at least one", so an adoption's
trigger compares the report before and after the change: on SQLite row triggers run as each row is written and see
the rows before it; on PostgreSQL a row trigger runs after the whole statement (a report's two adoptions deleted by one
statement would each see none left), so the adoptions' and instructions' triggers there are statement triggers over
their transition tables, one delta per report, after locking the reports they touch (``_postgres_lock``: two first
adoptions of one report at once count once). A cell left with no report is deleted, so the table holds exactly what
a rebuild makes (``proposals.tally``). Frozen here: migrations keep working as written.
"""

from django.db import migrations, models

from core.migration_sql import per_vendor

TABLE = "proposals_reporttally"
REPORTS = "proposals_opinionreport"
LEVELS = ("national", "provincial", "city", "district")
FLAGS = ("adopted", *(f"adopted_{level}" for level in LEVELS), "instructed")
COLUMNS = ("submitted", "accepted", *FLAGS)


def _has(table: str, report: str, extra: str = "") -> str:
    return f"EXISTS (SELECT 1 FROM {table} x WHERE x.report_id = {report}{extra})"


def _report_counts(r: str) -> dict[str, str]:
    """Each column's count of report row ``r`` (NEW or OLD), its adoptions and instructions as they are now."""
    flags = {
        "adopted": _has("proposals_adoption", f"{r}.id"),
        **{f"adopted_{lv}": _has("proposals_adoption", f"{r}.id", f" AND x.level = '{lv}'") for lv in LEVELS},
        "instructed": _has("proposals_instruction", f"{r}.id"),
    }
    return {
        "submitted": "1",
        "accepted": f"CASE WHEN {r}.state IN ('accepted', 'compiled') THEN 1 ELSE 0 END",
        **{name: f"CASE WHEN {expr} THEN 1 ELSE 0 END" for name, expr in flags.items()},
    }


def _move(r: str, sign: str) -> str:
    """The statements adding ``sign`` × report ``r``'s counts to its cell (as ``FigureTally``'s triggers): putting
    them in creates the cell if needed; taking them out subtracts from a cell that is there and deletes it when left
    with no report (a cell that is gone, emptied first by a flush, is left alone)."""
    counts = _report_counts(r)
    where = f"committee_id = {r}.committee_id AND year = {r}.year"
    if sign == "-":
        taken = ", ".join(f"{name} = {name} - ({expr})" for name, expr in counts.items())
        return (
            f"UPDATE {TABLE} SET {taken} WHERE {where}; "  # noqa: S608 (constants of this module)
            f"DELETE FROM {TABLE} WHERE {where} AND submitted = 0"
        )
    values = ", ".join(f"+({expr})" for expr in counts.values())
    added = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in COLUMNS)
    return (
        f"INSERT INTO {TABLE} (committee_id, year, {', '.join(COLUMNS)}) "  # noqa: S608 (constants of this module)
        f"VALUES ({r}.committee_id, {r}.year, {values}) ON CONFLICT (committee_id, year) DO UPDATE SET {added}"
    )


def _counted(r: str) -> str:
    return f"{r}.state <> 'draft'"


REPORT_READ = ("committee_id", "year", "state")


def _child_flags(table: str) -> dict[str, str]:
    """The flags an adoption or instruction row moves: flag -> the extra condition on the rows of its report."""
    if table == "proposals_adoption":
        return {"adopted": "", **{f"adopted_{lv}": f" AND x.level = '{lv}'" for lv in LEVELS}}
    return {"instructed": ""}


def _sqlite_child_move(table: str, r: str, sign: str) -> str:
    """SQLite, row ``r`` of ``table`` out (``-``: the report had it, has it still?) or in (``+``: had it before?):
    its report's flag moves when no other row of the report (at the level) is there. Row triggers run per row as it
    is written, so "the other rows" are the table as it is, this row excluded."""
    sets = []
    for flag, extra in _child_flags(table).items():
        mine = f"{r}.level = '{flag.removeprefix('adopted_')}' AND " if extra else ""
        alone = f"NOT {_has(table, f'{r}.report_id', extra + f' AND x.id <> {r}.id')}"
        sets.append(f"{flag} = {flag} {sign} (CASE WHEN {mine}{alone} THEN 1 ELSE 0 END)")
    report = f"SELECT {{c}} FROM {REPORTS} o WHERE o.id = {r}.report_id AND o.state <> 'draft'"
    return (
        f"UPDATE {TABLE} SET {', '.join(sets)} "  # noqa: S608 (constants of this module)
        f"WHERE committee_id = ({report.format(c='o.committee_id')}) AND year = ({report.format(c='o.year')})"
    )


EMPTY = "(SELECT NULL::bigint AS id, NULL::bigint AS report_id, NULL::varchar AS level WHERE false)"


def _postgres_child_delta(table: str, new: str, old: str) -> str:
    """PostgreSQL, after a statement on ``table`` (its transition tables ``new`` and ``old``): for each report it
    touched, each flag after (the table now) minus before (the table now without the new rows, with the old rows)."""
    flags = _child_flags(table)
    after = {f: _has(table, "k.report_id", extra) for f, extra in flags.items()}
    before = {
        f: f"({_has(table, 'k.report_id', extra + f' AND x.id NOT IN (SELECT nn.id FROM {new} nn WHERE nn.id IS NOT NULL)')}"
        f" OR {_has(old, 'k.report_id', extra)})"
        for f, extra in flags.items()
    }
    deltas = ", ".join(
        f"(CASE WHEN {after[f]} THEN 1 ELSE 0 END) - (CASE WHEN {before[f]} THEN 1 ELSE 0 END) AS {f}" for f in flags
    )
    sums = ", ".join(f"SUM(k.{f}) AS {f}" for f in flags)
    sets = ", ".join(f"{f} = t.{f} + d.{f}" for f in flags)
    return f"""WITH touched AS (SELECT report_id FROM {new} n UNION SELECT report_id FROM {old} o),
        flags AS (SELECT k.report_id, {deltas} FROM touched k),
        d AS (SELECT r.committee_id, r.year, {sums} FROM flags k
            JOIN {REPORTS} r ON r.id = k.report_id AND r.state <> 'draft' GROUP BY r.committee_id, r.year)
        UPDATE {TABLE} t SET {sets} FROM d WHERE t.committee_id = d.committee_id AND t.year = d.year"""  # noqa: S608


def _postgres_lock(new: str, old: str) -> str:
    """PostgreSQL: lock the reports a statement touched (in id order) before its delta reads their other rows. Two
    transactions adding the first adoption of one report at once would each see none but its own and both count the
    flag; with the report locked first the second waits, and its delta's statement (a snapshot of its own, READ
    COMMITTED) sees the first's row. A report moving cell holds the same lock, so its move and a flag's delta follow
    one another too."""
    return (
        f"PERFORM 1 FROM {REPORTS} r WHERE r.id IN (SELECT report_id FROM {new} ln UNION SELECT report_id FROM {old} lo) "  # noqa: S608
        "ORDER BY r.id FOR NO KEY UPDATE"
    )


def _postgres_child(table: str, name: str) -> list[str]:
    function = f"proposals_report_tally_{name}"
    empty = EMPTY if table == "proposals_adoption" else EMPTY.replace(", NULL::varchar AS level", "")
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {_postgres_lock("new_rows", empty)};
                {_postgres_child_delta(table, "new_rows", empty)};
            ELSIF TG_OP = 'DELETE' THEN
                {_postgres_lock(empty, "old_rows")};
                {_postgres_child_delta(table, empty, "old_rows")};
            ELSE
                {_postgres_lock("new_rows", "old_rows")};
                {_postgres_child_delta(table, "new_rows", "old_rows")};
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER report_tally_{name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER report_tally_{name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
        f"""CREATE TRIGGER report_tally_{name}_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
    ]


_fill_counts = _report_counts("r")
FILL = (
    f"INSERT INTO {TABLE} (committee_id, year, {', '.join(COLUMNS)}) "  # noqa: S608 (constants of this module)
    f"SELECT r.committee_id, r.year, {', '.join(f'SUM({expr})' for expr in _fill_counts.values())} "
    f"FROM {REPORTS} r WHERE r.state <> 'draft' GROUP BY r.committee_id, r.year"
)
_changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in REPORT_READ)
_child_changed = {
    "proposals_adoption": "OLD.report_id IS NOT NEW.report_id OR OLD.level IS NOT NEW.level",
    "proposals_instruction": "OLD.report_id IS NOT NEW.report_id",
}
CHILDREN = (("proposals_adoption", "adoption"), ("proposals_instruction", "instruction"))

SQLITE = [
    f"""CREATE TRIGGER report_tally_insert AFTER INSERT ON {REPORTS} WHEN {_counted("NEW")}
    BEGIN {_move("NEW", "+")}; END""",
    f"""CREATE TRIGGER report_tally_delete AFTER DELETE ON {REPORTS} WHEN {_counted("OLD")}
    BEGIN {_move("OLD", "-")}; END""",
    f"""CREATE TRIGGER report_tally_update_in AFTER UPDATE OF {", ".join(REPORT_READ)} ON {REPORTS}
    WHEN {_counted("NEW")} AND ({_changed}) BEGIN {_move("NEW", "+")}; END""",
    f"""CREATE TRIGGER report_tally_update_out AFTER UPDATE OF {", ".join(REPORT_READ)} ON {REPORTS}
    WHEN {_counted("OLD")} AND ({_changed}) BEGIN {_move("OLD", "-")}; END""",
    *(
        trigger
        for table, name in CHILDREN
        for trigger in (
            f"""CREATE TRIGGER report_tally_{name}_insert AFTER INSERT ON {table}
            BEGIN {_sqlite_child_move(table, "NEW", "+")}; END""",
            f"""CREATE TRIGGER report_tally_{name}_delete AFTER DELETE ON {table}
            BEGIN {_sqlite_child_move(table, "OLD", "-")}; END""",
            # the old row out, then the new row in: each against the table with this row excluded, so either order
            f"""CREATE TRIGGER report_tally_{name}_update AFTER UPDATE ON {table} WHEN {_child_changed[table]}
            BEGIN {_sqlite_child_move(table, "OLD", "-")}; {_sqlite_child_move(table, "NEW", "+")}; END""",
        )
    ),
    FILL,
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "report_tally_insert",
        "report_tally_delete",
        "report_tally_update_in",
        "report_tally_update_out",
        *(f"report_tally_{child}_{op}" for _t, child in CHILDREN for op in ("insert", "delete", "update")),
    )
]

POSTGRES = [
    f"""CREATE FUNCTION proposals_report_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {_counted("OLD")} THEN {_move("OLD", "-")}; END IF;
        IF TG_OP <> 'DELETE' AND {_counted("NEW")} THEN {_move("NEW", "+")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER report_tally_insert_delete AFTER INSERT OR DELETE ON {REPORTS}
    FOR EACH ROW EXECUTE FUNCTION proposals_report_tally()""",
    f"""CREATE TRIGGER report_tally_update AFTER UPDATE OF {", ".join(REPORT_READ)} ON {REPORTS}
    FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in REPORT_READ)})
    EXECUTE FUNCTION proposals_report_tally()""",
    *(statement for table, name in CHILDREN for statement in _postgres_child(table, name)),
    FILL,
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS report_tally_insert_delete ON {REPORTS}",
    f"DROP TRIGGER IF EXISTS report_tally_update ON {REPORTS}",
    "DROP FUNCTION IF EXISTS proposals_report_tally()",
    *(
        statement
        for table, name in CHILDREN
        for statement in (
            *(f"DROP TRIGGER IF EXISTS report_tally_{name}_{op} ON {table}" for op in ("insert", "delete", "update")),
            f"DROP FUNCTION IF EXISTS proposals_report_tally_{name}()",
        )
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0034_figure_tally_ratings"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("committee_id", models.PositiveIntegerField(verbose_name="committee")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("submitted", models.IntegerField(default=0, verbose_name="submitted")),
                ("accepted", models.IntegerField(default=0, verbose_name="accepted")),
                ("adopted", models.IntegerField(default=0, verbose_name="adopted at any level")),
                ("adopted_national", models.IntegerField(default=0, verbose_name="adopted at the national level")),
                ("adopted_provincial", models.IntegerField(default=0, verbose_name="adopted at the provincial level")),
                ("adopted_city", models.IntegerField(default=0, verbose_name="adopted at the city level")),
                ("adopted_district", models.IntegerField(default=0, verbose_name="adopted at the district level")),
                ("instructed", models.IntegerField(default=0, verbose_name="instructed by leaders")),
            ],
            options={
                "verbose_name": "report figure tally",
                "verbose_name_plural": "report figure tallies",
                "constraints": [models.UniqueConstraint(fields=("committee_id", "year"), name="report_tally_cell")],
            },
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
