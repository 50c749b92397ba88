"""``DeadlineTally``: the open deadlines per committee and calendar year, kept by the database (#22: the workbench's
"years with deadlines but no holiday calendar" read the 192,532 active assignments on every request, a parallel
sequential scan of 73–142 ms at 50k, to find 6 committee-years).

An open deadline is an active assignment of a proposal in handling (assigned, handling), counted under the proposal's
committee and the calendar year of its due date. Every insert, delete and update of an assignment's counted columns
moves it out of its old row and into its new one; a proposal entering or leaving handling, or moving committee, moves
all its active assignments (SQLite and PostgreSQL, in the writer's transaction: the services, the admin, a bulk
``update()``, the deadlines moved by a calendar change, a restore). A row with no open deadline left is deleted, and
the table holds exactly what a rebuild makes (``proposals.tally``). ``manage.py deadlines_rebuild --check`` and
``tests/proposals/test_deadline_tally.py`` hold the rows equal to the assignments. Frozen here: migrations keep
working as written.
"""

from django.db import migrations, models

from core.migration_sql import per_vendor

TABLE = "proposals_deadlinetally"
HANDLING = "('assigned', 'handling')"
READ = ("is_active", "due_date", "proposal_id")  # an assignment's update of none of them moves nothing
YEAR = {
    "postgresql": "CAST(EXTRACT(YEAR FROM {r}.due_date) AS integer)",
    "sqlite": "CAST(strftime('%Y', {r}.due_date) AS integer)",
}


def _committee_of(r):
    """The committee of the assignment's proposal when the proposal is in handling (else no row, NULL)."""
    return f"(SELECT p.committee_id FROM proposals_proposal p WHERE p.id = {r}.proposal_id AND p.state IN {HANDLING})"


def _in(r, vendor):
    year = YEAR[vendor].format(r=r)
    return (
        f"INSERT INTO {TABLE} (committee_id, year, deadlines) "  # noqa: S608 (constants of this module)
        f"SELECT p.committee_id, {year}, 1 FROM proposals_proposal p "
        f"WHERE p.id = {r}.proposal_id AND p.state IN {HANDLING} "
        f"ON CONFLICT (committee_id, year) DO UPDATE SET deadlines = {TABLE}.deadlines + 1"
    )


def _out(r, vendor):
    """The assignment taken out: its row deleted if it was the last, else one less (never 0: the table's check). A
    row that is not there, or a proposal that is not (a flush), leaves everything alone."""
    where = f"committee_id = {_committee_of(r)} AND year = {YEAR[vendor].format(r=r)}"
    return (
        f"DELETE FROM {TABLE} WHERE {where} AND deadlines = 1; "  # noqa: S608 (constants of this module)
        f"UPDATE {TABLE} SET deadlines = deadlines - 1 WHERE {where} AND deadlines > 1"
    )


def _all_in(r, vendor):
    """All the proposal's active assignments in, a row per year."""
    year = YEAR[vendor].format(r="a")
    return (
        f"INSERT INTO {TABLE} (committee_id, year, deadlines) "  # noqa: S608 (constants of this module)
        f"SELECT {r}.committee_id, {year}, COUNT(*) FROM proposals_assignment a "
        f"WHERE a.proposal_id = {r}.id AND a.is_active GROUP BY {year} "
        f"ON CONFLICT (committee_id, year) DO UPDATE SET deadlines = {TABLE}.deadlines + excluded.deadlines"
    )


def _all_out(r, vendor):
    """All the proposal's active assignments out: the rows they are all of deleted, the others counted down."""
    year = YEAR[vendor].format(r="a")
    mine = (
        f"(SELECT COUNT(*) FROM proposals_assignment a WHERE a.proposal_id = {r}.id AND a.is_active "
        f"AND {year} = {TABLE}.year)"
    )
    years = f"(SELECT {year} FROM proposals_assignment a WHERE a.proposal_id = {r}.id AND a.is_active)"
    return (
        f"DELETE FROM {TABLE} WHERE committee_id = {r}.committee_id AND deadlines = {mine}; "  # noqa: S608
        f"UPDATE {TABLE} SET deadlines = deadlines - {mine} "  # noqa: S608 (constants of this module)
        f"WHERE committee_id = {r}.committee_id AND year IN {years}"
    )


def _fill(vendor):
    year = YEAR[vendor].format(r="a")
    return (
        f"INSERT INTO {TABLE} (committee_id, year, deadlines) "  # noqa: S608 (constants of this module)
        f"SELECT p.committee_id, {year}, COUNT(*) FROM proposals_assignment a "
        f"JOIN proposals_proposal p ON p.id = a.proposal_id "
        f"WHERE a.is_active AND p.state IN {HANDLING} GROUP BY p.committee_id, {year}"
    )


def _changed(fmt):
    return " OR ".join(fmt.format(c=c) for c in READ)


