"""Count the open deadlines per committee and year from the assignments again (``proposals.deadlines_tally.rebuild``),
or with ``--check`` only say where the table and the assignments disagree (exit status 1 when they do). The
database's triggers keep the rows in step with every write; this is for a table restored apart from the assignments,
or a trigger dropped by hand."""

from core.management.kept_counts import Check, KeptCountCommand
from proposals import deadlines_tally


class Command(KeptCountCommand):
    help = "Rebuild the open deadlines per committee and year from the assignments, or --check that they agree."
    checks = (
        Check(
            deadlines_tally.differences,
            "{key}: table {table}, assignments {rows}",
            "{n} committee-years' open deadlines differ from the assignments.",
        ),
    )
    equal = "The open deadlines per committee and year equal the assignments."
    written = "{n} committee-years' open deadlines written."

    def rebuild(self) -> int:
        return deadlines_tally.rebuild()
