"""The members in office per committee stay right when two transactions write at once (PostgreSQL, READ
COMMITTED), and so does the plenary attendance's check against its session.

- ``MemberTally`` (0030) took a member out in two statements, ``DELETE … AND in_office = 1`` then
  ``UPDATE … in_office - 1 … AND in_office > 1``: two members of a committee of 2 leaving office at once left it at 1
  (the second's DELETE saw 2 and matched nothing; its UPDATE waited for the first, re-read 1 and skipped). Now one
  unconditional ``UPDATE`` (a writer waiting for the row's lock subtracts from the committed count), then the row
  deleted by its key when it reached 0, as ``AttendanceTally`` (assessments 0015) does; the check is
  ``in_office >= 0`` (0 only inside the trigger that deletes it).
- The plenary attendance's check (0007) read the session's ``half_days`` with the statement's snapshot while the
  session's own check read the attendance with its: a row of 3 half-days written while the session went down to 2
  passed both. The attendance's trigger now reads the session ``FOR SHARE``: it waits for a session being changed and
  reads what it committed, and a session's change waits for the attendance being written and then sees its rows.

SQLite runs one writer at a time, so no two triggers interleave there: its member triggers are made again only
because the table's check is remade (SQLite refuses to rebuild a table that a trigger names), with the statements
PostgreSQL runs. Frozen here: migrations keep working as written.
"""

from importlib import import_module

from django.db import migrations, models

from core.migration_sql import per_vendor

MEMBERS = import_module("groups.migrations.0030_member_tally")
PLENARY = import_module("groups.migrations.0007_plenary_attendance_within_session")
TABLE = MEMBERS.TABLE


def _out(r):
    """The member taken out of their committee's row, which is deleted when it reaches 0 (a row that is not there is
    left alone: a flush deletes the rows before the members)."""
    where = f"committee_id = {r}.committee_id"
    return (
        f"UPDATE {TABLE} SET in_office = in_office - 1, standing = standing - {MEMBERS._standing(r)} "  # noqa: S608
        f"WHERE {where}; DELETE FROM {TABLE} WHERE {where} AND in_office = 0"  # noqa: S608 (constants of this module)
    )


def _changed(fmt):
    return " OR ".join(fmt.format(c=c) for c in MEMBERS.READ)


READ = ", ".join(MEMBERS.READ)
SQLITE = [
    f"""CREATE TRIGGER member_tally_insert AFTER INSERT ON groups_member WHEN {MEMBERS._counted("NEW")}
    BEGIN {MEMBERS._in("NEW")}; END""",
    f"""CREATE TRIGGER member_tally_delete AFTER DELETE ON groups_member WHEN {MEMBERS._counted("OLD")}
    BEGIN {_out("OLD")}; END""",
    f"""CREATE TRIGGER member_tally_update_in AFTER UPDATE OF {READ} ON groups_member
    WHEN {MEMBERS._counted("NEW")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {MEMBERS._in("NEW")}; END""",
    f"""CREATE TRIGGER member_tally_update_out AFTER UPDATE OF {READ} ON groups_member
    WHEN {MEMBERS._counted("OLD")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_out("OLD")}; END""",
]
SQLITE_0030 = [sql for sql in MEMBERS.SQLITE if sql.startswith("CREATE TRIGGER")]


def _member_function(out):
    return f"""CREATE OR REPLACE FUNCTION groups_member_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {MEMBERS._counted("OLD")} THEN {out("OLD")}; END IF;
        IF TG_OP <> 'DELETE' AND {MEMBERS._counted("NEW")} THEN {MEMBERS._in("NEW")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql"""


PLENARY_SHARED = f"""CREATE OR REPLACE FUNCTION groups_plenary_attendance_within_session() RETURNS trigger AS $$
    BEGIN
        -- the session's row lock first: its half-days as committed after any change of them in flight
        PERFORM 1 FROM groups_plenarysession WHERE id = NEW.session_id FOR SHARE;
        IF NEW.present + NEW.excused + NEW.absent >
           (SELECT half_days FROM groups_plenarysession WHERE id = NEW.session_id) THEN
            RAISE EXCEPTION '{PLENARY.MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql"""

POSTGRES = [_member_function(_out), PLENARY_SHARED]
POSTGRES_REVERSE = [
    _member_function(MEMBERS._out),
    PLENARY.POSTGRES[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
]


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0030_member_tally"),
    ]

    operations = [
        per_vendor({"sqlite": MEMBERS.SQLITE_REVERSE}, {"sqlite": SQLITE_0030}),
        migrations.RemoveConstraint(model_name="membertally", name="member_tally_not_empty"),
        migrations.AddConstraint(
            model_name="membertally",
            constraint=models.CheckConstraint(condition=models.Q(in_office__gte=0), name="member_tally_not_negative"),
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": MEMBERS.SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
