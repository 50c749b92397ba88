"""``Assignment.proposal_state``: the state of the assignment's proposal, kept by the database (#22).

A handling unit's pages (its list of assignments, its home page's card) put the assignments of proposals still in
handling first: at 50k the busiest unit has 2,890 assignments, and ordering them by their proposal's state joined
every one to its proposal before the first 30 could be chosen (11,500 buffers, 28-35 ms a page at load 4; the card's
count 13 ms). With the state beside the assignment the unit's rows are ordered and counted from the assignments
alone, and only the rows shown are joined. The database keeps it (SQLite and PostgreSQL), as it keeps the activity's
``has_evidence`` (activities 0007), so no write path can forget it:

- a proposal whose state changes sets it on its assignments;
- an assignment written with any other value (a new one, a stale instance saved by the application, a restored row)
  gets its proposal's state.

``proposals.kept_columns`` says what the proposals say and mends it (``manage.py assignment_states_rebuild``).
Frozen here: migrations keep working as written.
"""

from django.db import migrations, models

from core.migration_sql import per_vendor

TRUE = "(SELECT p.state FROM proposals_proposal p WHERE p.id = {pid})"
SET = f"UPDATE proposals_assignment SET proposal_state = {TRUE.format(pid='NEW.proposal_id')} WHERE id = NEW.id"

SQLITE = [
    "UPDATE proposals_assignment SET proposal_state = " + TRUE.format(pid="proposals_assignment.proposal_id"),
    """CREATE TRIGGER assignment_state_follow AFTER UPDATE OF state ON proposals_proposal
    WHEN OLD.state IS NOT NEW.state
    BEGIN UPDATE proposals_assignment SET proposal_state = NEW.state WHERE proposal_id = NEW.id; END""",
    f"""CREATE TRIGGER assignment_state_insert AFTER INSERT ON proposals_assignment
    WHEN NEW.proposal_state IS NOT {TRUE.format(pid="NEW.proposal_id")} BEGIN {SET}; END""",
    f"""CREATE TRIGGER assignment_state_update AFTER UPDATE OF proposal_id, proposal_state ON proposals_assignment
    WHEN NEW.proposal_state IS NOT {TRUE.format(pid="NEW.proposal_id")} BEGIN {SET}; END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("assignment_state_follow", "assignment_state_insert", "assignment_state_update")
]

POSTGRES = [
    """UPDATE proposals_assignment a SET proposal_state = p.state FROM proposals_proposal p
    WHERE p.id = a.proposal_id AND a.proposal_state IS DISTINCT FROM p.state""",
    """CREATE FUNCTION proposals_assignment_state_follow() RETURNS trigger AS $$
    BEGIN
        UPDATE proposals_assignment SET proposal_state = NEW.state
        WHERE proposal_id = NEW.id AND proposal_state IS DISTINCT FROM NEW.state;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER assignment_state_follow AFTER UPDATE OF state ON proposals_proposal
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION proposals_assignment_state_follow()""",
    f"""CREATE FUNCTION proposals_assignment_true_state() RETURNS trigger AS $$
    BEGIN
        NEW.proposal_state := COALESCE({TRUE.format(pid="NEW.proposal_id")}, '');
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER assignment_state_write BEFORE INSERT OR UPDATE OF proposal_id, proposal_state
    ON proposals_assignment FOR EACH ROW EXECUTE FUNCTION proposals_assignment_true_state()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS assignment_state_follow ON proposals_proposal",
    "DROP FUNCTION IF EXISTS proposals_assignment_state_follow()",
    "DROP TRIGGER IF EXISTS assignment_state_write ON proposals_assignment",
    "DROP FUNCTION IF EXISTS proposals_assignment_true_state()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0029_deadline_tally"),
    ]

    operations = [
        # ADD COLUMN on both databases: SQLite would otherwise remake the table, which its triggers that read it
        # (proposals 0029's deadline tally) refuse
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE proposals_assignment ADD COLUMN proposal_state varchar(12) DEFAULT '' NOT NULL",
                    "ALTER TABLE proposals_assignment DROP COLUMN proposal_state",
                )
            ],
            state_operations=[
                migrations.AddField(
                    model_name="assignment",
                    name="proposal_state",
                    field=models.CharField(
                        db_default="",
                        default="",
                        editable=False,
                        help_text="Kept by the database from the assignment's proposal.",
                        max_length=12,
                        verbose_name="proposal state",
                    ),
                )
            ],
        ),
        per_vendor(
            {"sqlite": SQLITE, "postgresql": POSTGRES},
            {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
        ),
        migrations.RemoveIndex(model_name="assignment", name="proposals_a_unit_id_363eff_idx"),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["unit", "is_active", "proposal_state", "due_date"], name="assignment_unit_state"),
        ),
        # the order of a unit's pages (``Assignment.open_first``): a page is the index's first rows
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                models.F("unit"),
                models.F("is_active"),
                models.Case(
                    models.When(proposal_state__in=("assigned", "handling"), then=models.Value(0)),
                    default=models.Value(1),
                ),
                models.F("due_date"),
                models.OrderBy(models.F("id"), descending=True),
                name="assignment_unit_order",
            ),
        ),
    ]
