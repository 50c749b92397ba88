"""The proposals' kept counts stay right when two transactions write at once (PostgreSQL, READ COMMITTED).

- ``DeadlineTally`` (0029) took an assignment out in two statements, ``DELETE … AND deadlines = 1`` then
  ``UPDATE … deadlines - 1 … AND deadlines > 1`` (and a proposal's assignments by ``DELETE … deadlines = mine``):
  two transactions taking one each out of a row of 2 left it at 1 (the second's DELETE saw 2 and matched nothing;
  its UPDATE waited for the first, re-read 1 and skipped). Now one unconditional ``UPDATE`` (a writer waiting for
  the row's lock subtracts from the committed count), then the row deleted by its key when it reached 0, as
  ``AttendanceTally`` (assessments 0015) does; the check is ``deadlines >= 0`` (0 only inside that trigger).
  The triggers read a second table, so each side also waits for the other's writes in flight: an assignment entering
  a proposal (inserted, or moved to it) reads the proposal ``FOR SHARE`` (its state as committed after a change in
  flight; a change of state waits for it), and a proposal entering or leaving handling locks its assignments
  ``FOR SHARE`` before counting them (0030's trigger already locks them when the state changes; a move of committee
  did not).
- ``FigureTally`` (0020) was already race-free (update first, then the emptied cell deleted; an upsert meeting a
  cell deleted by a transaction in flight inserts it again once that commits): it gets the missing check, no figure
  below 0.
- ``confirmed_cosigners`` (0006) was recounted by an ``UPDATE`` of the proposal whose subquery read the co-signers
  with the statement's snapshot: a second answer waiting for the proposal's row lock wrote a count that missed the
  first. The trigger now locks the proposal first (``FOR NO KEY UPDATE``) and recounts in the next statement.
- ``Assignment.proposal_state`` (0030): an assignment inserted (or moved to another proposal) while its proposal's
  state changed kept the old state (the proposal's trigger did not see the new row). It now reads the proposal
  ``FOR SHARE``.

SQLite runs one writer at a time, so no two triggers interleave there: its tally triggers are made again only
because the tables' checks are remade (SQLite refuses to rebuild a table that a trigger names), with the statements
PostgreSQL runs. Frozen here: migrations keep working as written.
"""

from importlib import import_module

from django.db import migrations, models

from core.migration_sql import per_vendor

FIGURES = import_module("proposals.migrations.0020_figure_tally")
DEADLINES = import_module("proposals.migrations.0029_deadline_tally")
COSIGNERS = import_module("proposals.migrations.0006_confirmed_cosigners_kept_by_database")
STATES = import_module("proposals.migrations.0030_assignment_proposal_state")
TABLE = DEADLINES.TABLE
HANDLING = DEADLINES.HANDLING
YEAR = DEADLINES.YEAR


def _out(r, vendor):
    """The assignment taken out of its row, which is deleted when it reaches 0. A row that is not there, or a
    proposal that is not (a flush), leaves everything alone."""
    where = f"committee_id = {DEADLINES._committee_of(r)} AND year = {YEAR[vendor].format(r=r)}"
    return (
        f"UPDATE {TABLE} SET deadlines = deadlines - 1 WHERE {where}; "  # noqa: S608 (constants of this module)
        f"DELETE FROM {TABLE} WHERE {where} AND deadlines = 0"  # noqa: S608 (constants of this module)
    )


def _all_out(r, vendor):
    """All the proposal's active assignments out of their rows; the rows they emptied deleted."""
    year = YEAR[vendor].format(r="a")
    mine = (
        f"(SELECT COUNT(*) FROM proposals_assignment a WHERE a.proposal_id = {r}.id AND a.is_active "  # noqa: S608
        f"AND {year} = {TABLE}.year)"
    )
    years = f"(SELECT {year} FROM proposals_assignment a WHERE a.proposal_id = {r}.id AND a.is_active)"  # noqa: S608
    return (
        f"UPDATE {TABLE} SET deadlines = deadlines - {mine} "  # noqa: S608 (constants of this module)
        f"WHERE committee_id = {r}.committee_id AND year IN {years}; "
        f"DELETE FROM {TABLE} WHERE committee_id = {r}.committee_id AND deadlines = 0"  # noqa: S608
    )


