"""The translation catalogues: one for the project (core, templates/) and one per app.

``python manage.py catalogues`` refreshes them all and compiles the .mo files with polib, so no
gettext tools are needed to run the portal; extracting strings needs xgettext (Debian's gettext).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib

LOCALE = "zh_Hans"
APPS = ["groups", "activities", "plenary", "proposals", "consultations", "assessments"]
PROJECT_IGNORES = [".venv/*", "var/*", "tests/*", "bench/*", "docs/*", "static/*", *[f"{a}/*" for a in APPS]]


def catalogue_paths(root: Path) -> list[Path]:
    return [
        root / "locale" / LOCALE / "LC_MESSAGES" / "django.po",
        *[root / app / "locale" / LOCALE / "LC_MESSAGES" / "django.po" for app in APPS],
    ]


def extract(root: Path) -> None:
    """Run makemessages for the project and each app, in the tree at ``root``.

    Idempotent: entries carry no source locations (a moved line would rewrite the catalogue), and a catalogue
    whose entries did not change keeps its old text (its POT-Creation-Date, and its order: entries added by hand
    sit where they were put), so a run on a clean checkout leaves the tree clean.
    """
    manage = str(root / "manage.py")
    ignores = [arg for pattern in PROJECT_IGNORES for arg in ("--ignore", pattern)]
    run = {"check": True, "capture_output": True}
    before = {path: path.read_text(encoding="utf-8") for path in catalogue_paths(root) if path.exists()}
    common = ["makemessages", "-l", LOCALE, "--no-obsolete", "--add-location=never"]
    subprocess.run([sys.executable, manage, *common, *ignores], cwd=root, **run)
    for app in APPS:
        (root / app / "locale").mkdir(exist_ok=True)
        subprocess.run([sys.executable, manage, *common], cwd=root / app, **run)
    for path, old in before.items():
        new = path.read_text(encoding="utf-8")
        if new != old and same_entries(old, new):
            path.write_text(old, encoding="utf-8")


def same_entries(old: str, new: str) -> bool:
    """Whether two catalogue texts say the same, whatever their order, POT-Creation-Date and derived flags."""
    return _entries(polib.pofile(old)) == _entries(polib.pofile(new))


# Flags gettext derives from the source: an entry added by hand often lacks them, and they change nothing compiled.
DERIVED_FLAGS = {"python-format", "python-brace-format", "no-python-format"}


def _entries(po: polib.POFile) -> tuple:
    header = sorted((k, v) for k, v in po.metadata.items() if k != "POT-Creation-Date")
    rows = sorted(
        (
            e.msgctxt or "",
            e.msgid,
            e.msgid_plural,
            e.msgstr,
            sorted(e.msgstr_plural.items()),
            sorted(set(e.flags) - DERIVED_FLAGS),
            e.obsolete,
        )
        for e in po
    )
    return header, rows


def compile_all(root: Path) -> None:
    for po_path in catalogue_paths(root):
        if po_path.exists():
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def untranslated(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    return [e.msgid for e in po if not e.obsolete and ("fuzzy" in e.flags or not (e.msgstr or e.msgstr_plural.get(0)))]
