"""The map stays true: docs/DEVELOPING.md names only paths and tests that exist, and no guide is left unlinked.

Like tests/test_security_doc.py for the threat model: a path written in backticks whose first part is a
top-level entry of the repository (``core/services.py``, ``tests/test_app_graph.py``, ``groups/views/``) must
exist; ``tests/x.py::name`` must name a test function of that file; every ``docs/*.md`` must be linked from
README.md or docs/DEVELOPING.md.
"""

import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MAP = DOCS / "DEVELOPING.md"
# Markdown and templates name placeholders (``<app>/demo.py``) and patterns (``*_volume``): not paths.
PLACEHOLDER = re.compile(r"[<>*{}…]")


def _top_level() -> set[str]:
    """The repository's top-level entries as git sees them: a folder a run generates (``var/``, ``test-artifacts/``)
    is not one, whether or not it exists in this checkout."""
    return {p.split("/")[0] for p in tracked()}


def named_paths(text: str) -> list[str]:
    """Backticked tokens that look like repository paths: they start with a top-level file or folder."""
    top = _top_level()
    found = []
    for token in re.findall(r"`([^`\s]+)`", text):
        path = token.split("::")[0]
        if PLACEHOLDER.search(path) or "/" not in path and path not in top:
            continue
        if path.split("/")[0] in top:
            found.append(path)
    return found


@cache
def tracked() -> frozenset[str]:
    """Every file git tracks or would add (not ignored), and every folder above one: what a fresh checkout holds.

    A path that exists here only because a run generated it (``var/``, the test database's template) is not in a
    fresh checkout, so the map must not name it as a path of the repository.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    paths = set()
    for name in filter(None, listed):
        parts = name.split("/")
        paths.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(paths)


def in_a_fresh_checkout(path: str) -> bool:
    return path.rstrip("/") in tracked()


def named_tests(text: str) -> list[tuple[str, str]]:
    """(file, test) pairs written as ``tests/x.py::name``."""
    return re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)


def test_every_path_the_map_names_exists():
    text = MAP.read_text(encoding="utf-8")
    named = named_paths(text)
    assert len(named) > 150
    missing = sorted({p for p in named if not in_a_fresh_checkout(p)})
    assert not missing, f"docs/DEVELOPING.md names paths that a fresh checkout does not hold: {missing}"


def test_every_test_the_map_names_exists():
    text = MAP.read_text(encoding="utf-8")
    pairs = named_tests(text)
    assert len(pairs) > 10
    missing = [
        f"{path}::{name}"
        for path, name in pairs
        if not (ROOT / path).exists()
        or not re.search(rf"^(async )?def {name}\b", (ROOT / path).read_text(encoding="utf-8"), re.M)
    ]
    assert not missing, f"docs/DEVELOPING.md names tests that do not exist: {missing}"


def test_every_doc_is_linked_from_the_readme_or_the_map():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    developing = MAP.read_text(encoding="utf-8")
    unlinked = [
        doc.name
        for doc in sorted(DOCS.glob("*.md"))
        if doc != MAP
        and f"docs/{doc.name}" not in readme
        and f"]({doc.name})" not in developing
        and f"docs/{doc.name}" not in developing
    ]
    assert "docs/DEVELOPING.md" in readme
    assert not unlinked, f"docs linked from neither README.md nor docs/DEVELOPING.md: {unlinked}"


def test_a_generated_path_is_not_in_a_fresh_checkout():
    assert in_a_fresh_checkout("tests/test_docs.py")
    assert in_a_fresh_checkout("groups/views/")
    assert not in_a_fresh_checkout("var/test-template.sqlite3")
    assert not in_a_fresh_checkout(".venv/")


def test_the_checker_sees_paths_and_skips_placeholders():
    text = "`core/services.py` `groups/views/` `<app>/demo.py` `proposals:detail` `/api/v1/` `tests/x.py::t` `Makefile`"
    assert named_paths(text) == ["core/services.py", "groups/views/", "tests/x.py", "Makefile"]
    assert named_tests(text) == [("tests/x.py", "t")]


# Modules every app has, said once for all in the map's introduction (unless they hold code of their own).
GENERIC = {"apps.py", "urls.py", "context_processors.py"}
APPS = (
    "core",
    "notifications",
    "groups",
    "activities",
    "plenary",
    "proposals",
    "consultations",
    "assessments",
    "demo",
    "cppcc_portal",
    "bench",
    "deploy",
)


def _defines(module: Path) -> bool:
    return re.search(r"^(def|class) ", module.read_text(encoding="utf-8"), re.M) is not None


def test_every_module_of_the_apps_has_a_line_in_the_map():
    """A new module gets its line in docs/DEVELOPING.md (or lives in a folder the map names as a whole)."""
    named = {p.rstrip("/") for p in named_paths(MAP.read_text(encoding="utf-8"))}
    unnamed = []
    for app in APPS:
        for module in sorted((ROOT / app).rglob("*.py")):
            path = module.relative_to(ROOT)
            if (
                "migrations" in path.parts
                or module.name in GENERIC
                or module.name == "__init__.py"
                and not _defines(module)
            ):
                continue
            folders = {"/".join(path.parts[:i]) for i in range(2, len(path.parts))}
            if str(path) not in named and not folders & named:
                unnamed.append(str(path))
    assert not unnamed, f"modules without a line in docs/DEVELOPING.md: {unnamed}"
