"""Set the activities' kept columns (``has_evidence``, the invited, present and evidence counts) from their
attendance and evidence rows again (``activities.kept_columns.rebuild``), or with ``--check`` only say where they
disagree (exit status 1 when they do). The database's triggers keep them in step with every write; this is for
rows restored apart from the activities, or a trigger dropped by hand."""

from activities import kept_columns
from core.management.kept_counts import Check, KeptCountCommand


class Command(KeptCountCommand):
    help = "Set the activities' kept counts from their attendance and evidence again, or --check that they agree."
    checks = (
        Check(
            kept_columns.differences,
            "activity {key}: kept {table}, rows {rows}",
            "{n} activities' kept counts differ from their rows.",
        ),
    )
    equal = "The activities' kept counts equal their rows."
    written = "{n} activities corrected."

    def rebuild(self) -> int:
        return kept_columns.rebuild()
