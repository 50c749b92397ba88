"""Shared fixtures: a small committee world with one user per role, a real Celery worker, a browser."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer

from tests import database
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def project_apps() -> list:
    """The app configs of this repository's own apps (not the libraries in the virtualenv), in settings' order:
    the guards that walk every app find an app split off later without a list to update."""
    from django.apps import apps

    return [c for c in apps.get_app_configs() if ROOT in Path(c.path).parents and ".venv" not in Path(c.path).parts]


def project_packages() -> list[str]:
    """The production code's packages the guards scan: every app of the repository but the demo loaders (not
    installed in production), and the project package."""
    return [c.name for c in project_apps() if c.label != "demo"] + ["cppcc_portal"]


def project_modules(leaf: str) -> list[str]:
    """``<package>.<leaf>`` (``services``, ``serializers``) of every package of ``project_packages`` that has one."""
    import importlib.util

    return [f"{p}.{leaf}" for p in project_packages() if importlib.util.find_spec(f"{p}.{leaf}")]


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright's sync API


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's fixture, but the test database is a copy of a template migrated once (``tests/database.py``)
    instead of migrated in every xdist process of every run."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    verbosity = request.config.option.verbose
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    templated = database.enabled() and django_db_use_migrations and not django_db_keepdb and aliases == {"default"}
    with django_db_blocker.unblock():
        if templated:
            connection = connections["default"]
            run = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex
            old_name = database.setup(connection, run=run, rebuild=django_db_createdb, verbosity=verbosity)
            if "default" in serialized_aliases:
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()
            db_cfg = [(connection, old_name, True)]
        else:
            if not django_db_use_migrations:
                _disable_migrations()
            keepdb = {"keepdb": True} if django_db_keepdb and not django_db_createdb else {}
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                **keepdb,
            )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=verbosity)  # a session left open fails the run (not a warning)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2's deliberate slowness costs seconds per test; tests do not need it."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _own_broker_queue():
    """Each xdist process publishes to and runs its real workers on its own queue (``CELERY_QUEUE`` plus the
    process's id). One shared queue let a worker started by one process take a delivery another process's test
    had published, and write it into the wrong test database (an extra notice in the worker kill test)."""
    from django.conf import settings

    from cppcc_portal.celery import app

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{worker}"
        settings.CELERY_TASK_DEFAULT_QUEUE = app.conf.task_default_queue = queue


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Chinese: a request that switched language must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_sessionfinish(session, exitstatus):
    """A skipped test hides a missing piece: the run fails when anything was skipped."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        reporter.write_line("FAILED: tests were skipped; CI must run every test.", red=True)
        session.exitstatus = 1


@pytest.fixture
def one_statement_per_bulk_write(monkeypatch):
    """Django 5.2 assumes SQLite's old limit of 999 variables a statement, so it splits a bulk write of 200
    rows into batches of about 100; the SQLite in use takes far more (Django 6.0 reads the real limit).
    Lift the assumption, so the counts compare the code's queries, not Django's batching. PostgreSQL,
    the production database, has no such limit and needs nothing."""
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


@dataclass
class World:
    """Two committees (a city and its district) plus an unrelated one, and a user per role."""

    city: object
    district: object
    other: object
    group: object
    other_group: object
    staff: object
    district_staff: object
    other_staff: object
    leader: object
    convener: object
    convener_member: object
    member: object
    member_record: object
    outsider_member: object
    other_convener: object
    unit_user: object
    unit: object
    other_unit_user: object
    other_unit: object


@pytest.fixture
def world(db) -> World:
    return make_world()


def make_world() -> World:
    """The ``world`` fixture's rows, for a fixture of a wider scope (the accessibility walk builds it once)."""
    from groups.models import CommitteeStaff, GroupMembership

    city = f.CommitteeFactory(name="临江市政协", level="city", code="city")
    district = f.CommitteeFactory(name="东湖区政协", parent=city, code="donghu")
    other = f.CommitteeFactory(name="远山市政协", level="city", code="far")
    staff = f.StaffPositionFactory(committee=city, user__username="staff").user
    district_staff = f.StaffPositionFactory(committee=district, user__username="dstaff").user
    other_staff = f.StaffPositionFactory(committee=other, user__username="ostaff").user
    leader = f.StaffPositionFactory(
        committee=city, role=CommitteeStaff.Role.LEADER, user__username="leader", user__is_staff=False
    ).user
    group = f.ActivityGroupFactory(committee=district, name="东湖街道活动组")
    other_group = f.ActivityGroupFactory(committee=district, name="湖滨街道活动组")
    convener = f.UserFactory(username="convener")
    convener_member = f.MembershipFactory(group=group, role=GroupMembership.Role.CONVENER, member__user=convener).member
    member = f.UserFactory(username="member")
    member_record = f.MembershipFactory(group=group, member__user=member).member
    other_convener = f.UserFactory(username="oconvener")
    f.MembershipFactory(group=other_group, role=GroupMembership.Role.CONVENER, member__user=other_convener)
    outsider_member = f.MemberFactory(committee=other, user=f.UserFactory(username="outsider"))
    unit = f.HandlingUnitFactory(committee=district, name="东湖区住建局")
    unit_user = f.UserFactory(username="unit")
    unit.users.add(unit_user)
    other_unit = f.HandlingUnitFactory(committee=district, name="东湖区教育局")
    other_unit_user = f.UserFactory(username="ounit")
    other_unit.users.add(other_unit_user)
    return World(
        city,
        district,
        other,
        group,
        other_group,
        staff,
        district_staff,
        other_staff,
        leader,
        convener,
        convener_member,
        member,
        member_record,
        outsider_member,
        other_convener,
        unit_user,
        unit,
        other_unit_user,
        other_unit,
    )


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: ``client_for(world.member)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


# --- Real Celery worker -------------------------------------------------------------------------


# The longest modules (each split into many tests that xdist spreads): started first, so that neither worker is left
# with them at the end of the run while the other one idles.
START_FIRST = ("e2e/test_accessibility.py", "test_api_fuzz.py")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Real workers: each xdist process has its own queue (``_own_broker_queue``); ``--dist loadgroup`` still runs
    the tests that start one in one process, so that they share its database's outbox with no other worker (the
    group goes out first, as the largest unit of work). Then the modules of ``START_FIRST``, in order, each kept
    together (their data is built once per module in each worker)."""
    for item in items:
        if "celery_worker_process" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("celery-worker"))
    first = [Path(__file__).parent / name for name in START_FIRST]
    items.sort(key=lambda item: first.index(item.path) if item.path in first else len(first))


def worker_database_url() -> str:
    """The test database as a URL, for a worker process."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_celery_worker(
    log: Path, *, queue: str = "", name: str = "", extra_env: dict | None = None
) -> subprocess.Popen:
    """Start ``celery worker`` on the test database and broker (default queue); returns once it is ready."""
    from django.conf import settings

    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    env = {**os.environ, "CELERY_QUEUE": queue, "DATABASE_URL": worker_database_url(), **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cppcc_portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            f"{name or 'test'}-{os.getpid()}-{time.monotonic_ns()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker died:\n{log.read_text()}")
        time.sleep(0.2)
    proc.log = log
    return proc