def _deadline_sqlite(out, all_out):
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in DEADLINES.READ)
    read = ", ".join(DEADLINES.READ)
    return [
        f"""CREATE TRIGGER deadline_tally_insert AFTER INSERT ON proposals_assignment WHEN NEW.is_active
        BEGIN {DEADLINES._in("NEW", "sqlite")}; END""",
        f"""CREATE TRIGGER deadline_tally_delete AFTER DELETE ON proposals_assignment WHEN OLD.is_active
        BEGIN {out("OLD", "sqlite")}; END""",
        f"""CREATE TRIGGER deadline_tally_update_in AFTER UPDATE OF {read} ON proposals_assignment
        WHEN NEW.is_active AND ({changed}) BEGIN {DEADLINES._in("NEW", "sqlite")}; END""",
        f"""CREATE TRIGGER deadline_tally_update_out AFTER UPDATE OF {read} ON proposals_assignment
        WHEN OLD.is_active AND ({changed}) BEGIN {out("OLD", "sqlite")}; END""",
        f"""CREATE TRIGGER deadline_tally_proposal_out AFTER UPDATE OF state, committee_id ON proposals_proposal
        WHEN {DEADLINES._LEAVES} BEGIN {all_out("OLD", "sqlite")}; END""",
        f"""CREATE TRIGGER deadline_tally_proposal_in AFTER UPDATE OF state, committee_id ON proposals_proposal
        WHEN {DEADLINES._ENTERS} BEGIN {DEADLINES._all_in("NEW", "sqlite")}; END""",
        f"""CREATE TRIGGER deadline_tally_proposal_delete AFTER DELETE ON proposals_proposal
        WHEN OLD.state IN {HANDLING} BEGIN {all_out("OLD", "sqlite")}; END""",
    ]


SQLITE_DEADLINES = _deadline_sqlite(_out, _all_out)
SQLITE_DEADLINES_0029 = _deadline_sqlite(DEADLINES._out, DEADLINES._all_out)
SQLITE_FIGURES_0020 = [sql for sql in FIGURES.SQLITE if sql.startswith("CREATE TRIGGER")]
SQLITE_DROP = [*DEADLINES.SQLITE_REVERSE, *FIGURES.SQLITE_REVERSE]


