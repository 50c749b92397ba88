"""Issue #22: every page of the permission matrix runs a fixed number of SQL queries whatever the data size.

Each page (HTML and API, GET) is opened as every role that may open it, on the matrix's objects; then a second
set of the same objects is added beside the first (``build_objects(world, again=True)``: another activity with
its attendance and evidence, proposal, reply, report, session and outcome, message, lead, contact, platform,
notification …) and the page is opened again. A page that queries per row shows it as more queries with twice
the rows; a page with a fixed number runs no more. Each count is taken on a second request, after one that
warms what is cached per process (a session's first write, compiled statements, configuration rows); the
second set's counts are taken on pages warmed by the first's.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.test_permission_matrix import RULES, build_objects, page_url, url_names, users_by_role

pytestmark = pytest.mark.django_db

# Pages built from the code, not from rows: the API's schema and its documentation page.
NOT_ROWS = {"schema", "api-docs"}
# The roles whose pages differ; the "other" roles open the same templates with none of these rows.
MEASURED = ("anonymous", "member", "convener", "unit", "staff", "leader")


def _namespace(name: str) -> str:
    return name.split(":", 1)[0] if ":" in name else "site"


# One test per namespace, so that xdist spreads the pages over its workers.
NAMESPACES = sorted({_namespace(name) for name in url_names()})


def _pages(world, objects, namespace: str) -> list[tuple[str, str, list[str]]]:
    pages = []
    for name in sorted(url_names()):
        if _namespace(name) != namespace:
            continue
        rule = RULES[name]
        if rule.post_only or name in NOT_ROWS:
            continue
        url = page_url(name, world, objects)
        roles = [role for role in MEASURED if role in rule.ok]
        if roles:
            pages.append((name, url, roles))
    return pages


def _counts(clients: dict, pages, *, warm: bool) -> dict[tuple[str, str], int]:
    counts = {}
    for name, url, roles in pages:
        for role in roles:
            if warm:
                clients[role].get(url)
            with CaptureQueriesContext(connection) as queries:
                response = clients[role].get(url)
            if response.status_code == 200:
                counts[name, role] = len(queries)
    return counts


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_page_of_the_matrix_runs_no_more_queries_with_twice_the_rows(namespace, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counts"}}
    objects = build_objects(world)
    clients = {}
    for role, user in users_by_role(world).items():
        clients[role] = Client(raise_request_exception=False)
        if user is not None:
            clients[role].force_login(user)
    pages = _pages(world, objects, namespace)
    once = _counts(clients, pages, warm=True)
    assert once or not pages, f"no page of {namespace} answered"
    build_objects(world, again=True)
    twice = _counts(clients, pages, warm=False)
    grew = [
        f"{name} as {role}: {n} queries, {twice.get((name, role))} with twice the rows"
        for (name, role), n in sorted(once.items())
        if twice.get((name, role), 0) > n or (name, role) not in twice
    ]
    assert not grew, f"{len(grew)} pages query per row:\n" + "\n".join(grew)


def test_the_query_count_test_measures_every_page_of_the_matrix():
    measured = {name for name in url_names() if not RULES[name].post_only and set(MEASURED) & RULES[name].ok}
    assert len(measured) > 150
    assert {_namespace(name) for name in measured} <= set(NAMESPACES)
