"""``FiledTally``: the filed activities per committee, calendar year and group, kept by the database (#22: the
annual settlement counted the year's 50,634 filed activities of a committee on every request to show 393 groups'
counts, on its page, both its workbooks and the funding).

Every insert, delete and update of a counted column of an activity moves its count out of its old cell and into its
new one, in the writer's transaction (SQLite and PostgreSQL), as ``proposals.FigureTally`` (proposals 0020) is kept:
the services, the admin, a bulk ``update()``, a restore. A cell with no activity left is deleted (the last one out
deletes it, so the count never reaches 0), and the table holds exactly what a rebuild makes (``activities.tally``).
The year is the calendar year of ``starts_at`` in the deployment's time zone (``settings.TIME_ZONE`` when this ran),
as ``core.dates.in_year`` bounds it: PostgreSQL converts to the zone itself; SQLite has no zones and adds the zone's
offset on 1 January (a year starts and ends at a new year, whose offset is the same every year for any zone that
keeps its rules), to the whole second Django stores (``YYYY-MM-DD HH:MM:SS``; SQLite's own parsing keeps milliseconds
and would round the last microsecond of a year into the next). ``manage.py filed_rebuild --check`` and ``tests/activities/test_filed_tally.py`` hold the cells
equal to the activities. Frozen here: migrations keep working as written.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

from core.migration_sql import per_vendor

TABLE = "activities_filedtally"
READ = ("committee_id", "group_id", "state", "starts_at")  # an update of none of them moves nothing
_ZONE = ZoneInfo(settings.TIME_ZONE)
_NEW_YEAR_MINUTES = int(_ZONE.utcoffset(datetime(2026, 1, 1)).total_seconds() // 60)
YEAR = {
    "postgresql": f"CAST(EXTRACT(YEAR FROM {{r}}.starts_at AT TIME ZONE '{settings.TIME_ZONE}') AS integer)",
    # the whole seconds only: SQLite keeps milliseconds and would round 15:59:59.999999 up to the next minute
    "sqlite": f"CAST(strftime('%Y', substr({{r}}.starts_at, 1, 19), '{_NEW_YEAR_MINUTES:+d} minutes') AS integer)",
}


def _counted(r):
    return f"{r}.state = 'filed' AND {r}.group_id IS NOT NULL"


def _where(r, vendor):
    year = YEAR[vendor].format(r=r)
    return f"committee_id = {r}.committee_id AND year = {year} AND group_id = {r}.group_id"


def _in(r, vendor):
    year = YEAR[vendor].format(r=r)
    return (
        f"INSERT INTO {TABLE} (committee_id, year, group_id, filed) "  # noqa: S608 (constants of this module)
        f"VALUES ({r}.committee_id, {year}, {r}.group_id, 1) "
        f"ON CONFLICT (committee_id, year, group_id) DO UPDATE SET filed = {TABLE}.filed + 1"
    )


def _out(r, vendor):
    """The row's count taken out: its cell deleted if it was the last, else one less (never 0: the table's check).
    A cell that is not there is left alone (a flush deletes the cells before the activities)."""
    where = _where(r, vendor)
    return (
        f"DELETE FROM {TABLE} WHERE {where} AND filed = 1; "  # noqa: S608 (constants of this module)
        f"UPDATE {TABLE} SET filed = filed - 1 WHERE {where} AND filed > 1"
    )


def _fill(vendor):
    year = YEAR[vendor].format(r="a")
    return (
        f"INSERT INTO {TABLE} (committee_id, year, group_id, filed) "  # noqa: S608 (constants of this module)
        f"SELECT a.committee_id, {year}, a.group_id, COUNT(*) FROM groups_activity a "
        f"WHERE {_counted('a')} GROUP BY a.committee_id, {year}, a.group_id"
    )


def _changed(fmt):
    return " OR ".join(fmt.format(c=c) for c in READ)


SQLITE = [
    f"""CREATE TRIGGER filed_tally_insert AFTER INSERT ON groups_activity WHEN {_counted("NEW")}
    BEGIN {_in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER filed_tally_delete AFTER DELETE ON groups_activity WHEN {_counted("OLD")}
    BEGIN {_out("OLD", "sqlite")}; END""",
    # The old row out, the new row in: two triggers (one WHEN each); either order leaves the same cells.
    f"""CREATE TRIGGER filed_tally_update_in AFTER UPDATE OF {", ".join(READ)} ON groups_activity
    WHEN {_counted("NEW")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_in("NEW", "sqlite")}; END""",
    f"""CREATE TRIGGER filed_tally_update_out AFTER UPDATE OF {", ".join(READ)} ON groups_activity
    WHEN {_counted("OLD")} AND ({_changed("OLD.{c} IS NOT NEW.{c}")})
    BEGIN {_out("OLD", "sqlite")}; END""",
    _fill("sqlite"),
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("filed_tally_insert", "filed_tally_delete", "filed_tally_update_in", "filed_tally_update_out")
]

POSTGRES = [
    f"""CREATE FUNCTION activities_filed_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {_counted("OLD")} THEN {_out("OLD", "postgresql")}; END IF;
        IF TG_OP <> 'DELETE' AND {_counted("NEW")} THEN {_in("NEW", "postgresql")}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER filed_tally_insert_delete AFTER INSERT OR DELETE ON groups_activity
    FOR EACH ROW EXECUTE FUNCTION activities_filed_tally()""",
    f"""CREATE TRIGGER filed_tally_update AFTER UPDATE OF {", ".join(READ)} ON groups_activity
    FOR EACH ROW WHEN ({_changed("OLD.{c} IS DISTINCT FROM NEW.{c}")})
    EXECUTE FUNCTION activities_filed_tally()""",
    _fill("postgresql"),
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS filed_tally_insert_delete ON groups_activity",
    "DROP TRIGGER IF EXISTS filed_tally_update ON groups_activity",
    "DROP FUNCTION IF EXISTS activities_filed_tally()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0009_activity_counts_kept_by_database"),
    ]

    operations = [
        migrations.CreateModel(
            name="FiledTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("committee_id", models.PositiveIntegerField(verbose_name="committee")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("group_id", models.PositiveIntegerField(verbose_name="group")),
                ("filed", models.IntegerField(default=0, verbose_name="filed activities")),
            ],
            options={
                "verbose_name": "filed activities tally",
                "verbose_name_plural": "filed activities tallies",
                "constraints": [
                    models.UniqueConstraint(fields=("committee_id", "year", "group_id"), name="filed_tally_cell"),
                    models.CheckConstraint(condition=models.Q(("filed__gt", 0)), name="filed_tally_not_empty"),
                ],
            },
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
