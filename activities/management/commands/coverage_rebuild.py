"""Count the coverage cells 全覆盖 from the rows again, and the committees' covered counts from the cells
(``activities.coverage.rebuild``), or with ``--check`` only say where the tables and the rows disagree (exit status 1
when they do). The services keep the cells in step with every write; this is for rows written past them (a restore
of part of a table, a hand repair in SQL)."""

from activities import coverage
from core.management.kept_counts import Check, KeptCountCommand


class Command(KeptCountCommand):
    help = "Rebuild the coverage cells from attendance and contacts, or --check that they agree."
    checks = (
        Check(coverage.differences, "{key}: table {table}, rows {rows}", "{n} coverage cells differ from the rows."),
        Check(
            coverage.committee_differences,
            "committee {key[0]} {key[1]} Q{key[2]}: kept {table}, counted {rows}",
            "{n} committees' covered counts differ from the cells.",
        ),
    )
    equal = "The coverage cells equal the rows, and the committees' covered counts the cells."
    written = "{n} coverage cells written, and the committees' covered counts."

    def rebuild(self) -> int:
        return coverage.rebuild()
