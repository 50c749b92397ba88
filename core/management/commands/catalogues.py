from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core import i18n


class Command(BaseCommand):
    help = "Refresh the zh_Hans catalogues from the source, compile them, and list what is untranslated."

    def add_arguments(self, parser):
        parser.add_argument("--compile-only", action="store_true")

    def handle(self, *args, compile_only, **options):
        root = Path(settings.BASE_DIR)
        if not compile_only:
            i18n.extract(root)
        i18n.compile_all(root)
        for path in i18n.catalogue_paths(root):
            for msgid in i18n.untranslated(path):
                self.stdout.write(f"untranslated in {path.relative_to(root)}: {msgid}")
