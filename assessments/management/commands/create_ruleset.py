"""``python manage.py create_ruleset <committee code> <year> <preset>``: copy a published rule set."""

from django.core.management.base import BaseCommand, CommandError

from assessments.presets import PRESETS
from assessments.services import ruleset_create_from_preset
from core.exceptions import DomainError
from groups.models import Committee


class Command(BaseCommand):
    help = "Create a committee's point rule set for a year from a preset (minhang, hefei, jinan, tongcheng)."

    def add_arguments(self, parser):
        parser.add_argument("committee", help="committee code")
        parser.add_argument("year", type=int)
        parser.add_argument("preset", choices=sorted(PRESETS))

    def handle(self, *args, committee, year, preset, **options):
        try:
            target = Committee.objects.get(code=committee)
        except Committee.DoesNotExist as exc:
            raise CommandError(f"No committee with code {committee!r}.") from exc
        try:
            rule_set = ruleset_create_from_preset(committee=target, year=year, preset=preset, actor=None)
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {rule_set} ({rule_set.rules.count()} rules)."))
