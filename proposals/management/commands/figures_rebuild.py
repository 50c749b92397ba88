"""Count the proposal figures' cells from the proposals again (``proposals.tally.rebuild``), or with ``--check`` only
say where the table and the proposals disagree (exit status 1 when they do). The database's triggers keep the cells in
step with every write; this is for a table restored apart from the proposals, or a trigger dropped by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from proposals.tally import differences, rebuild


class Command(BaseCommand):
    help = "Rebuild the proposal figures' cells from the proposals, or --check that they agree."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only compare; exit 1 when they differ")

    def handle(self, *args, check, **options):
        if check:
            wrong = differences()
            for key, (table, rows) in sorted(wrong.items())[:20]:
                self.stdout.write(f"{key}: table {table}, proposals {rows}")
            if wrong:
                raise CommandError(f"{len(wrong)} proposal figure cells differ from the proposals.")
            self.stdout.write("The proposal figure cells equal the proposals.")
            return
        with transaction.atomic():
            cells = rebuild()
        self.stdout.write(f"{cells} proposal figure cells written.")
