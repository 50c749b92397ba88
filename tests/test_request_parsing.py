"""Request input is parsed by a serializer, a form field or ``core.parsing``, never raw.

``bool("false")`` is true, so ``accept=false`` in form data used to accept an outcome's reply. The class is
closed three ways: every write operation of the OpenAPI schema declares its request body (or is listed as taking
none), every operation declares the errors it answers, and no code reads a boolean or an integer straight from
``request`` (a scan of the source); then each boolean input is tried with "false".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.consultations.factories import TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db
API = "/api/v1/"
ROOT = Path(__file__).resolve().parent.parent

# Writes that take no input at all: a body sent to them is ignored. Anything else must declare its body.
NO_INPUT = {
    ("post", "/api/v1/activities/{id}/leave-withdraw/"),
    ("post", "/api/v1/activities/{id}/sign-up/"),
    ("post", "/api/v1/activities/{id}/sign-up-withdraw/"),
    ("post", "/api/v1/activities/{id}/announce/"),
    ("post", "/api/v1/activities/{id}/hold/"),
    ("post", "/api/v1/activities/{id}/file/"),
    ("post", "/api/v1/plenary-sessions/{id}/fill-present/"),
    ("post", "/api/v1/consultations/{id}/hold/"),
    ("post", "/api/v1/consultations/{id}/publish/"),
    ("post", "/api/v1/consultation-outcomes/{id}/publish/"),
    ("post", "/api/v1/consultations/{id}/cancel/"),
    ("post", "/api/v1/proposals/{id}/mark-excellent/"),
    ("post", "/api/v1/proposals/{id}/unmark-excellent/"),
    ("post", "/api/v1/rule-sets/{id}/lock/"),
    ("post", "/api/v1/notifications/{id}/read/"),
    ("post", "/api/v1/notifications/read-all/"),
    ("post", "/api/v1/opinion-reports/{id}/accept/"),
    ("post", "/api/v1/opinion-reports/{id}/submit-draft/"),
    ("post", "/api/v1/auth/logout/"),
    ("post", "/api/v1/auth/logout-all/"),
}


@pytest.fixture
def api_schema(client, world):
    client.force_login(world.staff)
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, op


def test_every_write_operation_declares_its_request_body(api_schema):
    writes = {(m, p): op for m, p, op in _operations(api_schema) if m in ("post", "put", "patch")}
    undeclared = sorted(key for key, op in writes.items() if "requestBody" not in op and key not in NO_INPUT)
    assert not undeclared, (
        f"write operations without a request body (declare one, or list them in NO_INPUT): {undeclared}"
    )
    stale = sorted(key for key in NO_INPUT if key not in writes or "requestBody" in writes[key])
    assert not stale, f"NO_INPUT lists operations that do not exist or declare a body: {stale}"


def test_every_operation_declares_the_errors_it_answers(api_schema):
    missing = []
    for method, path, op in _operations(api_schema):
        public = op.get("security") == [{}] or {} in op.get("security", [])
        need = {"400"} | (set() if public else {"401", "403", "404"}) | ({"404"} if "{" in path else set())
        if method != "get" and not public:
            need.add("409")
        if not need <= set(op["responses"]):
            missing.append(f"{method.upper()} {path}: {sorted(need - set(op['responses']))}")
    assert not missing, "\n".join(missing)


RAW = [
    (re.compile(r"\bbool\(\s*(self\.)?request\b"), "bool(request...): 'false' is true"),
    (re.compile(r"request\.data\.get\(|request\.data\["), "request.data read without a serializer"),
    (re.compile(r"\bint\(\s*(self\.)?request\.(GET|POST|data|query_params)"), "int(request...) without bounds"),
    (re.compile(r"\bint\(\s*\w+\[\s*[\"']\w+[\"']\s*\]\)"), "int(query[...]) without bounds"),
    (
        re.compile(r"\.isdigit\(\)"),
        "str.isdigit() is true for '²' (int() raises) and for huge ids: use core.parsing.as_id / as_int",
    ),
    (
        re.compile(r"\bif (not )?request\.(POST|GET|data|query_params)\.get\([^)]*\)\s*(:|and\b|or\b)"),
        "a posted string's truth ('false', '0' are true): use core.parsing.as_bool",
    ),
]
# Files that parse text that is not a request's (spreadsheet cells: ASCII-checked there), and the parser itself.
RAW_EXEMPT = {"plenary/resources.py", "core/parsing.py"}


def test_no_code_reads_booleans_or_integers_raw_from_a_request():
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.split("/")[0] in ("tests", "bench", "deploy", ".venv") or "/migrations/" in rel or rel in RAW_EXEMPT:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, why in RAW:
                if pattern.search(line):
                    found.append(f"{rel}:{number}: {why}\n    {line.strip()}")
    assert not found, "\n".join(found)


# --- Each boolean input with "false" --------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("value, accepted", [("false", False), ("0", False), ("true", True), ("1", True)])
def test_accept_false_returns_the_reply_to_the_unit(world, client_for, value, accepted, as_json):
    outcome = handed_outcome(world.unit, state="replied", reply="已办结")
    client = client_for(world.district_staff)
    url = API + f"consultation-outcomes/{outcome.pk}/review/"
    data = {"accept": value, "comment": "答复过于笼统"}
    response = client.post(url, data, content_type="application/json") if as_json else client.post(url, data)
    assert response.status_code == 200, response.content
    outcome.refresh_from_db()
    assert outcome.state == ("reviewed" if accepted else "handling"), outcome.state


def test_accept_that_is_not_a_boolean_is_a_400(world, client_for):
    outcome = handed_outcome(world.unit, state="replied", reply="已办结")
    response = client_for(world.district_staff).post(
        API + f"consultation-outcomes/{outcome.pk}/review/", {"accept": "perhaps"}
    )
    assert response.status_code == 400 and "accept" in response.json()
    outcome.refresh_from_db()
    assert outcome.state == "replied"


@pytest.mark.parametrize("value, front_line", [("false", False), ("0", False), ("true", True)])
def test_adopting_a_topic_with_annual_front_line_false_in_the_api(world, client_for, value, front_line):
    topic = TopicFactory(committee=world.district)
    response = client_for(world.district_staff).post(
        API + f"consultation-topics/{topic.pk}/adopt/", {"annual_front_line": value}
    )
    assert response.status_code == 200, response.content
    topic.refresh_from_db()
    assert (topic.state, topic.is_annual_front_line) == ("adopted", front_line)


@pytest.mark.parametrize("value, front_line", [("false", False), ("0", False), ("on", True), (None, False)])
def test_adopting_a_topic_with_annual_false_on_the_page(world, client_for, value, front_line):
    topic = TopicFactory(committee=world.district)
    data = {} if value is None else {"annual": value}
    client_for(world.district_staff).post(reverse("consultations:topic_action", args=[topic.pk, "adopt"]), data)
    topic.refresh_from_db()
    assert (topic.state, topic.is_annual_front_line) == ("adopted", front_line)


@pytest.mark.parametrize("value, held", [("false", False), ("0", False), ("1", True)])
def test_recording_attendance_with_and_hold_false_does_not_hold_the_activity(world, client_for, value, held):
    from datetime import timedelta

    from tests.groups.factories import ActivityFactory, AttendanceFactory

    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(hours=1))
    AttendanceFactory(activity=a, member=world.member_record)
    response = client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]),
        {"version": a.version, f"status_{world.member_record.pk}": "present", "and_hold": value},
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.state == ("held" if held else "announced")


@pytest.mark.parametrize("value", ["abc", "²", "-3", "99999999999999999999"])
def test_an_unreadable_attendance_version_is_a_conflict_message_not_a_500(world, client_for, value):
    from datetime import timedelta

    from tests.groups.factories import ActivityFactory, AttendanceFactory

    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(hours=1))
    AttendanceFactory(activity=a, member=world.member_record)
    response = client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]),
        {"version": value, f"status_{world.member_record.pk}": "present"},
        follow=True,
    )
    assert response.status_code == 200
    assert a.attendances.get().status != "present"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", 1),
        ("007", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        (" 1", None),
        ("", None),
        (None, None),
        (True, None),
        (5, 5),
    ],
)
def test_as_id_reads_only_ascii_ids_that_fit_a_database_column(value, expected):
    from core.parsing import as_id

    assert as_id(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("false", False),
        ("False", False),
        ("0", False),
        ("", False),
        ("on", True),
        ("true", True),
        ("1", True),
        (None, False),
    ],
)
def test_as_bool_reads_a_forms_boolean(value, expected):
    from core.parsing import as_bool

    assert as_bool(value) is expected
