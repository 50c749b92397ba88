"""The command every count kept as data comes with (docs/DEVELOPING.md, "Counts kept as data"): without options it
counts the table again from its rows, in one transaction; with ``--check`` it only says where the table and the
rows disagree, and exits with status 1 when they do. A subclass names its checks and its rebuild."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

K = TypeVar("K")
V = TypeVar("V")

SHOWN = 20  # differences printed per check; the count in the error says how many there are


def differences(
    table: Mapping[K, V], rows: Mapping[K, V], missing: V | None = None
) -> dict[K, tuple[V | None, V | None]]:
    """The keys where a kept table and a count from its rows disagree: key -> (the table's value, the rows'), with
    ``missing`` for a key one side lacks (None, or 0 where an absent row means a count of 0)."""
    return {
        key: (table.get(key, missing), rows.get(key, missing))
        for key in table.keys() | rows.keys()
        if table.get(key, missing) != rows.get(key, missing)
    }


@dataclass(frozen=True)
class Check:
    """One comparison: ``differences()`` maps a key to (the table's value, the rows' value) where they disagree;
    ``line`` formats one of them (``key``, ``table``, ``rows``); ``failure`` the error (``n``)."""

    differences: Callable[[], Mapping[Any, tuple[Any, Any]]]
    line: str
    failure: str


class KeptCountCommand(BaseCommand):
    checks: tuple[Check, ...] = ()
    equal = ""  # printed when every check agrees
    written = ""  # printed after a rebuild, with ``n``: what ``rebuild`` returned

    def rebuild(self) -> int:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="only compare; exit 1 when they differ")

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        if check:
            for each in self.checks:
                wrong = each.differences()
                for key, (table, rows) in sorted(wrong.items())[:SHOWN]:
                    self.stdout.write(each.line.format(key=key, table=table, rows=rows))
                if wrong:
                    raise CommandError(each.failure.format(n=len(wrong)))
            self.stdout.write(self.equal)
            return
        with transaction.atomic():
            n = self.rebuild()
        self.stdout.write(self.written.format(n=n))
