"""PostgreSQL: member snapshots keep their run's key (run, committee, year, quarter) by a check per statement,
not a foreign key checked per row.

A roll-up writes every member's snapshot in one ``INSERT … SELECT`` (16,666 rows at 50,000 members), all with
the same run key; the composite foreign key of 0006 checked it once per row at commit (a lookup and a row lock
each: about 0.2 s of a roll-up's 2.7 s, measured in turns at load 9–12). A statement-level trigger reading the
statement's rows (a transition table) now does the same once: it locks the runs the rows name ``FOR KEY SHARE``
(what the foreign key's check takes, so the run cannot be deleted or re-keyed before the roll-up commits) and
refuses, as a foreign-key violation, any row whose key is not its run's. The run's side keeps the key's other
two rules: deleting a run deletes its member snapshots (the key's ``ON DELETE CASCADE``), and a run's
committee, year or quarter cannot change while member snapshots name it.

Group and committee snapshots (a few hundred rows a roll-up) keep 0006's foreign keys; SQLite keeps 0006's
triggers (a check per row there costs an index lookup in process).
"""

from django.db import migrations

from core.migration_sql import per_vendor

KEY_MATCHES = (
    "SELECT 1 FROM assessments_rolluprun r WHERE r.id = k.run_id AND r.committee_id = k.committee_id "
    "AND r.year = k.year AND r.quarter = k.quarter"
)

POSTGRES = [
    "ALTER TABLE assessments_membersnapshot DROP CONSTRAINT membersnapshot_of_its_run",
    f"""CREATE FUNCTION membersnapshot_of_its_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM assessments_rolluprun r WHERE r.id IN (SELECT n.run_id FROM new_rows n) FOR KEY SHARE OF r;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT n.run_id, n.committee_id, n.year, n.quarter FROM new_rows n) k
               WHERE NOT EXISTS ({KEY_MATCHES})) THEN
        RAISE EXCEPTION 'a member snapshot must have its run''s committee, year and quarter'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'membersnapshot_of_its_run',
                  TABLE = 'assessments_membersnapshot';
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER membersnapshot_of_its_run_insert AFTER INSERT ON assessments_membersnapshot "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION membersnapshot_of_its_run()",
    "CREATE TRIGGER membersnapshot_of_its_run_update AFTER UPDATE ON assessments_membersnapshot "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION membersnapshot_of_its_run()",
    """CREATE FUNCTION rolluprun_member_snapshots_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM assessments_membersnapshot WHERE run_id IN (SELECT o.id FROM old_rows o);
    RETURN NULL;
END $$""",
    "CREATE TRIGGER rolluprun_member_snapshots_deleted AFTER DELETE ON assessments_rolluprun "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rolluprun_member_snapshots_deleted()",
    """CREATE FUNCTION rolluprun_member_snapshots_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM assessments_membersnapshot s WHERE s.run_id = OLD.id) THEN
        RAISE EXCEPTION 'a run''s committee, year and quarter cannot change under its member snapshots'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'membersnapshot_of_its_run',
                  TABLE = 'assessments_rolluprun';
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER rolluprun_member_snapshots_key_kept AFTER UPDATE OF id, committee_id, year, quarter "
    "ON assessments_rolluprun FOR EACH ROW WHEN ((OLD.id, OLD.committee_id, OLD.year, OLD.quarter) "
    "IS DISTINCT FROM (NEW.id, NEW.committee_id, NEW.year, NEW.quarter)) "
    "EXECUTE FUNCTION rolluprun_member_snapshots_key_kept()",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS rolluprun_member_snapshots_key_kept ON assessments_rolluprun",
    "DROP FUNCTION IF EXISTS rolluprun_member_snapshots_key_kept()",
    "DROP TRIGGER IF EXISTS rolluprun_member_snapshots_deleted ON assessments_rolluprun",
    "DROP FUNCTION IF EXISTS rolluprun_member_snapshots_deleted()",
    "DROP TRIGGER IF EXISTS membersnapshot_of_its_run_update ON assessments_membersnapshot",
    "DROP TRIGGER IF EXISTS membersnapshot_of_its_run_insert ON assessments_membersnapshot",
    "DROP FUNCTION IF EXISTS membersnapshot_of_its_run()",
    "ALTER TABLE assessments_membersnapshot ADD CONSTRAINT membersnapshot_of_its_run "
    "FOREIGN KEY (run_id, committee_id, year, quarter) "
    "REFERENCES assessments_rolluprun (id, committee_id, year, quarter) ON DELETE CASCADE "
    "DEFERRABLE INITIALLY DEFERRED",
]


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_activity_signup_kind"),
    ]

    operations = [
        per_vendor({"postgresql": POSTGRES}, {"postgresql": POSTGRES_REVERSE}),
    ]
