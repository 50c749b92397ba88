"""Count the proposal figures' cells from the proposals, and the report figures' from the reports, again (``proposals.tally.rebuild``), or with ``--check`` only
say where the table and the proposals disagree (exit status 1 when they do). The database's triggers keep the cells in
step with every write; this is for a table restored apart from the proposals, or a trigger dropped by hand."""

from core.management.kept_counts import Check, KeptCountCommand
from proposals import tally


class Command(KeptCountCommand):
    help = "Rebuild the proposal figures' cells from the proposals, or --check that they agree."
    checks = (
        Check(
            tally.differences,
            "{key}: table {table}, proposals {rows}",
            "{n} proposal figure cells differ from the proposals.",
        ),
        Check(
            tally.report_differences,
            "{key}: table {table}, reports {rows}",
            "{n} report figure cells differ from the reports.",
        ),
    )
    equal = "The proposal figure cells equal the proposals, the report figure cells the reports."
    written = "{n} proposal and report figure cells written."

    def rebuild(self) -> int:
        return tally.rebuild()