def stop_process(proc: subprocess.Popen | None) -> None:
    """Terminate a helper process (worker, web server, redis-server), killing it after 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


stop_celery_worker = stop_process


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (for the tests' own servers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real ``celery worker`` process on the same broker and test database as this test."""
    from django.conf import settings

    proc = start_celery_worker(tmp_path / "worker.log", queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    yield proc
    stop_celery_worker(proc)


# --- Live server --------------------------------------------------------------------------------


class ClosingWSGIServer(ThreadedWSGIServer):
    """Django's live server, whose stopping ends every open connection too. Django's threaded server serves a
    browser's keep-alive connection in a thread of its own, with the database connection that thread opened (kept
    for ``CONN_MAX_AGE``), and closes that database connection only when the browser closes the socket; stopping the
    server left such threads running. At the end of a PostgreSQL run one of them still held a session on the test
    database, which then could not be dropped ("test database is being accessed by other users")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.open_requests: dict = {}

    def process_request_thread(self, request, client_address):
        self.open_requests[request] = threading.current_thread()
        try:
            super().process_request_thread(request, client_address)  # ends with close_request: close_all()
        finally:
            self.open_requests.pop(request, None)

    def server_close(self):
        super().server_close()
        for request, thread in list(self.open_requests.items()):
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)  # the thread's read of a next request ends
            thread.join(10)


def start_live_server(addr: str = "localhost"):
    """pytest-django's live server, whose ``stop()`` leaves no thread and no database connection behind."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(addr, start=False)
    server.thread.server_class = ClosingWSGIServer
    server.start()
    return server


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's ``live_server``, started by ``start_live_server``; after the test database is made, so that
    it stops before the database is dropped."""
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = start_live_server(addr)
    yield server
    server.stop()


# --- Browser ------------------------------------------------------------------------------------


# A browser test waits for what the page shows (expect), never for a fixed time. On the 2-core CI machine the other
# xdist worker may be running the axe-core page walk, and a POST's answer can then take longer than Playwright's
# 5-s default: each assertion waits up to 20 s, and returns as soon as the page shows it.
EXPECT_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session", autouse=True)
def _patient_expect():
    try:
        from playwright.sync_api import expect
    except ImportError:  # pragma: no cover - playwright is in requirements-dev
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def phone_page(browser):
    """A page sized and behaving like a phone (375 px wide, touch)."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def shoot(page, name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
