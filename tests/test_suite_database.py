"""The suite's own test database: a copy of a template migrated once (``tests/database.py``), and no connection to it
left open at the end of the run (else it cannot be dropped: "test database is being accessed by other users")."""

import http.client
import time

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from tests import database
from tests.conftest import start_live_server


@pytest.mark.django_db
def test_the_test_database_is_at_the_latest_migrations_with_what_they_made():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert set(executor.loader.graph.nodes) <= set(executor.recorder.applied_migrations())
    # what only the migrations make: triggers (RunSQL), the content types and permissions of post_migrate (rows of
    # data migrations are gone once a transactional test flushed the database)
    sql = {
        "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        assert cursor.fetchone()[0] > 0
    from django.contrib.auth.models import Permission

    assert Permission.objects.filter(codename="change_proposal").exists()


def test_the_template_key_reads_every_migration_and_the_project_modules_they_import():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    sources = database.migration_sources(loader)
    assert {m.__module__ for m in loader.disk_migrations.values()} <= set(sources)
    assert {
        "core.migration_sql",
        "core.pinyin",
        "proposals.migrations.0006_confirmed_cosigners_kept_by_database",
    } <= set(sources)
    assert "django.db.models" not in sources  # Django's own code is in the key by its version
    assert database.template_key() == database.template_key()


@pytest.mark.django_db(transaction=True)
def test_stopping_the_live_server_closes_the_database_connections_of_its_keep_alive_threads():
    """A browser keeps its connection to the live server open between requests; the thread serving it keeps its
    database connection (``CONN_MAX_AGE`` on PostgreSQL). Stopping the server must close both."""
    opened = []

    def record(sender, connection, **kwargs):
        pid = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None
        opened.append((connection, pid))

    server = start_live_server()
    connection_created.connect(record)
    try:
        client = http.client.HTTPConnection(server.thread.host, server.thread.port, timeout=10)
        client.request("GET", "/health/")
        response = client.getresponse()
        assert response.status == 200 and response.read()
        assert response.getheader("Connection") != "close"  # the socket stays open, as a browser's does
    finally:
        connection_created.disconnect(record)
        server.stop()
    assert opened, "the request opened no database connection"
    assert [wrapper for wrapper, _pid in opened if wrapper.connection is not None] == []
    assert server.thread.httpd.open_requests == {}
    pids = [pid for _wrapper, pid in opened if pid is not None]
    if pids:
        _wait_until_gone(pids)
    client.close()


def _wait_until_gone(pids: list[int]) -> None:
    """PostgreSQL ends a backend shortly after its client closed the socket."""
    with connection.cursor() as cursor:
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"database sessions {pids} of the live server are still open")
