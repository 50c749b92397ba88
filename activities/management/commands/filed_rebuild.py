"""Count the filed activities' cells per group and year from the activities again (``activities.tally.rebuild``), or
with ``--check`` only say where the table and the activities disagree (exit status 1 when they do). The database's
triggers keep the cells in step with every write; this is for a table restored apart from the activities, or a
trigger dropped by hand."""

from activities import tally
from core.management.kept_counts import Check, KeptCountCommand


class Command(KeptCountCommand):
    help = "Rebuild the filed activities' cells per group and year from the activities, or --check that they agree."
    checks = (
        Check(
            tally.differences,
            "{key}: table {table}, activities {rows}",
            "{n} filed activity cells differ from the activities.",
        ),
    )
    equal = "The filed activity cells equal the activities."
    written = "{n} filed activity cells written."

    def rebuild(self) -> int:
        return tally.rebuild()
