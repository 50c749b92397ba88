"""``Activity.has_evidence``: whether the activity has evidence (photos, minutes), kept by the database.

The workbench's "activities to file" are those held, or filed without evidence, of this quarter and the last: at
50k, 38,000 held and 72,000 filed, each filed one probed for its evidence on every visit (#22: 225-560 ms). With the
flag the to-do's rows are an index of their own (``activity_to_file``: held, or filed without evidence), counted
from it alone. The database keeps it (SQLite and PostgreSQL), as it keeps ``proposals.Proposal.confirmed_cosigners``
(proposals 0006), so no write path can forget it:

- an evidence row inserted, deleted or moved to another activity sets its activity's (or activities') flag;
- an activity written with any other value (a stale instance saved by the application, a restored row) gets the
  true one back, so the flag never disagrees with the evidence rows.

Frozen here: migrations keep working as written.
"""

from django.db import migrations, models

from core.migration_sql import per_vendor

HAS = "EXISTS (SELECT 1 FROM groups_evidence e WHERE e.activity_id = {id})"


def mark(aid: str) -> str:
    true = HAS.format(id=aid)
    return f"UPDATE groups_activity SET has_evidence = {true} WHERE id = {aid} AND has_evidence <> {true}"


SQLITE = [
    f"CREATE TRIGGER evidence_has_insert AFTER INSERT ON groups_evidence BEGIN {mark('NEW.activity_id')}; END",
    f"CREATE TRIGGER evidence_has_delete AFTER DELETE ON groups_evidence BEGIN {mark('OLD.activity_id')}; END",
    f"""CREATE TRIGGER evidence_has_update AFTER UPDATE OF activity_id ON groups_evidence
    BEGIN {mark('OLD.activity_id')}; {mark('NEW.activity_id')}; END""",
    # SQLite runs no trigger from inside a trigger's own UPDATE (recursive_triggers is off), so these only correct
    # what the application wrote.
    f"""CREATE TRIGGER activity_has_evidence_insert AFTER INSERT ON groups_activity
    WHEN NEW.has_evidence <> {HAS.format(id='NEW.id')} BEGIN {mark('NEW.id')}; END""",
    f"""CREATE TRIGGER activity_has_evidence_update AFTER UPDATE OF has_evidence ON groups_activity
    WHEN NEW.has_evidence <> {HAS.format(id='NEW.id')} BEGIN {mark('NEW.id')}; END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "evidence_has_insert",
        "evidence_has_delete",
        "evidence_has_update",
        "activity_has_evidence_insert",
        "activity_has_evidence_update",
    )
]

POSTGRES = [
    f"""CREATE FUNCTION activities_evidence_mark() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN {mark('OLD.activity_id')}; END IF;
        IF TG_OP <> 'DELETE' THEN {mark('NEW.activity_id')}; END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER evidence_has_insert AFTER INSERT ON groups_evidence
    FOR EACH ROW EXECUTE FUNCTION activities_evidence_mark()""",
    """CREATE TRIGGER evidence_has_delete AFTER DELETE ON groups_evidence
    FOR EACH ROW EXECUTE FUNCTION activities_evidence_mark()""",
    """CREATE TRIGGER evidence_has_update AFTER UPDATE OF activity_id ON groups_evidence
    FOR EACH ROW WHEN (OLD.activity_id <> NEW.activity_id) EXECUTE FUNCTION activities_evidence_mark()""",
    f"""CREATE FUNCTION activities_activity_true_has_evidence() RETURNS trigger AS $$
    BEGIN
        NEW.has_evidence := {HAS.format(id='NEW.id')};
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    # a new activity has no evidence yet: only an insert claiming some is checked
    """CREATE TRIGGER activity_has_evidence_insert BEFORE INSERT ON groups_activity
    FOR EACH ROW WHEN (NEW.has_evidence) EXECUTE FUNCTION activities_activity_true_has_evidence()""",
    """CREATE TRIGGER activity_has_evidence_update BEFORE UPDATE OF has_evidence ON groups_activity
    FOR EACH ROW WHEN (NEW.has_evidence IS DISTINCT FROM OLD.has_evidence)
    EXECUTE FUNCTION activities_activity_true_has_evidence()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS evidence_has_insert ON groups_evidence",
    "DROP TRIGGER IF EXISTS evidence_has_delete ON groups_evidence",
    "DROP TRIGGER IF EXISTS evidence_has_update ON groups_evidence",
    "DROP FUNCTION IF EXISTS activities_evidence_mark()",
    "DROP TRIGGER IF EXISTS activity_has_evidence_insert ON groups_activity",
    "DROP TRIGGER IF EXISTS activity_has_evidence_update ON groups_activity",
    "DROP FUNCTION IF EXISTS activities_activity_true_has_evidence()",
]


class Migration(migrations.Migration):
    dependencies = [("activities", "0006_attendance_leave_requested_with_member")]

    operations = [
        migrations.RemoveIndex(model_name="activity", name="activity_to_file"),
        migrations.AddField(
            model_name="activity",
            name="has_evidence",
            field=models.BooleanField(
                db_default=False,
                default=False,
                editable=False,
                help_text="Kept by the database from the activity's evidence (photos, minutes).",
                verbose_name="has evidence",
            ),
        ),
        # the activities with evidence already are marked first
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
            before="UPDATE groups_activity SET has_evidence = "
            + HAS.format(id="groups_activity.id")
            + " WHERE id IN (SELECT activity_id FROM groups_evidence)",
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                condition=models.Q(("state", "held"), models.Q(("has_evidence", False), ("state", "filed")), _connector="OR"),
                fields=["committee", "starts_at"],
                include=("id", "state"),
                name="activity_to_file",
            ),
        ),
    ]
