"""Count the coverage cells 全覆盖 from the rows again, and the committees' covered counts from the cells
(``activities.coverage.rebuild``), or with ``--check`` only say where the tables and the rows disagree (exit status 1
when they do). The services keep the cells in step with every
write; this is for rows written past them (a restore of part of a table, a hand repair in SQL)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from activities.coverage import committee_differences, differences, rebuild


class Command(BaseCommand):
    help = "Rebuild the coverage cells from attendance and contacts, or --check that they agree."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only compare; exit 1 when they differ")

    def handle(self, *args, check, **options):
        if check:
            wrong = differences()
            for cell, (table, rows) in sorted(wrong.items())[:20]:
                self.stdout.write(f"{cell}: table {table}, rows {rows}")
            if wrong:
                raise CommandError(f"{len(wrong)} coverage cells differ from the rows.")
            counts = committee_differences()
            for (committee_id, year, quarter), (kept, counted) in sorted(counts.items())[:20]:
                self.stdout.write(f"committee {committee_id} {year} Q{quarter}: kept {kept}, counted {counted}")
            if counts:
                raise CommandError(f"{len(counts)} committees' covered counts differ from the cells.")
            self.stdout.write("The coverage cells equal the rows, and the committees' covered counts the cells.")
            return
        with transaction.atomic():
            cells = rebuild()
        self.stdout.write(f"{cells} coverage cells written, and the committees' covered counts.")
