"""Count the attendance's duty events per committee, quarter, member and kind from the attendance again
(``assessments.tally.rebuild``), or with ``--check`` only say where the table and the attendance disagree (exit
status 1 when they do). The database's triggers keep the cells in step with every write; this is for a table
restored apart from the attendance, or a trigger dropped by hand."""

from assessments import tally
from core.management.kept_counts import Check, KeptCountCommand


class Command(KeptCountCommand):
    help = "Rebuild the attendance's event counts from the attendance, or --check that they agree."
    checks = (
        Check(
            tally.differences,
            "{key}: table {table}, attendance {rows}",
            "{n} attendance event cells differ from the attendance.",
        ),
    )
    equal = "The attendance event cells equal the attendance."
    written = "{n} attendance event cells written."

    def rebuild(self) -> int:
        return tally.rebuild()
