"""The apps depend one way: core <- notifications <- groups <- activities <- plenary <- proposals <- consultations <- assessments <- demo
(docs/DEVELOPING.md).

import-linter checks the layers (``[tool.importlinter]`` in pyproject.toml; ``make lint`` and ``.ci/run`` run
``lint-imports``); this test runs it too, and walks every module itself so that no import of a higher app
hides anywhere — inside a function, under ``TYPE_CHECKING``, or as ``importlib.import_module("...")`` with
a literal name — even if someone adds an ``ignore_imports`` to the contract."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from importlinter.cli import lint_imports

from core import directory
from groups.access import scope_of

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "core",
    "notifications",
    "groups",
    "activities",
    "plenary",
    "proposals",
    "consultations",
    "assessments",
    "demo",
]  # bottom to top
RANK = {app: i for i, app in enumerate(LAYERS)}


def upward_imports(source: str, app: str) -> list[tuple[int, str, bool]]:
    """(line, imported module, inside a function?) for every import in ``source`` of an app above ``app``."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            elif (
                isinstance(child, ast.Call)
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
                and (
                    (isinstance(child.func, ast.Attribute) and child.func.attr == "import_module")
                    or (isinstance(child.func, ast.Name) and child.func.id in ("import_module", "__import__"))
                )
            ):
                names = [child.args[0].value]
            for name in names:
                top = name.split(".")[0]
                if RANK.get(top, -1) > RANK[app]:
                    found.append((child.lineno, name, in_function))
            visit(child, nested)

    visit(ast.parse(source), False)
    return found


def app_modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def test_the_import_linter_contract_is_kept():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_no_module_imports_an_app_above_its_own_not_even_inside_a_function():
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}{' (inside a function)' if inner else ''}"
        for app, path in app_modules()
        for line, name, inner in upward_imports(path.read_text(), app)
    ]
    assert offences == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from assessments.services import rollup_mark_stale\n", [(2, "assessments.services", True)]),
        ("import proposals.models\n", [(1, "proposals.models", False)]),
        ("class A:\n    def f(self):\n        import consultations\n", [(3, "consultations", True)]),
        ("import importlib\nimportlib.import_module('assessments.services')\n", [(2, "assessments.services", False)]),
        ("from groups.models import Member\nfrom core.events import publish\nfrom . import events\n", []),
    ],
)
def test_the_walker_finds_imports_of_a_higher_app(source, expected):
    assert upward_imports(source, "groups") == expected


def test_core_learns_about_people_through_the_directory_that_groups_fills(world):
    assert directory.scope_of(world.district_staff) == scope_of(world.district_staff)
    assert directory.committee_of(world.unit_user) == world.unit.committee_id
    assert world.member in directory.bindable_users(scope_of(world.district_staff))
    with pytest.raises(ImproperlyConfigured, match="no app provides"):
        directory._ask("unheard_of")
