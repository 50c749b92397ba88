"""The rebuild command shared by the counts kept as data (core.management.kept_counts): --check prints each
difference and fails on the first check that finds any; without it the rebuild runs in one transaction."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from core.management.kept_counts import Check, KeptCountCommand, differences


def command(first: dict, second: dict, rebuilt: list) -> KeptCountCommand:
    class Command(KeptCountCommand):
        checks = (
            Check(lambda: first, "{key}: table {table}, rows {rows}", "{n} cells differ."),
            Check(lambda: second, "committee {key[0]} Q{key[1]}: kept {table}, counted {rows}", "{n} counts differ."),
        )
        equal = "Equal."
        written = "{n} cells written."

        def rebuild(self) -> int:
            rebuilt.append(transaction.get_connection().in_atomic_block)
            return 7

    return Command(stdout=StringIO())


@pytest.mark.django_db
def test_check_prints_the_differences_and_fails_with_their_count():
    cmd = command({}, {(3, 2): (1, 2), (3, 1): (0, 1)}, [])
    with pytest.raises(CommandError, match="^2 counts differ.$"):
        call_command(cmd, "--check")
    assert cmd.stdout.getvalue().splitlines() == [
        "committee 3 Q1: kept 0, counted 1",
        "committee 3 Q2: kept 1, counted 2",
    ]


@pytest.mark.django_db
def test_check_stops_at_the_first_check_that_differs():
    cmd = command({"a": (1, None)}, {(3, 2): (1, 2)}, [])
    with pytest.raises(CommandError, match="^1 cells differ.$"):
        call_command(cmd, "--check")
    assert cmd.stdout.getvalue().splitlines() == ["a: table 1, rows None"]


@pytest.mark.django_db
def test_check_says_so_when_everything_agrees_and_a_rebuild_runs_in_a_transaction():
    rebuilt: list = []
    cmd = command({}, {}, rebuilt)
    call_command(cmd, "--check")
    call_command(cmd)
    assert cmd.stdout.getvalue().splitlines() == ["Equal.", "7 cells written."]
    assert rebuilt == [True]


def test_differences_name_each_key_the_two_sides_disagree_on_with_the_missing_value_for_an_absent_one():
    table, rows = {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4}
    assert differences(table, rows) == {"b": (2, 5), "c": (3, None), "d": (None, 4)}
    assert differences({"a": 0}, {"b": 0}, missing=0) == {}
    assert differences({"a": 1}, {}, missing=0) == {"a": (1, 0)}
