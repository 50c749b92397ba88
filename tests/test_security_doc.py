"""docs/security.md names the test behind each promise: every one it names must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _named_tests(text: str):
    """(file, test) pairs: ``tests/x.py::name`` and the ``::other`` that follow it in the same cell."""
    for cell in text.split("|"):
        current = None
        for path, name in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?[^`]*`", cell):
            current = path or current
            if current:
                yield current, name or None


def test_every_test_the_security_doc_names_exists():
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    missing = []
    pairs = list(_named_tests(text))
    assert len(pairs) > 40
    for path, name in pairs:
        source = ROOT / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\b", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"


def test_the_security_doc_has_no_open_todo():
    assert "TODO" not in (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
