"""Database faults: the app's persistent connection is dropped under it (PostgreSQL: ``pg_terminate_backend``
from another session, as a restart or a failover would; SQLite: the DB-API connection is closed). The next
request must succeed without restarting the app, thanks to ``CONN_HEALTH_CHECKS``. While the database is
unreachable the health endpoint answers a clean 503, and the app recovers when it is back.

Requests go through the real WSGI handler in this thread (Django's test client disconnects the
``close_old_connections`` signals that do the checking, so it cannot show this).
"""

from __future__ import annotations

import io
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import path

pytestmark = pytest.mark.django_db(transaction=True)


def wsgi_get(path: str, headers: dict | None = None) -> tuple[int, bytes]:
    environ = {
        "PATH_INFO": path,
        "REQUEST_METHOD": "GET",
        "wsgi.input": io.BytesIO(),
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    status = []
    body = b"".join(get_wsgi_application()(environ, lambda s, h, e=None: status.append(int(s.split()[0]))))
    return status[0], body


def drop_app_connection() -> None:
    """Kill the connection the app holds, from outside it."""
    if connection.vendor == "postgresql":
        import psycopg2

        pid = connection.connection.info.backend_pid if hasattr(connection.connection, "info") else None
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("server_side_binding", None)
        with psycopg2.connect(
            **{k: v for k, v in params.items() if k in ("dbname", "database", "user", "password", "host", "port")}
        ) as killer:
            killer.autocommit = True
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone()[0] is True
        killer.close()
    else:  # SQLite has no server that could drop us, and its is_usable() is always True: the closest fault
        connection.close()  # is losing the connection object, which the next request must replace


@pytest.fixture
def persistent_connections():
    """Production keeps connections between requests (``CONN_MAX_AGE``) with health checks."""
    saved = (connection.settings_dict["CONN_MAX_AGE"], connection.settings_dict["CONN_HEALTH_CHECKS"])
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    connection.close()
    yield
    connection.settings_dict["CONN_MAX_AGE"], connection.settings_dict["CONN_HEALTH_CHECKS"] = saved
    connection.close()


def test_requests_recover_after_the_database_drops_the_connection(world, persistent_connections):
    from core.services import api_token_issue

    token = api_token_issue(user=world.member, actor=world.member)[1]
    auth = {"Authorization": f"Token {token}"}
    assert wsgi_get("/health/")[0] == 200
    first = connection.connection
    assert first is not None, "the app keeps its connection between requests"

    drop_app_connection()

    status, body = wsgi_get("/api/v1/auth/me/", auth)
    assert status == 200, body[:500]
    assert connection.connection is not first, "a fresh connection replaced the dropped one"
    assert wsgi_get("/health/")[0] == 200


def test_while_the_database_is_unreachable_health_is_503_and_pages_recover_after(world, persistent_connections):
    """The database goes away (PostgreSQL: nothing listens on its address; SQLite: its file is unreachable):
    the health endpoint answers a clean 503 for the load balancer; once it is back, requests succeed again
    in the same process."""
    saved = dict(connection.settings_dict)
    assert wsgi_get("/health/")[0] == 200
    drop_app_connection()
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    else:
        connection.settings_dict.update(NAME="/nonexistent-dir/db.sqlite3")
    try:
        status, body = wsgi_get("/health/")
        assert status == 503, body[:500]
        assert b"database unavailable" in body
    finally:
        connection.close()
        connection.settings_dict.update(HOST=saved["HOST"], PORT=saved["PORT"], NAME=saved["NAME"])
    assert wsgi_get("/health/")[0] == 200


def kill_all_app_connections() -> int:
    """PostgreSQL restarted under load: every connection of the app is cut at once, mid-request or not."""
    if connection.vendor != "postgresql":
        return 0  # SQLite: nothing to restart; the load below still runs, every request must succeed
    import psycopg2

    params = connection.get_connection_params()
    with psycopg2.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "database", "user", "password", "host", "port")}
    ) as killer:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            killed = cursor.fetchone()[0]
    killer.close()
    return killed


def test_under_load_a_database_restart_fails_requests_cleanly_and_the_app_recovers(world, persistent_connections):
    """Four clients keep requesting while every database connection is cut three times: each answer is a
    clean 200 or 503 (no hang, nothing escaping the handler), and afterwards every request succeeds again in
    the same process, on every thread, without a restart."""
    import threading
    from collections import Counter

    from django.db import connections

    from core.services import api_token_issue

    auth = {"Authorization": f"Token {api_token_issue(user=world.member, actor=world.member)[1]}"}
    stop, statuses, errors = threading.Event(), Counter(), []

    def client():
        try:
            while not stop.is_set():
                statuses[wsgi_get("/api/v1/auth/me/", auth)[0]] += 1
            for _ in range(5):  # after the storm: this thread's connection is healthy again
                statuses[("after", wsgi_get("/api/v1/auth/me/", auth)[0])] += 1
        except Exception as exc:  # noqa: BLE001 - anything escaping the WSGI handler fails the test
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    killed = 0
    for _ in range(3):
        time.sleep(0.3)
        killed += kill_all_app_connections()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a request hung"
    assert errors == []
    during = {k: v for k, v in statuses.items() if not isinstance(k, tuple)}
    after = {k[1]: v for k, v in statuses.items() if isinstance(k, tuple)}
    print(f"\nkilled {killed} connections; during: {during}; after: {after}")
    assert set(during) <= {200, 503}, during  # a lost connection is "temporarily unavailable", not a bug
    assert during.get(200, 0) > 0
    assert after == {200: 20}, after
    assert wsgi_get("/health/")[0] == 200


# --- what users are told when the database is away (handler500) -------------------------------------


def _db_down(request):
    from django.db import OperationalError

    raise OperationalError("could not connect to server: Connection refused")


def _bug(request):
    raise ValueError("a bug")


urlpatterns = [path("page/", _db_down), path("api/v1/thing/", _db_down), path("bug/", _bug)]  # URLconf below
handler500 = "core.views.server_error"


@pytest.mark.urls("tests.test_faults")
def test_a_page_that_cannot_reach_the_database_says_so_in_chinese_with_503(client):
    client.raise_request_exception = False
    page = client.get("/page/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "暂时无法连接数据库，请一分钟后再试。" in page.content.decode()
    api = client.get("/api/v1/thing/")
    assert api.status_code == 503 and api.json() == {"detail": "暂时无法连接数据库，请一分钟后再试。"}
    bug = client.get("/bug/")
    assert bug.status_code == 500 and "Retry-After" not in bug
    assert "系统出错了" in bug.content.decode()
