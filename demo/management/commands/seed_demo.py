"""Build the demo city committee: ``python manage.py seed_demo [--members N] [--districts D] [--cities C]``
(``--cities``: a province-shaped dataset, a province committee above C cities sharing the D districts)."""

import importlib
import random
import time
from collections.abc import Sequence

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from demo.context import DemoContext
from demo.kept_counts import counted_at_end

# The steps in order, each a module with ``seed(ctx)`` and optionally ``holds_data()``: every app's readable
# part builds on the apps below it (organisation, proposals, consultations, rule sets); the ``*_volume`` steps
# then top the data up to a real committee's proportions over two years (about 10 activities, 100 attendance
# rows and 4 proposals per member), in bulk (COPY on PostgreSQL).
STEPS = [
    "demo.groups",
    "demo.proposals",
    "demo.consultations",
    "demo.assessments",
    "demo.groups_volume",
    "demo.proposals_volume",
    "demo.consultations_volume",
    "demo.leads",  # its conversions add a draft and a candidate topic the volume steps do not count
    "demo.coverage",  # last: the coverage cells of every attendance and contact loaded before
]
# Then, once the load is committed and vacuumed: each committee's quarters rolled up (the roll-up plans on the fresh
# statistics and reads the visibility map), in the transactions of the assessments services.
AFTER_LOAD = ["demo.rollups"]


class Command(BaseCommand):
    help = "Create a realistic demo committee (refuses to run with DEBUG off unless --force)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300)
        parser.add_argument("--districts", type=int, default=2)
        parser.add_argument(
            "--cities",
            type=int,
            default=0,
            help="a province committee above this many cities, the districts shared among them (default: one city)",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when committees already exist")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")

    def handle(self, *args, members, districts, cities, seed, if_empty, force, **options):
        steps = [importlib.import_module(name) for name in STEPS]
        after_load = [importlib.import_module(name) for name in AFTER_LOAD]
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to seed demo data anyway.")
        if any(step.holds_data() for step in steps if hasattr(step, "holds_data")):
            if if_empty:
                self.stdout.write("The database already holds data; demo data not loaded.")
                return
            raise CommandError("The database already holds committees; seed_demo needs an empty database.")
        if members < 10 or districts < 0 or cities < 0:
            raise CommandError("--members must be at least 10, --districts and --cities not negative.")
        started = time.monotonic()
        ctx = DemoContext(
            rng=random.Random(seed),
            members_total=members,
            districts=districts,
            cities=cities,
            year=timezone.localdate().year,
            stdout=self.stdout,
        )
        verbose = options.get("verbosity", 1) > 1
        with transaction.atomic(), counted_at_end():
            for module in steps:
                self._step(module, ctx, verbose)
        _statistics_refreshed()
        for module in after_load:
            self._step(module, ctx, verbose)
            _statistics_refreshed(module.WRITES)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f}s."))
        self.stdout.write(f"Demo logins (password {settings.DEMO_PASSWORD}):")
        for role, user in ctx.logins.items():
            self.stdout.write(f"  {role:<9} {user.username}")

    def _step(self, module, ctx: DemoContext, verbose: bool) -> None:
        began = time.monotonic()
        module.seed(ctx)
        if verbose:
            self.stdout.write(f"  {module.__name__}: {time.monotonic() - began:.1f}s")


def _statistics_refreshed(models: Sequence[type[Model]] = ()) -> None:
    """Fresh planner statistics for the rows just loaded in bulk (``models``' tables; every table: none given), so
    the first queries do not plan on empty tables. PostgreSQL: ``VACUUM ANALYZE`` (and, outside a transaction, the
    visibility map; a 50,000-member roll-up took 30 s before autovacuum had caught up, 2 s after). SQLite never
    gathers statistics by itself: ``ANALYZE`` fills ``sqlite_stat1`` (``core.sqlite3`` then keeps it fresh with
    ``PRAGMA optimize``)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    command = "VACUUM ANALYZE" if connection.vendor == "postgresql" and not connection.in_atomic_block else "ANALYZE"
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models] or [""]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {table}".strip())
