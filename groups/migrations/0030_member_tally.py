"""``MemberTally``: the members in office per committee, and the standing members among them, kept by the database
(#22: the coverage page, the leaders' home, the workbench and the committees' overview counted a committee's members
on every request, a sequential scan of the 50,000 members at 11–48 ms).

Every insert, delete and update of a counted column of a member moves them out of their old committee's row and into
the new one's, in the writer's transaction (SQLite and PostgreSQL), as ``activities.FiledTally`` (activities 0010)
is kept: the services, the admin, a bulk ``update()``, an import, a restore. A row with no member in office left is
deleted (the last one out deletes it), and the table holds exactly what a rebuild makes (``groups.tally``).
``manage.py members_rebuild --check`` and ``tests/groups/test_member_tally.py`` hold the rows equal to the members.
Frozen here: migrations keep working as written.
"""

from django.db import migrations, models

from core.migration_sql import per_vendor

TABLE = "groups_membertally"
READ = ("committee_id", "status", "is_standing")  # an update of none of them moves nothing


def _counted(r):
    return f"{r}.status = 'active'"


def _standing(r):
    return f"(CASE WHEN {r}.is_standing THEN 1 ELSE 0 END)"


def _in(r):
    return (
        f"INSERT INTO {TABLE} (committee_id, in_office, standing) "  # noqa: S608 (constants of this module)
        f"VALUES ({r}.committee_id, 1, {_standing(r)}) "
        f"ON CONFLICT (committee_id) DO UPDATE SET in_office = {TABLE}.in_office + 1, "
        f"standing = {TABLE}.standing + {_standing(r)}"
    )


def _out(r):
    """The member taken out: the row deleted if they were the last, else one less (never 0: the table's check). A row
    that is not there is left alone (a flush deletes the rows before the members)."""
    where = f"committee_id = {r}.committee_id"
    return (
        f"DELETE FROM {TABLE} WHERE {where} AND in_office = 1; "  # noqa: S608 (constants of this module)
        f"UPDATE {TABLE} SET in_office = in_office - 1, standing = standing - {_standing(r)} "
        f"WHERE {where} AND in_office > 1"
    )


FILL = (
    f"INSERT INTO {TABLE} (committee_id, in_office, standing) "  # noqa: S608 (constants of this module)
    f"SELECT m.committee_id, COUNT(*), SUM({_standing('m')}) FROM groups_member m "
    f"WHERE {_counted('m')} GROUP BY m.committee_id"
)


def _changed(fmt):
    return " OR ".join(fmt.format(c=c) for c in READ)


SQLITE = [
    f"""CREATE TRIGGER member_tally_insert AFTER INSERT ON groups_member WHEN {_counted("NEW")}
    BEGIN {_in("NEW")}; END""",
    f"""CREATE TRIGGER member_tally_delete AFTER DELETE ON groups_member WHEN {_counted("OLD")}
    BEGIN {_out("OLD")}; END""",
    # The old row out, the new row in: two triggers (one WHEN each); either order leaves the same row.
    f"""CREATE TRIGGER member_tally_update_in AFTER UPDATE OF {", ".join(READ)} ON groups_member
    WHEN {_counted("NEW")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_in("NEW")}; END""",
    f"""CREATE TRIGGER member_tally_update_out AFTER UPDATE OF {", ".join(READ)} ON groups_member
    WHEN {_counted("OLD")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_out("OLD")}; END""",
    FILL,
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("member_tally_insert", "member_tally_delete", "member_tally_update_in", "member_tally_update_out")
]

POSTGRES = [
    f"""CREATE FUNCTION groups_member_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {_counted("OLD")} THEN {_out("OLD")}; END IF;
        IF TG_OP <> 'DELETE' AND {_counted("NEW")} THEN {_in("NEW")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER member_tally_insert_delete AFTER INSERT OR DELETE ON groups_member
    FOR EACH ROW EXECUTE FUNCTION groups_member_tally()""",
    f"""CREATE TRIGGER member_tally_update AFTER UPDATE OF {", ".join(READ)} ON groups_member
    FOR EACH ROW WHEN ({_changed("OLD.{c} IS DISTINCT FROM NEW.{c}")})
    EXECUTE FUNCTION groups_member_tally()""",
    FILL,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS member_tally_insert_delete ON groups_member",
    "DROP TRIGGER IF EXISTS member_tally_update ON groups_member",
    "DROP FUNCTION IF EXISTS groups_member_tally()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0029_membership_group_span"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("committee_id", models.PositiveIntegerField(unique=True, verbose_name="committee")),
                ("in_office", models.IntegerField(default=0, verbose_name="members in office")),
                ("standing", models.IntegerField(default=0, verbose_name="standing members in office")),
            ],
            options={
                "verbose_name": "members in office tally",
                "verbose_name_plural": "members in office tallies",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("in_office__gt", 0)), name="member_tally_not_empty"),
                    models.CheckConstraint(
                        condition=models.Q(("standing__gte", 0), ("standing__lte", models.F("in_office"))),
                        name="member_tally_standing_within",
                    ),
                ],
            },
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
