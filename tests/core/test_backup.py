"""A backup restored into a fresh database holds every record and file."""

import sqlite3
import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from core import backup
from groups.models import Member
from tests import factories as f
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


def _fresh_database(tmp_path):
    """An empty database of the same engine as the tests use; returns (settings dict, counter, dropper)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        name = f"restore_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(
            dbname="postgres",
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
        )
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        target = {**db, "NAME": name}

        def count(table):
            with psycopg2.connect(
                dbname=name,
                user=db["USER"],
                password=db["PASSWORD"],
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
            ) as c:
                cur = c.cursor()
                cur.execute(f'SELECT count(*) FROM "{table}"')
                return cur.fetchone()[0]

        def drop():
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

        return target, count, drop
    target = {**db, "NAME": str(tmp_path / "restored.sqlite3")}

    def count(table):
        with sqlite3.connect(target["NAME"]) as c:
            return c.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

    return target, count, lambda: None


def test_a_backup_restores_into_a_fresh_database_with_every_record_and_file(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for _ in range(5):
        f.MembershipFactory()
    default_storage.save("evidence/2026/photo.jpg", ContentFile(b"\xff\xd8\xff photo bytes"))
    manifest = backup.backup(tmp_path / "backup", media_root=tmp_path / "media")
    assert manifest["rows"]["groups_member"] == Member.objects.count() == 5
    target, count, drop = _fresh_database(tmp_path)
    try:
        backup.restore(tmp_path / "backup", db=target, media_root=tmp_path / "restored-media")
        for table, rows in manifest["rows"].items():
            assert count(table) == rows, table
    finally:
        drop()
    assert (tmp_path / "restored-media" / "evidence/2026/photo.jpg").read_bytes() == b"\xff\xd8\xff photo bytes"


def test_the_commands_back_up_and_refuse_a_folder_that_is_not_a_backup(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("backup", str(tmp_path / "b"), verbosity=0)
    assert (tmp_path / "b" / "manifest.json").exists()
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "restore",
            str(tmp_path),
            "--database-url",
            "sqlite:////tmp/x.db",
            "--media-root",
            str(tmp_path / "m"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode != 0 and "manifest.json" in result.stderr
