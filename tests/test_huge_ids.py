"""Ids and numbers larger than any database integer: 404 / 400, never a 500.

SQLite raises ``OverflowError`` on integers beyond 64 bits where PostgreSQL answers "out of range"; both must
answer the same. Pages: every URL with an id, with a huge id, GET and POST, as staff and as a member. API: every
operation of the schema with a huge value in each integer path and query parameter.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.test_permission_matrix import url_names

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
SLUGS = {"action": "file", "answer": "confirm", "code": "x", "token": "x"}


def _client(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


@pytest.fixture
def _locmem(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "huge"}}


def test_every_page_with_an_id_answers_a_huge_id_without_a_server_error(world, _locmem):
    failures = []
    routes = {name: route for name, route in url_names().items() if not route.startswith("api/") and "<" in route}
    assert len(routes) > 30
    for user in (world.staff, world.member, world.convener, world.unit_user):
        c = _client(user)
        for name, route in sorted(routes.items()):
            url = "/" + re.sub(
                r"<(\w+):(\w+)>", lambda m: HUGE if m[1] in ("int", "id") else SLUGS.get(m[2], "x"), route
            )
            for method in ("get", "post"):
                got = getattr(c, method)(url).status_code
                if got >= 500:
                    failures.append(f"{method.upper()} {url} ({name}) as {user}: {got}")
    assert not failures, "\n".join(failures)


QUERY_NAMES = (
    "committee",
    "unit",
    "group",
    "year",
    "quarter",
    "platform",
    "page",
    "item",
    "member",
    "activity",
    "category",
    "state",
    "figure",
    "sector",
    "session",
    "topic",
    "code",
    "q",
)


@pytest.mark.parametrize("value", [HUGE, "²", "1e400"])
def test_every_page_answers_huge_or_odd_numbers_in_its_query_without_a_server_error(world, _locmem, value):
    """Every page without ids, with every query parameter the pages read set to a huge or odd number."""
    query = "?" + "&".join(f"{name}={value}" for name in QUERY_NAMES)
    routes = {
        name: route
        for name, route in url_names().items()
        if not route.startswith("api/") and "<" not in route and "logout" not in route
    }
    failures = []
    for user in (world.staff, world.leader, world.convener, world.unit_user):
        c = _client(user)
        for name, route in sorted(routes.items()):
            got = c.get("/" + route + query).status_code
            if got >= 500:
                failures.append(f"GET /{route}{query} ({name}) as {user}: {got}")
    assert not failures, "\n".join(failures)


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, op


def _body_schema(schema: dict, op: dict) -> dict:
    content = op.get("requestBody", {}).get("content", {})
    ref = (content.get("application/json") or next(iter(content.values()), {})).get("schema", {})
    if "$ref" in ref:
        return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return ref


def _is_int(s: dict) -> bool:
    numbers = ("integer", "number")
    return s.get("type") in numbers or (s.get("type") == "array" and s.get("items", {}).get("type") in numbers)


def test_every_api_operation_answers_huge_integers_without_a_server_error(world, _locmem):
    """Each integer path parameter, query parameter and body field in turn set to a huge number."""
    from tests.test_api_fuzz import seed_world

    seed_world(world)
    schema = _client(world.staff).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    failures = []
    for user in (world.staff, world.member, world.unit_user):
        c = _client(user)
        for path, method, op in _operations(schema):
            params = op.get("parameters", [])
            url = re.sub(r"\{\w+\}", HUGE, path)
            tries = [(url, {}, {})]
            if "{" in path:  # the same with an existing object, so query and body are read too
                tries = [(re.sub(r"\{\w+\}", "1", path), {}, {}), *tries]
            base = tries[0][0]
            for p in params:
                if p["in"] == "query" and _is_int(p.get("schema", {})):
                    tries.append((base, {p["name"]: HUGE}, {}))
            for name, prop in _body_schema(schema, op).get("properties", {}).items():
                if _is_int(prop) and not prop.get("readOnly"):
                    value = int(HUGE) if prop["type"] == "integer" else [int(HUGE)]
                    tries.append((base, {}, {name: value}))
            for url, query, body in tries:
                if method == "get":
                    response = c.get(url, query)
                else:
                    response = getattr(c, method)(
                        url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                        body,
                        content_type="application/json",
                    )
                if response.status_code >= 500:
                    failures.append(
                        f"{method.upper()} {url} {query or ''}{body or ''} as {user}: {response.status_code}"
                    )
    assert not failures, "\n".join(failures)


def test_an_api_url_no_pattern_matches_is_a_json_404(world, _locmem):
    c = _client(world.staff)
    for url in ("/api/v1/proposals/0.5/submit/", "/api/v1/activities/%C2%84/", "/api/v1/no-such-thing/"):
        response = c.post(url) if "submit" in url else c.get(url)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", url
        assert response.json()["detail"]
    assert "text/html" in c.get("/no-such-page/")["Content-Type"]
