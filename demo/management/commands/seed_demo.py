"""Build the demo city committee: ``python manage.py seed_demo [--members N] [--districts D]``."""

import importlib
import random
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from core.demo_context import DemoContext


def demo_steps() -> list[str]:
    """Each of our apps adds its part, ``<app>/demo.py`` (``seed(ctx)``), in INSTALLED_APPS order — every app
    builds on the ones below it; core names no app, as with reminders. The ``<app>/demo_volume.py`` steps
    then top the data up to a real committee's proportions over two years (about 10 activities, 100
    attendance rows and 4 proposals per member), in bulk (COPY on PostgreSQL)."""
    ours = [
        c
        for c in apps.get_app_configs()  # a virtualenv inside the checkout holds libraries, not our apps
        if Path(c.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in Path(c.path).parts
    ]
    return [
        f"{c.name}.{step}" for step in ("demo", "demo_volume") for c in ours if module_has_submodule(c.module, step)
    ]


class Command(BaseCommand):
    help = "Create a realistic demo committee (refuses to run with DEBUG off unless --force)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300)
        parser.add_argument("--districts", type=int, default=2)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when committees already exist")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")

    def handle(self, *args, members, districts, seed, if_empty, force, **options):
        steps = [importlib.import_module(name) for name in demo_steps()]
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to seed demo data anyway.")
        if any(step.holds_data() for step in steps if hasattr(step, "holds_data")):
            if if_empty:
                self.stdout.write("The database already holds data; demo data not loaded.")
                return
            raise CommandError("The database already holds committees; seed_demo needs an empty database.")
        if members < 10 or districts < 0:
            raise CommandError("--members must be at least 10 and --districts not negative.")
        started = time.monotonic()
        ctx = DemoContext(
            rng=random.Random(seed),
            members_total=members,
            districts=districts,
            year=timezone.localdate().year,
            stdout=self.stdout,
        )
        with transaction.atomic():
            for module in steps:
                began = time.monotonic()
                module.seed(ctx)
                if options.get("verbosity", 1) > 1:
                    self.stdout.write(f"  {module.__name__}: {time.monotonic() - began:.1f}s")
        _statistics_refreshed()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f}s."))
        self.stdout.write(f"Demo logins (password {settings.DEMO_PASSWORD}):")
        for role, user in ctx.logins.items():
            self.stdout.write(f"  {role:<9} {user.username}")


def _statistics_refreshed() -> None:
    """Fresh planner statistics for the rows just loaded in bulk, so the first queries do not plan on empty
    tables. PostgreSQL: ``VACUUM ANALYZE`` (and, outside a transaction, the visibility map; a 50,000-member
    roll-up took 30 s before autovacuum had caught up, 2 s after). SQLite never gathers statistics by itself:
    ``ANALYZE`` fills ``sqlite_stat1`` (``core.sqlite3`` then keeps it fresh with ``PRAGMA optimize``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
