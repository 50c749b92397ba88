"""Count the members in office per committee from the members again (``groups.tally.rebuild``), or with ``--check``
only say where the table and the members disagree (exit status 1 when they do). The database's triggers keep the rows
in step with every write; this is for a table restored apart from the members, or a trigger dropped by hand."""

from core.management.kept_counts import Check, KeptCountCommand
from groups import tally


class Command(KeptCountCommand):
    help = "Rebuild the members in office per committee from the members, or --check that they agree."
    checks = (
        Check(
            tally.differences,
            "committee {key}: table {table}, members {rows}",
            "{n} committees' members in office differ from the members.",
        ),
    )
    equal = "The members in office per committee equal the members."
    written = "{n} committees' members in office written."

    def rebuild(self) -> int:
        return tally.rebuild()