def _deadline_functions(out, all_out, *, locked):
    # an assignment entering a proposal reads it FOR SHARE; a proposal entering or leaving handling locks its
    # assignments FOR SHARE (the order 0030's trigger takes them in: the proposal, then its assignments)
    enters = (
        "IF TG_OP = 'INSERT' THEN PERFORM 1 FROM proposals_proposal WHERE id = NEW.proposal_id FOR SHARE; "
        "ELSIF TG_OP = 'UPDATE' AND NEW.proposal_id IS DISTINCT FROM OLD.proposal_id THEN "
        "PERFORM 1 FROM proposals_proposal WHERE id = NEW.proposal_id FOR SHARE; END IF;"
        if locked
        else ""
    )
    counted = "PERFORM 1 FROM proposals_assignment WHERE proposal_id = OLD.id ORDER BY id FOR SHARE;" if locked else ""
    return [
        f"""CREATE OR REPLACE FUNCTION proposals_deadline_tally() RETURNS trigger AS $$
        BEGIN
            {enters}
            IF TG_OP <> 'INSERT' AND OLD.is_active THEN {out("OLD", "postgresql")}; END IF;
            IF TG_OP <> 'DELETE' AND NEW.is_active THEN {DEADLINES._in("NEW", "postgresql")}; END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION proposals_deadline_tally_proposal() RETURNS trigger AS $$
        BEGIN
            {counted}
            IF TG_OP = 'DELETE' THEN
                IF OLD.state IN {HANDLING} THEN {all_out("OLD", "postgresql")}; END IF;
                RETURN NULL;
            END IF;
            IF {DEADLINES._LEAVES} THEN {all_out("OLD", "postgresql")}; END IF;
            IF {DEADLINES._ENTERS} THEN {DEADLINES._all_in("NEW", "postgresql")}; END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    ]


def _lock_proposals(ids):
    return f"PERFORM 1 FROM proposals_proposal WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE"  # noqa: S608


COSIGNER_RECOUNT = f"""CREATE OR REPLACE FUNCTION proposals_cosigner_recount() RETURNS trigger AS $$
    BEGIN
        -- the proposals locked first: the recount's snapshot then sees every answer committed before it
        IF TG_OP = 'INSERT' THEN
            {_lock_proposals("NEW.proposal_id")};
        ELSIF TG_OP = 'DELETE' THEN
            {_lock_proposals("OLD.proposal_id")};
        ELSE
            {_lock_proposals("OLD.proposal_id, NEW.proposal_id")};
        END IF;
        IF TG_OP <> 'INSERT' THEN {COSIGNERS.recount("OLD.proposal_id")}; END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.proposal_id <> OLD.proposal_id) THEN
            {COSIGNERS.recount("NEW.proposal_id")};
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""

ASSIGNMENT_STATE = f"""CREATE OR REPLACE FUNCTION proposals_assignment_true_state() RETURNS trigger AS $$
    BEGIN
        -- a new row of the proposal waits for a change of its state in flight, which would not see it
        IF TG_OP = 'INSERT' THEN
            PERFORM 1 FROM proposals_proposal WHERE id = NEW.proposal_id FOR SHARE;
        ELSIF NEW.proposal_id IS DISTINCT FROM OLD.proposal_id THEN
            PERFORM 1 FROM proposals_proposal WHERE id = NEW.proposal_id FOR SHARE;
        END IF;
        NEW.proposal_state := COALESCE({STATES.TRUE.format(pid="NEW.proposal_id")}, '');
        RETURN NEW;
    END $$ LANGUAGE plpgsql"""


def _replace(sql):
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


POSTGRES = [
    *_deadline_functions(_out, _all_out, locked=True),
    COSIGNER_RECOUNT,
    ASSIGNMENT_STATE,
]
POSTGRES_REVERSE = [
    *_deadline_functions(DEADLINES._out, DEADLINES._all_out, locked=False),
    _replace(COSIGNERS.POSTGRES[0]),
    _replace(next(sql for sql in STATES.POSTGRES if "proposals_assignment_true_state()" in sql.split("RETURNS")[0])),
]
NOT_NEGATIVE = models.Q(*((f"{name}__gte", 0) for name in FIGURES.COUNTS))


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0032_assignment_returned_index"),
    ]

    operations = [
        per_vendor({"sqlite": SQLITE_DROP}, {"sqlite": SQLITE_DEADLINES_0029 + SQLITE_FIGURES_0020}),
        migrations.RemoveConstraint(model_name="deadlinetally", name="deadline_tally_not_empty"),
        migrations.AddConstraint(
            model_name="deadlinetally",
            constraint=models.CheckConstraint(condition=models.Q(deadlines__gte=0), name="deadline_tally_not_negative"),
        ),
        migrations.AddConstraint(
            model_name="figuretally",
            constraint=models.CheckConstraint(condition=NOT_NEGATIVE, name="figure_tally_not_negative"),
        ),
        per_vendor(
            {"sqlite": SQLITE_DEADLINES + SQLITE_FIGURES_0020, "postgresql": POSTGRES},
            {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_REVERSE},
        ),
    ]
