"""Count the filed activities' cells per group and year from the activities again (``activities.tally.rebuild``), or
with ``--check`` only say where the table and the activities disagree (exit status 1 when they do). The database's
triggers keep the cells in step with every write; this is for a table restored apart from the activities, or a
trigger dropped by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from activities.tally import differences, rebuild


class Command(BaseCommand):
    help = "Rebuild the filed activities' cells per group and year from the activities, or --check that they agree."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only compare; exit 1 when they differ")

    def handle(self, *args, check, **options):
        if check:
            wrong = differences()
            for cell, (table, rows) in sorted(wrong.items())[:20]:
                self.stdout.write(f"{cell}: table {table}, activities {rows}")
            if wrong:
                raise CommandError(f"{len(wrong)} filed activity cells differ from the activities.")
            self.stdout.write("The filed activity cells equal the activities.")
            return
        with transaction.atomic():
            cells = rebuild()
        self.stdout.write(f"{cells} filed activity cells written.")