# a proposal's deadlines leave a committee-year when it leaves handling or moves committee, and enter likewise
_LEAVES = f"OLD.state IN {HANDLING} AND (NEW.state NOT IN {HANDLING} OR OLD.committee_id <> NEW.committee_id)"
_ENTERS = f"NEW.state IN {HANDLING} AND (OLD.state NOT IN {HANDLING} OR OLD.committee_id <> NEW.committee_id)"

SQLITE = [
    f"""CREATE TRIGGER deadline_tally_insert AFTER INSERT ON proposals_assignment WHEN NEW.is_active
    BEGIN {_in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER deadline_tally_delete AFTER DELETE ON proposals_assignment WHEN OLD.is_active
    BEGIN {_out("OLD", "sqlite")}; END""",
    # The old row out, the new row in: two triggers (one WHEN each); either order leaves the same rows.
    f"""CREATE TRIGGER deadline_tally_update_in AFTER UPDATE OF {", ".join(READ)} ON proposals_assignment
    WHEN NEW.is_active AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER deadline_tally_update_out AFTER UPDATE OF {", ".join(READ)} ON proposals_assignment
    WHEN OLD.is_active AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_out("OLD", "sqlite")}; END""",
    f"""CREATE TRIGGER deadline_tally_proposal_out AFTER UPDATE OF state, committee_id ON proposals_proposal
    WHEN {_LEAVES}
    BEGIN {_all_out("OLD", "sqlite")}; END""",
    f"""CREATE TRIGGER deadline_tally_proposal_in AFTER UPDATE OF state, committee_id ON proposals_proposal
    WHEN {_ENTERS}
    BEGIN {_all_in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER deadline_tally_proposal_delete AFTER DELETE ON proposals_proposal
    WHEN OLD.state IN {HANDLING}
    BEGIN {_all_out("OLD", "sqlite")}; END""",
    _fill("sqlite"),
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "deadline_tally_insert",
        "deadline_tally_delete",
        "deadline_tally_update_in",
        "deadline_tally_update_out",
        "deadline_tally_proposal_out",
        "deadline_tally_proposal_in",
        "deadline_tally_proposal_delete",
    )
]

POSTGRES = [
    f"""CREATE FUNCTION proposals_deadline_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.is_active THEN {_out("OLD", "postgresql")}; END IF;
        IF TG_OP <> 'DELETE' AND NEW.is_active THEN {_in("NEW", "postgresql")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER deadline_tally_insert_delete AFTER INSERT OR DELETE ON proposals_assignment
    FOR EACH ROW EXECUTE FUNCTION proposals_deadline_tally()""",
    f"""CREATE TRIGGER deadline_tally_update AFTER UPDATE OF {", ".join(READ)} ON proposals_assignment
    FOR EACH ROW WHEN ({_changed("OLD.{c} IS DISTINCT FROM NEW.{c}")})
    EXECUTE FUNCTION proposals_deadline_tally()""",
    f"""CREATE FUNCTION proposals_deadline_tally_proposal() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.state IN {HANDLING} THEN {_all_out("OLD", "postgresql")}; END IF;
            RETURN NULL;
        END IF;
        IF {_LEAVES} THEN {_all_out("OLD", "postgresql")}; END IF;
        IF {_ENTERS} THEN {_all_in("NEW", "postgresql")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER deadline_tally_proposal_delete AFTER DELETE ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_deadline_tally_proposal()""",
    f"""CREATE TRIGGER deadline_tally_proposal_update AFTER UPDATE OF state, committee_id ON proposals_proposal
    FOR EACH ROW WHEN (({_LEAVES}) OR ({_ENTERS}))
    EXECUTE FUNCTION proposals_deadline_tally_proposal()""",
    _fill("postgresql"),
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS deadline_tally_insert_delete ON proposals_assignment",
    "DROP TRIGGER IF EXISTS deadline_tally_update ON proposals_assignment",
    "DROP TRIGGER IF EXISTS deadline_tally_proposal_delete ON proposals_proposal",
    "DROP TRIGGER IF EXISTS deadline_tally_proposal_update ON proposals_proposal",
    "DROP FUNCTION IF EXISTS proposals_deadline_tally()",
    "DROP FUNCTION IF EXISTS proposals_deadline_tally_proposal()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0028_overdue_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeadlineTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("committee_id", models.PositiveIntegerField(verbose_name="committee")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("deadlines", models.IntegerField(default=0, verbose_name="open deadlines")),
            ],
            options={
                "verbose_name": "open deadlines tally",
                "verbose_name_plural": "open deadlines tallies",
                "constraints": [
                    models.UniqueConstraint(fields=("committee_id", "year"), name="deadline_tally_cell"),
                    models.CheckConstraint(condition=models.Q(("deadlines__gt", 0)), name="deadline_tally_not_empty"),
                ],
            },
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
