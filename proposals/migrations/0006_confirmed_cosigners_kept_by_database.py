"""``Proposal.confirmed_cosigners``: how many co-signers confirmed, kept by the database.

The duty record and the roll-up read a proposal's authors (lead + confirmed co-signers) for every
proposal event; counting the co-signers per event row was a correlated subquery per row and half of
the time spent on proposals in a 50,000-member roll-up. The count is a column now, and the database
keeps it (SQLite and PostgreSQL), so no write path can forget it:

- a co-signer row inserted, deleted or changed (status or proposal) recounts its proposal(s);
- a proposal written with any other value (a stale instance saved by the application, a restored
  row) gets the true count back, so the column never disagrees with the co-signer rows.
"""
from django.db import migrations, models

from core.migration_sql import per_vendor

COUNT = ("(SELECT COUNT(*) FROM proposals_cosigner c WHERE c.proposal_id = {id} AND c.status = 'confirmed')")


def recount(pid: str) -> str:
    return f"UPDATE proposals_proposal SET confirmed_cosigners = {COUNT.format(id=pid)} WHERE id = {pid}"


SQLITE = [
    f"""CREATE TRIGGER cosigner_count_insert AFTER INSERT ON proposals_cosigner WHEN NEW.status = 'confirmed'
    BEGIN {recount('NEW.proposal_id')}; END""",
    f"""CREATE TRIGGER cosigner_count_delete AFTER DELETE ON proposals_cosigner WHEN OLD.status = 'confirmed'
    BEGIN {recount('OLD.proposal_id')}; END""",
    f"""CREATE TRIGGER cosigner_count_update AFTER UPDATE OF status, proposal_id ON proposals_cosigner
    WHEN OLD.status = 'confirmed' OR NEW.status = 'confirmed'
    BEGIN {recount('OLD.proposal_id')}; {recount('NEW.proposal_id')}; END""",
    # SQLite runs no trigger from inside a trigger's own UPDATE (recursive_triggers is off), so these
    # only correct what the application wrote.
    f"""CREATE TRIGGER proposal_cosigner_count_insert AFTER INSERT ON proposals_proposal
    WHEN NEW.confirmed_cosigners <> {COUNT.format(id='NEW.id')}
    BEGIN {recount('NEW.id')}; END""",
    f"""CREATE TRIGGER proposal_cosigner_count_update AFTER UPDATE OF confirmed_cosigners ON proposals_proposal
    WHEN NEW.confirmed_cosigners <> {COUNT.format(id='NEW.id')}
    BEGIN {recount('NEW.id')}; END""",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "cosigner_count_insert", "cosigner_count_delete", "cosigner_count_update",
    "proposal_cosigner_count_insert", "proposal_cosigner_count_update")]

POSTGRES = [
    f"""CREATE FUNCTION proposals_cosigner_recount() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN {recount('OLD.proposal_id')}; END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.proposal_id <> OLD.proposal_id) THEN
            {recount('NEW.proposal_id')};
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER cosigner_count_insert AFTER INSERT ON proposals_cosigner
    FOR EACH ROW WHEN (NEW.status = 'confirmed') EXECUTE FUNCTION proposals_cosigner_recount()""",
    """CREATE TRIGGER cosigner_count_delete AFTER DELETE ON proposals_cosigner
    FOR EACH ROW WHEN (OLD.status = 'confirmed') EXECUTE FUNCTION proposals_cosigner_recount()""",
    """CREATE TRIGGER cosigner_count_update AFTER UPDATE OF status, proposal_id ON proposals_cosigner
    FOR EACH ROW WHEN ((OLD.status = 'confirmed' OR NEW.status = 'confirmed')
                       AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.proposal_id <> NEW.proposal_id))
    EXECUTE FUNCTION proposals_cosigner_recount()""",
    f"""CREATE FUNCTION proposals_proposal_true_cosigner_count() RETURNS trigger AS $$
    BEGIN
        NEW.confirmed_cosigners := {COUNT.format(id='NEW.id')};
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER proposal_cosigner_count_insert BEFORE INSERT ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_proposal_true_cosigner_count()""",
    """CREATE TRIGGER proposal_cosigner_count_update BEFORE UPDATE OF confirmed_cosigners ON proposals_proposal
    FOR EACH ROW WHEN (NEW.confirmed_cosigners IS DISTINCT FROM OLD.confirmed_cosigners)
    EXECUTE FUNCTION proposals_proposal_true_cosigner_count()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS cosigner_count_insert ON proposals_cosigner",
    "DROP TRIGGER IF EXISTS cosigner_count_delete ON proposals_cosigner",
    "DROP TRIGGER IF EXISTS cosigner_count_update ON proposals_cosigner",
    "DROP FUNCTION IF EXISTS proposals_cosigner_recount()",
    "DROP TRIGGER IF EXISTS proposal_cosigner_count_insert ON proposals_proposal",
    "DROP TRIGGER IF EXISTS proposal_cosigner_count_update ON proposals_proposal",
    "DROP FUNCTION IF EXISTS proposals_proposal_true_cosigner_count()",
]


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_key_and_excellent_indexes")]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="confirmed_cosigners",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="confirmed co-signers",
                help_text="Counted by the database from the co-signers' answers; the authors are these and the "
                          "lead proposer."),
        ),
        # the rows already there are counted first
        per_vendor({"sqlite": SQLITE, "postgresql": POSTGRES}, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE},
                   before="UPDATE proposals_proposal SET confirmed_cosigners = " + COUNT.format(id="proposals_proposal.id")),
    ]
