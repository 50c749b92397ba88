"""``AttendanceTally``: the attendance's duty events counted per committee, quarter, member and kind, kept by the
database (#22: a quarter's roll-up counted the committee's whole year of attendance, 1.8 M rows of a city, on every
run; the fastest aggregate written by hand reads them too).

One attendance row (status present, excused or absent) at a held or filed activity yields what
``assessments.sources`` gives it: its main event (``activity_excused``, ``activity_absent``, else the activity's
type when present, ``activity_present`` for a type without its own kind), ``platform_work`` when present at an
activity held at a platform, ``activity_signup`` when present after signing up. Each counts in the cell (the
activity's committee, the local year and quarter of its start, the member, the kind).

Every write that changes what a row yields moves its events out of their old cells and into the new ones, in the
writer's transaction, so no write path can forget it (the services, the admin, a bulk ``update()``, a restore):
- attendance inserted, deleted, or updated in its status, sign-up, member or activity; on PostgreSQL once per
  statement over its transition tables (a bulk invitation or ``COPY`` moves each cell once), first taking its
  activities ``FOR SHARE``, so an activity changed at the same time by another transaction is read after that one
  commits (whichever of the two commits second counts the other's change: no event is lost or counted twice);
- an activity whose type, state, start, committee or platform changes moves all its attendance's events; one
  deleted before its attendance (Django deletes the attendance first) takes them out.
A move is a delta: taken out of a cell by an update, added by an upsert under the cell's row lock (writers of one
cell take turns; deltas commute); a cell left at 0 is deleted at the end of the same trigger (the partial index
``attendance_tally_emptied`` finds them), so the table holds exactly what a rebuild makes. A cell that is not there
is left alone when events are taken out (a flush empties the cells before the rows).

The local year and quarter are those of ``settings.TIME_ZONE`` when this ran: PostgreSQL converts to the zone;
SQLite adds the zone's offset on 1 January for the year and compares with the UTC moments of the zone's 1 April,
1 July and 1 October for the quarter (whole seconds, as ``activities 0010`` does).

``assessments.tally`` counts the cells from the rows (``manage.py attendance_tally_rebuild --check``;
``tests/assessments/test_attendance_tally.py`` runs random writes and compares). Frozen here: migrations keep
working as written.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

import assessments.models
from core.migration_sql import per_vendor

TABLE = "assessments_attendancetally"
KEY = ("committee_id", "year", "quarter", "member_id", "kind")
KEYS = ", ".join(KEY)
ACTIVITY_READ = ("kind", "state", "starts_at", "committee_id", "platform_id")  # what an activity's events read
ATTENDANCE_READ = ("status", "signed_up_at", "member_id", "activity_id")  # what a row's events read
TYPES = {  # the activity types with their own event kind (``sources.ACTIVITY_KINDS`` when this ran)
    "study": "activity_study",
    "inspection": "activity_inspection",
    "research": "activity_research",
    "consultation": "activity_consultation",
    "supervision": "activity_supervision",
    "service": "activity_service",
    "reception": "activity_reception",
    "visit": "activity_visit",
    "three_enters": "activity_three_enters",
}
_ZONE = ZoneInfo(settings.TIME_ZONE)


def _minutes(month):
    return int(_ZONE.utcoffset(datetime(2026, month, 1)).total_seconds() // 60)


def _year(a, vendor):
    if vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {a}.starts_at AT TIME ZONE '{settings.TIME_ZONE}') AS integer)"
    return f"CAST(strftime('%Y', substr({a}.starts_at, 1, 19), '{_minutes(1):+d} minutes') AS integer)"


def _quarter(a, vendor):
    if vendor == "postgresql":
        return f"CAST(EXTRACT(QUARTER FROM {a}.starts_at AT TIME ZONE '{settings.TIME_ZONE}') AS integer)"
    at = f"substr({a}.starts_at, 1, 19)"
    year = f"strftime('%Y', {at}, '{_minutes(1):+d} minutes')"

    def before(month):  # the UTC moment of the local first of ``month`` in the row's local year
        return f"{at} < datetime({year} || '-{month:02d}-01', '{-_minutes(month):+d} minutes')"

    return f"CASE WHEN {before(4)} THEN 1 WHEN {before(7)} THEN 2 WHEN {before(10)} THEN 3 ELSE 4 END"


def _main(x, a):
    """The main event of row ``x`` at activity ``a`` (``sources.attendance_kind``)."""
    types = " ".join(f"WHEN {a}.kind = '{t}' THEN '{k}'" for t, k in TYPES.items())
    return (
        f"CASE WHEN {x}.status = 'excused' THEN 'activity_excused' WHEN {x}.status = 'absent' THEN 'activity_absent' "
        f"{types} ELSE 'activity_present' END"
    )


def _platform(x, a):
    return f"{x}.status = 'present' AND {a}.platform_id IS NOT NULL"


def _signup(x, a):
    return f"{x}.status = 'present' AND {x}.signed_up_at IS NOT NULL"


def _kind(x, a):
    """The event kind of row ``x`` at activity ``a`` for the numbers 1 (its main event), 2 (platform work), 3 (the
    sign-up) of ``e.n``; NULL when it yields none of that number."""
    platform = f"CASE WHEN {_platform(x, a)} THEN 'platform_work' END"
    signup = f"CASE WHEN {_signup(x, a)} THEN 'activity_signup' END"
    return f"CASE e.n WHEN 1 THEN {_main(x, a)} WHEN 2 THEN {platform} ELSE {signup} END"


def _events(x, a, source, vendor, sign="1", where="TRUE"):
    """``SELECT`` of the cells (``KEY``) and ``sign`` of every event of the rows ``x`` at activities ``a``, from
    ``source`` (a FROM clause naming ``x`` and ``a``), those of them that meet ``where``."""
    return (
        f"SELECT * FROM (SELECT {a}.committee_id, {_year(a, vendor)} AS year, {_quarter(a, vendor)} AS quarter, "  # noqa: S608 (constants)
        f"{x}.member_id, {_kind(x, a)} AS kind, {sign} AS n FROM {source} "
        "CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) e "
        f"WHERE {a}.state IN ('held', 'filed') AND {x}.status IN ('present', 'excused', 'absent') AND {where}) ev "
        "WHERE ev.kind IS NOT NULL"
    )


def _add(select):
    """Add the events of ``select`` (cells with a count) to their cells."""
    return (
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT {KEYS}, SUM(n) FROM ({select}) d "  # noqa: S608 (constants)
        f"GROUP BY {KEYS} ORDER BY {KEYS} ON CONFLICT ({KEYS}) DO UPDATE SET n = {TABLE}.n + excluded.n"
    )


def _take(select):
    """Take the events of ``select`` (cells with a count to take) out of their cells (none: left alone)."""
    match = " AND ".join(f"{TABLE}.{k} = d.{k}" for k in KEY)
    return (
        f"UPDATE {TABLE} SET n = {TABLE}.n - d.n FROM (SELECT {KEYS}, SUM(n) AS n FROM ({select}) s "  # noqa: S608
        f"GROUP BY {KEYS}) d WHERE {match}"
    )


EMPTIED = f"DELETE FROM {TABLE} WHERE n = 0"  # noqa: S608 (constants of this module)


def _fill(vendor):
    """Every cell counted from the rows already there: one scan, each event kind a branch (not the triggers' three
    numbered rows per attendance row)."""
    counted = "a.state IN ('held', 'filed') AND x.status IN ('present', 'excused', 'absent')"
    cell = f"a.committee_id, {_year('a', vendor)} AS year, {_quarter('a', vendor)} AS quarter, x.member_id"
    rows = "groups_attendance x JOIN groups_activity a ON a.id = x.activity_id"
    branches = [
        f"SELECT {cell}, {_main('x', 'a')} AS kind FROM {rows} WHERE {counted}",  # noqa: S608 (constants of this module)
        f"SELECT {cell}, 'platform_work' FROM {rows} WHERE {counted} AND {_platform('x', 'a')}",  # noqa: S608
        f"SELECT {cell}, 'activity_signup' FROM {rows} WHERE {counted} AND {_signup('x', 'a')}",  # noqa: S608
    ]
    return (
        f"INSERT INTO {TABLE} ({KEYS}, n) SELECT {KEYS}, COUNT(*) FROM ("  # noqa: S608 (constants of this module)
        f"{' UNION ALL '.join(branches)}) ev GROUP BY {KEYS}"
    )


# --- SQLite: a trigger per row; the activity's events read (both databases) -------------------------------------------------------------------------------


def _row(x):
    """Attendance row ``x`` (NEW or OLD) as ``r``, at its activity ``a``."""
    columns = ", ".join(f"{x}.{c} AS {c}" for c in ("member_id", "status", "signed_up_at"))
    return f"(SELECT {columns}) r JOIN groups_activity a ON a.id = {x}.activity_id"


def _attendance_of(a):
    """The attendance rows of activity ``a`` (NEW or OLD) as ``x``, with ``a`` its columns."""
    columns = ", ".join(f"{a}.{c} AS {c}" for c in ("id", *ACTIVITY_READ))
    return f"groups_attendance x JOIN (SELECT {columns}) act ON x.activity_id = act.id"


def _sqlite_row_events(x):
    return _events("r", "a", _row(x), "sqlite")


def _activity_events(a, vendor):
    """The events of the attendance of activity ``a`` (NEW or OLD) as it is (or was)."""
    return _events("x", "act", _attendance_of(a), vendor)


def _changed(columns, different):
    return " OR ".join(different.format(c=c) for c in columns)


SQLITE = [
    f"""CREATE TRIGGER attendance_tally_insert AFTER INSERT ON groups_attendance
    WHEN NEW.status IN ('present', 'excused', 'absent')
    BEGIN {_add(_sqlite_row_events("NEW"))}; END""",
    f"""CREATE TRIGGER attendance_tally_delete AFTER DELETE ON groups_attendance
    WHEN OLD.status IN ('present', 'excused', 'absent')
    BEGIN {_take(_sqlite_row_events("OLD"))}; {EMPTIED}; END""",
    f"""CREATE TRIGGER attendance_tally_update AFTER UPDATE OF {", ".join(ATTENDANCE_READ)} ON groups_attendance
    WHEN {_changed(ATTENDANCE_READ, "OLD.{c} IS NOT NEW.{c}")}
    BEGIN {_take(_sqlite_row_events("OLD"))}; {_add(_sqlite_row_events("NEW"))}; {EMPTIED}; END""",
    f"""CREATE TRIGGER activity_tally_update AFTER UPDATE OF {", ".join(ACTIVITY_READ)} ON groups_activity
    WHEN ({_changed(ACTIVITY_READ, "OLD.{c} IS NOT NEW.{c}")})
    AND (OLD.state IN ('held', 'filed') OR NEW.state IN ('held', 'filed'))
    BEGIN {_take(_activity_events("OLD", "sqlite"))}; {_add(_activity_events("NEW", "sqlite"))}; {EMPTIED}; END""",
    f"""CREATE TRIGGER activity_tally_delete AFTER DELETE ON groups_activity WHEN OLD.state IN ('held', 'filed')
    BEGIN {_take(_activity_events("OLD", "sqlite"))}; {EMPTIED}; END""",
    _fill("sqlite"),
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "attendance_tally_insert",
        "attendance_tally_delete",
        "attendance_tally_update",
        "activity_tally_update",
        "activity_tally_delete",
    )
]

# --- PostgreSQL: the attendance's triggers per statement, over its transition tables; the activity's per row -----------------------------------------

PG = "postgresql"
ROWS_AT = "{rows} x JOIN groups_activity a ON a.id = x.activity_id"
ATTENDANCE_CHANGED = (
    "x.id IN (SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE "  # noqa: S608 (constants)
    + _changed(ATTENDANCE_READ, "o.{c} IS DISTINCT FROM n.{c}")
    + ")"
)


def _pg_rows(rows, *, changed=False):
    return _events("x", "a", ROWS_AT.format(rows=rows), PG, where=ATTENDANCE_CHANGED if changed else "TRUE")


def _share(rows):
    return f"PERFORM 1 FROM groups_activity WHERE id IN (SELECT activity_id FROM {rows}) ORDER BY id FOR SHARE"  # noqa: S608


POSTGRES = [
    f"""CREATE FUNCTION assessments_attendance_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_share("new_rows")};
            {_add(_pg_rows("new_rows"))};
        ELSIF TG_OP = 'DELETE' THEN
            {_take(_pg_rows("old_rows"))};
            {EMPTIED};
        ELSE
            {_share("new_rows")};
            {_take(_pg_rows("old_rows", changed=True))};
            {_add(_pg_rows("new_rows", changed=True))};
            {EMPTIED};
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    # Per activity row, and only when a column its events read changes (an activity's row is also updated by the
    # counts kept on it at every attendance and evidence write, which move no event): its attendance read through
    # the (activity, member) key.
    f"""CREATE FUNCTION assessments_activity_tally() RETURNS trigger AS $$
    BEGIN
        {_take(_activity_events("OLD", PG))};
        IF TG_OP = 'UPDATE' THEN
            {_add(_activity_events("NEW", PG))};
        END IF;
        {EMPTIED};
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER attendance_tally_insert AFTER INSERT ON groups_attendance REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_attendance_tally()""",
    """CREATE TRIGGER attendance_tally_delete AFTER DELETE ON groups_attendance REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_attendance_tally()""",
    """CREATE TRIGGER attendance_tally_update AFTER UPDATE ON groups_attendance
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION assessments_attendance_tally()""",
    f"""CREATE TRIGGER activity_tally_update AFTER UPDATE OF {", ".join(ACTIVITY_READ)} ON groups_activity
    FOR EACH ROW WHEN (({_changed(ACTIVITY_READ, "OLD.{c} IS DISTINCT FROM NEW.{c}")})
    AND (OLD.state IN ('held', 'filed') OR NEW.state IN ('held', 'filed')))
    EXECUTE FUNCTION assessments_activity_tally()""",
    """CREATE TRIGGER activity_tally_delete AFTER DELETE ON groups_activity
    FOR EACH ROW WHEN (OLD.state IN ('held', 'filed')) EXECUTE FUNCTION assessments_activity_tally()""",
    _fill(PG),
]
POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        for name, table in (
            ("attendance_tally_insert", "groups_attendance"),
            ("attendance_tally_delete", "groups_attendance"),
            ("attendance_tally_update", "groups_attendance"),
            ("activity_tally_update", "groups_activity"),
            ("activity_tally_delete", "groups_activity"),
        )
    ),
    "DROP FUNCTION IF EXISTS assessments_attendance_tally()",
    "DROP FUNCTION IF EXISTS assessments_activity_tally()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0014_member_snapshots_member_key_per_statement"),
        ("activities", "0012_attendance_member_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="AttendanceTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("committee_id", models.PositiveIntegerField(verbose_name="committee")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("quarter", models.PositiveSmallIntegerField(verbose_name="quarter")),
                ("member_id", models.PositiveIntegerField(verbose_name="member")),
                (
                    "kind",
                    assessments.models.EventKindField(
                        choices=[
                            ("activity_present", "Activity attended (any type)"),
                            ("activity_study", "Study activity attended"),
                            ("activity_inspection", "Inspection attended"),
                            ("activity_research", "Research activity attended"),
                            ("activity_consultation", "Consultation activity attended"),
                            ("activity_supervision", "Democratic supervision activity attended"),
                            ("activity_service", "Service activity attended"),
                            ("activity_reception", "Reception day attended"),
                            ("activity_visit", "Visit attended"),
                            ("activity_three_enters", "Three-enters activity attended"),
                            ("activity_excused", "Activity missed with leave"),
                            ("activity_absent", "Activity missed without leave"),
                            ("plenary_present", "Plenary session attended (per half-day)"),
                            ("plenary_excused", "Plenary session missed with leave (per half-day)"),
                            ("plenary_absent", "Plenary session missed without leave (per half-day)"),
                            ("proposal_submitted", "Proposal submitted"),
                            ("proposal_filed_lead", "Proposal filed, as lead author"),
                            ("proposal_joint_first", "Joint proposal filed, as first author"),
                            ("proposal_filed_cosigner", "Proposal filed, as co-signer or other joint author"),
                            ("proposal_key_lead", "Key proposal bonus, lead author"),
                            ("proposal_key_cosigner", "Key proposal bonus, co-signer"),
                            ("proposal_excellent_lead", "Excellent proposal bonus, lead author"),
                            ("proposal_excellent_cosigner", "Excellent proposal bonus, co-signer"),
                            ("report_submitted", "Public-opinion report submitted"),
                            ("report_adopted", "Public-opinion report adopted (any level)"),
                            ("report_adopted_national", "Report adopted by the national CPPCC (bonus)"),
                            ("report_adopted_provincial", "Report adopted by the provincial CPPCC (bonus)"),
                            ("report_adopted_city", "Report adopted by the city CPPCC (bonus)"),
                            ("report_adopted_district", "Report adopted by the district CPPCC (bonus)"),
                            ("report_not_adopted", "Public-opinion report not adopted"),
                            ("instruction_national", "Leader's written instruction, national level"),
                            ("instruction_provincial", "Leader's written instruction, provincial level"),
                            ("instruction_city", "Leader's written instruction, city level"),
                            ("instruction_district", "Leader's written instruction, district level"),
                            ("consultation_present", "Consultation attended"),
                            ("platform_work", "Work at a duty platform"),
                            ("constituent_contact", "Contact with the sector's people recorded"),
                            ("activity_signup", "Signed up for an open activity and attended"),
                        ],
                        error_messages={"invalid_choice": "Unknown event kind “%(value)s”: choose one from the list."},
                        max_length=30,
                        verbose_name="event kind",
                    ),
                ),
                ("n", models.IntegerField(default=0, verbose_name="events")),
            ],
            options={
                "verbose_name": "attendance events tally",
                "verbose_name_plural": "attendance events tallies",
                "indexes": [models.Index(condition=models.Q(("n", 0)), fields=["n"], name="attendance_tally_emptied")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("committee_id", "year", "quarter", "member_id", "kind"), name="attendance_tally_cell"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("quarter__gte", 1), ("quarter__lte", 4)), name="attendance_tally_quarter"
                    ),
                    models.CheckConstraint(condition=models.Q(("n__gte", 0)), name="attendance_tally_not_negative"),
                ],
            },
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
    ]
