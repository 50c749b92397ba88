"""PostgreSQL: a member snapshot's member is checked once per statement, not by a foreign key checked per row.

A roll-up writes every member's snapshot in one ``INSERT … SELECT`` (16,666 rows at 50,000 members); the member
key (Django's deferred foreign key) checked them one by one at commit: 16,666 queued trigger events, each a query
looking up and locking its member ``FOR KEY SHARE`` (60-80 ms of backend CPU, ~100 ms wall idle, measured 7
December 2026). As 0011 did for the run's key, a statement-level trigger reading the statement's rows (a transition
table) now does the same once: it locks the members the rows name ``FOR KEY SHARE`` (the lock the foreign key's check
takes, so none of them can be deleted or re-keyed before the roll-up commits) and refuses, as a foreign-key
violation, a statement naming a member that does not exist: the members locked are fewer than the members named
(30-40 ms of backend CPU for the same 16,666). The member's side keeps the key's rule as the
foreign key had it (no action, checked at commit): a member cannot be deleted, nor its id changed, while member
snapshots name it (a deferred constraint trigger per member row deleted or re-keyed: rare, as the foreign key's own
check was). The project runs at READ COMMITTED, where each check's query sees what committed before it (a deletion
that committed meanwhile refuses the snapshot; snapshots that committed meanwhile refuse the deletion).

Differences from the foreign key: the snapshot's side is checked at the end of each statement, not at commit (no
code writes a snapshot before its member); the model keeps its ``ForeignKey`` (Django's on_delete cascade, joins);
SQLite keeps the foreign key (a check per row there is an index lookup in process).
"""

from django.db import migrations

from core.migration_sql import per_vendor

NAME = "membersnapshot_member_key"
# Django's key by whatever name it has; "%%" as the driver reads it (the statement runs with empty parameters).
DROP_KEY = """DO $$
DECLARE key_name text;
BEGIN
    FOR key_name IN SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.conrelid = 'assessments_membersnapshot'::regclass AND c.contype = 'f'
          AND c.confrelid = 'groups_member'::regclass AND a.attname = 'member_id'
    LOOP
        EXECUTE format('ALTER TABLE assessments_membersnapshot DROP CONSTRAINT %%I', key_name);
    END LOOP;
END $$"""

POSTGRES = [
    DROP_KEY,
    # the members found and locked, against the members named: fewer when one does not exist (or was deleted by a
    # transaction that committed while this one waited for its lock)
    f"""CREATE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    locked bigint;
    named bigint;
BEGIN
    SELECT count(*) INTO locked FROM (
        SELECT 1 FROM groups_member m WHERE m.id IN (SELECT n.member_id FROM new_rows n) FOR KEY SHARE OF m) found;
    SELECT count(DISTINCT n.member_id) INTO named FROM new_rows n;
    IF locked <> named THEN
        RAISE EXCEPTION 'a member snapshot must name an existing member'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{NAME}', TABLE = 'assessments_membersnapshot';
    END IF;
    RETURN NULL;
END $$""",
    f"CREATE TRIGGER {NAME}_insert AFTER INSERT ON assessments_membersnapshot "
    f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {NAME}()",
    f"CREATE TRIGGER {NAME}_update AFTER UPDATE ON assessments_membersnapshot "
    f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {NAME}()",
    f"""CREATE FUNCTION {NAME}_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM assessments_membersnapshot s WHERE s.member_id = OLD.id) THEN
        RAISE EXCEPTION 'a member cannot be deleted or re-keyed under its member snapshots'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{NAME}', TABLE = 'groups_member';
    END IF;
    RETURN NULL;
END $$""",
    f"CREATE CONSTRAINT TRIGGER {NAME}_kept_delete AFTER DELETE ON groups_member "
    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {NAME}_kept()",
    f"CREATE CONSTRAINT TRIGGER {NAME}_kept_update AFTER UPDATE OF id ON groups_member "
    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
    f"EXECUTE FUNCTION {NAME}_kept()",
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS {NAME}_kept_update ON groups_member",
    f"DROP TRIGGER IF EXISTS {NAME}_kept_delete ON groups_member",
    f"DROP FUNCTION IF EXISTS {NAME}_kept()",
    f"DROP TRIGGER IF EXISTS {NAME}_update ON assessments_membersnapshot",
    f"DROP TRIGGER IF EXISTS {NAME}_insert ON assessments_membersnapshot",
    f"DROP FUNCTION IF EXISTS {NAME}()",
    "ALTER TABLE assessments_membersnapshot ADD CONSTRAINT assessments_membersn_member_id_9df7a527_fk_groups_me "
    "FOREIGN KEY (member_id) REFERENCES groups_member (id) DEFERRABLE INITIALLY DEFERRED",
]


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0013_committee_snapshot_ytd_total"),
        ("groups", "0030_member_tally"),
    ]

    operations = [
        per_vendor({"postgresql": POSTGRES}, {"postgresql": POSTGRES_REVERSE}),
    ]
