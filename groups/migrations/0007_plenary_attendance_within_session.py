"""The database refuses plenary attendance beyond the session's half-days (a check across two tables).

A CHECK constraint cannot read another table, so triggers do it: on insert or update of an attendance
row (its three counts together at most the session's ``half_days``) and on an update of a session's
``half_days`` (not below any recorded row). SQLite and PostgreSQL, the two databases the project runs on.
"""
from django.db import migrations

from core.migration_sql import per_vendor

MESSAGE = "plenary_attendance_within_session"

SQLITE = [
    f"""CREATE TRIGGER plenary_attendance_within_session_insert BEFORE INSERT ON groups_plenaryattendance
    WHEN NEW.present + NEW.excused + NEW.absent > (SELECT half_days FROM groups_plenarysession WHERE id = NEW.session_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER plenary_attendance_within_session_update BEFORE UPDATE ON groups_plenaryattendance
    WHEN NEW.present + NEW.excused + NEW.absent > (SELECT half_days FROM groups_plenarysession WHERE id = NEW.session_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER plenary_session_half_days_cover_attendance BEFORE UPDATE OF half_days ON groups_plenarysession
    WHEN EXISTS (SELECT 1 FROM groups_plenaryattendance a WHERE a.session_id = NEW.id
                 AND a.present + a.excused + a.absent > NEW.half_days)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS plenary_attendance_within_session_insert",
    "DROP TRIGGER IF EXISTS plenary_attendance_within_session_update",
    "DROP TRIGGER IF EXISTS plenary_session_half_days_cover_attendance",
]

POSTGRES = [
    f"""CREATE FUNCTION groups_plenary_attendance_within_session() RETURNS trigger AS $$
    BEGIN
        IF NEW.present + NEW.excused + NEW.absent >
           (SELECT half_days FROM groups_plenarysession WHERE id = NEW.session_id) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER plenary_attendance_within_session BEFORE INSERT OR UPDATE ON groups_plenaryattendance
    FOR EACH ROW EXECUTE FUNCTION groups_plenary_attendance_within_session()""",
    f"""CREATE FUNCTION groups_plenary_session_half_days_cover() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM groups_plenaryattendance a WHERE a.session_id = NEW.id
                   AND a.present + a.excused + a.absent > NEW.half_days) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER plenary_session_half_days_cover_attendance BEFORE UPDATE OF half_days ON groups_plenarysession
    FOR EACH ROW EXECUTE FUNCTION groups_plenary_session_half_days_cover()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS plenary_attendance_within_session ON groups_plenaryattendance",
    "DROP FUNCTION IF EXISTS groups_plenary_attendance_within_session()",
    "DROP TRIGGER IF EXISTS plenary_session_half_days_cover_attendance ON groups_plenarysession",
    "DROP FUNCTION IF EXISTS groups_plenary_session_half_days_cover()",
]


class Migration(migrations.Migration):
    dependencies = [("groups", "0006_plenary_attendance")]

    operations = [
        per_vendor({"sqlite": SQLITE, "postgresql": POSTGRES}, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
    ]
