"""Set the assignments' kept proposal state (``Assignment.proposal_state``) from their proposals again
(``proposals.kept_columns.rebuild``), or with ``--check`` only say where they disagree (exit status 1 when they do).
The database's triggers keep it in step with every write; this is for rows restored apart from the proposals, or a
trigger dropped by hand."""

from core.management.kept_counts import Check, KeptCountCommand
from proposals import kept_columns


class Command(KeptCountCommand):
    help = "Set the assignments' kept proposal state from their proposals again, or --check that they agree."
    checks = (
        Check(
            kept_columns.differences,
            "assignment {key}: kept {table}, proposal {rows}",
            "{n} assignments' kept proposal states differ from their proposals.",
        ),
    )
    equal = "The assignments' kept proposal states equal their proposals'."
    written = "{n} assignments corrected."

    def rebuild(self) -> int:
        return kept_columns.rebuild()
