from pathlib import Path

import environ
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "Restore a backup folder into an EMPTY database (given as a URL) and a media folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--database-url", required=True, help="the empty database to restore into")
        parser.add_argument("--media-root", required=True, type=Path)

    def handle(self, *args, folder, database_url, media_root, **options):
        if not (folder / "manifest.json").exists():
            raise CommandError(f"{folder} is not a backup folder (no manifest.json).")
        db = environ.Env.db_url_config(database_url)
        manifest = backup.restore(folder, db=db, media_root=media_root)
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {manifest['created']} into {db['NAME']}."))
