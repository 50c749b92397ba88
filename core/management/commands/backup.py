from pathlib import Path

from django.core.management.base import BaseCommand

from core import backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a folder (default var/backups/<time>)."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", type=Path)

    def handle(self, *args, folder, **options):
        folder = folder or backup.default_folder()
        manifest = backup.backup(folder)
        rows = sum(manifest["rows"].values())
        self.stdout.write(self.style.SUCCESS(f"Backup in {folder}: {rows} rows, {len(manifest['files'])} files."))
