"""Backup and restore of the database and the uploaded files.

A backup is a folder holding ``database.dump`` (``pg_dump --format=custom`` on PostgreSQL, an
online copy made with SQLite's backup API otherwise), ``media.tar.gz`` (the file store) and
``manifest.json`` (when, from which database, row counts per table, files with their sizes).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    return args + (["-U", db["USER"]] if db.get("USER") else [])


def row_counts() -> dict[str, int]:
    """Rows per concrete model table, to check a restore against."""
    counts = {}
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.using(connection.alias).count()
    return counts


def media_files(root: Path) -> dict[str, int]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


def backup(target: Path, *, db: dict | None = None, media_root: Path | None = None) -> dict:
    """Write a backup of the database and the media folder into ``target``; return its manifest."""
    db = db or connection.settings_dict
    media_root = Path(media_root or settings.MEDIA_ROOT)
    target.mkdir(parents=True, exist_ok=True)
    dump = target / "database.dump"
    if db["ENGINE"].endswith("postgresql"):
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *_pg_args(db), db["NAME"]],
            check=True,
            env=_pg_env(db),
            capture_output=True,
        )
        engine = "postgresql"
    else:
        source = sqlite3.connect(db["NAME"])
        with sqlite3.connect(dump) as copy:
            source.backup(copy)
        source.close()
        engine = "sqlite"
    with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
        if media_root.exists():
            tar.add(media_root, arcname="media")
    manifest = {
        "created": timezone.now().isoformat(),
        "engine": engine,
        "database": db["NAME"],
        "rows": row_counts(),
        "files": media_files(media_root),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def restore(source: Path, *, db: dict, media_root: Path) -> dict:
    """Load a backup into the (empty) database ``db`` and the folder ``media_root``."""
    manifest = json.loads((source / "manifest.json").read_text())
    dump = source / "database.dump"
    if manifest["engine"] == "postgresql":
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", db["NAME"], *_pg_args(db), str(dump)],
            check=True,
            env=_pg_env(db),
            capture_output=True,
        )
    else:
        shutil.copyfile(dump, db["NAME"])
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
        for member in tar.getmembers():
            if not member.name.startswith("media") or member.issym() or member.islnk() or ".." in member.name:
                continue
            member.name = member.name.removeprefix("media").lstrip("/")
            if member.name:
                tar.extract(member, media_root, filter="data")
    return manifest


def default_folder() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups" / datetime.now().strftime("%Y%m%d-%H%M%S")
