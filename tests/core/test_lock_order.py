"""Rows locked together are locked in one stable order: a ``select_for_update()`` that may read several rows has an
``order_by`` in its chain (or goes through ``core.services.lock_many``, which has one), so two transactions
locking overlapping rows wait for each other instead of deadlocking. A lock of one row (``.get()``, ``.first()``,
``[0]`` …) needs no order; ``skip_locked`` never waits, so it cannot deadlock. Read from the source, like the
audit-verb guards (``tests/core/test_audit_verbs.py``)."""

import ast
import subprocess

import pytest

from tests.conftest import ROOT

# The last call of a chain that reads at most one row.
ONE_ROW = {"get", "first", "last", "earliest", "latest", "exists"}


def _chain(call: ast.Call, parents: dict[ast.AST, ast.AST]) -> tuple[list[str], list[str]]:
    """The method names before ``select_for_update`` in the chain ``call`` is part of, and those after it (an
    index ``[0]`` as ``"[one]"``, a slice as ``"[slice]"``)."""
    before: list[str] = []
    node = call.func.value if isinstance(call.func, ast.Attribute) else call.func
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            before.insert(0, node.func.attr)
            node = node.func.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    after: list[str] = []
    node = call
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            grandparent = parents.get(parent)
            if not (isinstance(grandparent, ast.Call) and grandparent.func is parent):
                break
            after.append(parent.attr)
            node = grandparent
        elif isinstance(parent, ast.Subscript) and parent.value is node:
            index = parent.slice
            after.append("[one]" if isinstance(index, ast.Constant) and isinstance(index.value, int) else "[slice]")
            node = parent
        else:
            break
    return before, after


def unordered_locks(source: str) -> list[int]:
    """The lines of ``source`` with a ``select_for_update()`` that may lock several rows in no fixed order."""
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    lines = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "select_for_update"
        ):
            continue
        if any(k.arg == "skip_locked" for k in node.keywords):
            continue
        before, after = _chain(node, parents)
        if "order_by" in before + after or (after and (after[-1] in ONE_ROW or after[-1] == "[one]")):
            continue
        lines.append(node.lineno)
    return lines


def _sources() -> list[str]:
    """Every Python file git tracks outside the tests."""
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [path for path in listed.stdout.split() if not path.startswith("tests/")]


def test_every_lock_of_several_rows_takes_them_in_a_fixed_order():
    found = [
        f"{path}:{line}" for path in _sources() for line in unordered_locks((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert not found, (
        "select_for_update() of several rows without order_by (deadlock risk): add .order_by('pk') or use "
        f"core.services.lock_many: {found}"
    )


@pytest.mark.parametrize(
    "code",
    [
        "rows = list(Outcome.objects.overdue(today).select_for_update().only('pk'))",
        "for m in Membership.objects.select_for_update().filter(platform_id=1):\n    pass",
        "rows = {a.pk: a for a in activity.attendances.select_for_update()}",
        "users = list(User.objects.select_for_update().filter(phone=p)[:2])",
        "qs = report.invitations.select_for_update()",
    ],
)
def test_the_guard_sees_a_lock_of_several_rows_in_no_order(code):
    assert unordered_locks(code) == [1]


@pytest.mark.parametrize(
    "code",
    [
        "rows = list(Outcome.objects.overdue(today).select_for_update().only('pk').order_by('pk'))",
        "rows = list(Outcome.objects.order_by('pk').select_for_update())",
        "row = Message.objects.select_for_update().filter(tracking_code=code).first()",
        "row = Run.objects.select_for_update().get(pk=1)",
        "state = Platform.objects.select_for_update().filter(pk=1).values_list('state', flat=True)[0]",
        "qs = qs.select_for_update(skip_locked=True, of=('self',))",
        "rows = lock_many(Outcome, keys)",
    ],
)
def test_the_guard_lets_one_row_an_ordered_batch_and_skip_locked_through(code):
    assert unordered_locks(code) == []
