"""The test database: migrated once into a template, then copied for each xdist process and each run.

Migrating a fresh database costs about 30 s of CPU (128 migrations; most of it is Django re-rendering the migration
state after each operation), and every xdist process of every run paid it. Now the migrations run once, into a
template database kept between runs, and each test database is a copy of it: ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL (what Django's parallel runner does), SQLite's backup API on SQLite. A copy holds everything the
migrations made (tables, triggers, ``RunSQL``, rows of data migrations, content types and permissions).

The template is rebuilt when its key changes: the text of every migration of every installed app, of the project
modules those migrations import, and Django's version. ``pytest --create-db`` rebuilds it whatever the key says;
``TEST_DB_TEMPLATE=0`` (and ``--reuse-db``, ``--nomigrations``) migrates each test database as pytest-django does.

The processes take turns through a lock (PostgreSQL's advisory lock, shared by every checkout on the server; a file
lock beside the SQLite file): the first builds the template if it is missing or stale, each one copies it.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_VERSION = "1"  # bump when what this module puts into the template changes


def enabled() -> bool:
    return os.environ.get("TEST_DB_TEMPLATE", "1") not in ("0", "false", "no")


def template_key() -> str:
    """A hash of what decides the migrated database: every migration file, the project modules they import."""
    import django
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(f"{KEY_VERSION} {django.__version__} {settings.INSTALLED_APPS}".encode())
    for name, path in sorted(migration_sources(MigrationLoader(None, ignore_no_migrations=True)).items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def migration_sources(loader) -> dict[str, Path]:
    """Module name -> file of every migration on disk, and of every project module a project migration imports."""
    sources: dict[str, Path] = {}
    for migration in loader.disk_migrations.values():
        module = sys.modules[migration.__module__]
        sources[module.__name__] = Path(module.__file__)
    for path in [p for p in sources.values() if ROOT in p.parents and ".venv" not in p.parts]:
        for name in _imported_modules(path):
            spec = importlib.util.find_spec(name)
            origin = Path(spec.origin) if spec and spec.origin and spec.has_location else None
            if origin and ROOT in origin.parents and ".venv" not in origin.parts:
                sources[name] = origin
    return sources


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "importlib.import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


# --- naming, locking, copying per engine ---------------------------------------------------------------------------


def is_sqlite(connection) -> bool:
    return connection.vendor == "sqlite"


def template_name(connection) -> str:
    """The template's database name (PostgreSQL) or file (SQLite), from the configured database, not the test one."""
    name = connection.settings_dict["NAME"]
    if is_sqlite(connection):
        return str(Path(name).with_name("test-template.sqlite3"))
    return f"test_{name}_template"


@contextlib.contextmanager
def template_lock(connection):
    """One process at a time builds or copies the template."""
    if is_sqlite(connection):
        with open(template_name(connection) + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        return
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"cppcc-test-template:{template_name(connection)}"])
        try:
            yield
        finally:
            cursor.execute(
                "SELECT pg_advisory_unlock(hashtext(%s))", [f"cppcc-test-template:{template_name(connection)}"]
            )


def stored_stamp(connection) -> str | None:
    """``"<key> <run>"`` of the template: its key, and the id of the run (all xdist processes) that built it."""
    name = template_name(connection)
    if is_sqlite(connection):
        key_file = Path(name + ".key")
        return key_file.read_text() if key_file.exists() and Path(name).exists() else None
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def build_template(connection, stamp: str, verbosity: int) -> None:
    """Django's own test database creation (create, migrate, createcachetable) under the template's name."""
    name = template_name(connection)
    if is_sqlite(connection):
        Path(name + ".key").unlink(missing_ok=True)
        _remove_sqlite(name)
    test_settings = connection.settings_dict["TEST"]
    test_name, real_name = test_settings.get("NAME"), connection.settings_dict["NAME"]
    test_settings["NAME"] = name
    try:
        connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
    finally:
        connection.close()
        test_settings["NAME"] = test_name
        _point_at(connection, real_name)
    if is_sqlite(connection):
        Path(name + ".key").write_text(stamp)
    else:
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(name)} IS %s", [stamp])


def copy_template(connection, target: str) -> None:
    """The test database ``target``, a copy of the template (replacing a leftover of an earlier run)."""
    source = template_name(connection)
    connection.close()
    if is_sqlite(connection):
        _remove_sqlite(target)
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
            with contextlib.closing(sqlite3.connect(target)) as dst:
                src.backup(dst)
        return
    quote = connection.ops.quote_name
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
        cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}")


def _remove_sqlite(name: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(name + suffix).unlink(missing_ok=True)


def _point_at(connection, name: str) -> None:
    from django.conf import settings

    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def setup(connection, *, run: str, rebuild: bool, verbosity: int) -> str:
    """Make the test database a copy of an up-to-date template; returns the name the connection had before.

    ``run`` is the same in every xdist process of one run; ``rebuild`` (``--create-db``) rebuilds a template that
    this run did not build."""
    old_name = connection.settings_dict["NAME"]
    target = connection.creation._get_test_db_name()
    if verbosity >= 1:
        print(f"Copying the template into the test database {target}…")
    key = template_key()
    with template_lock(connection):
        stored_key, stored_run = (stored_stamp(connection) or " ").split(" ", 1)
        if stored_key != key or (rebuild and stored_run != run):
            build_template(connection, f"{key} {run}", verbosity=max(verbosity - 1, 0))
        copy_template(connection, target)
    _point_at(connection, target)
    connection.ensure_connection()
    return old_name
