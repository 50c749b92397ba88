"""Two staff acting on the same proposal at once, over HTTP: one wins, the other is told, nothing happens twice
(``test_concurrency.py`` races the services themselves).

Each action form carries the state the page showed (``expected_state``); the service compares it with the
row it has locked (``select_for_update``), so a decision taken on a page that is out of date is refused with a
Chinese message instead of being applied to a proposal the user has not seen. The API does the same with 409.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from core.models import AuditEvent
from core.services import api_token_issue
from proposals.models import Assignment, Proposal
from tests.proposals.conftest import Walker
from tests.proposals.factories import ground

STALE = "他人刚刚处理了这件提案"


def _page_state(client, proposal) -> str:
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    states = set(re.findall(r'name="expected_state" value="([a-z_]+)"', html))
    assert len(states) == 1, states  # every action form on the page carries the state it was rendered in
    return states.pop()


def _alerts(response) -> list[tuple[str, str]]:
    """The messages shown on the page, as (level, text), read from the HTML (the test client's captured
    context is shared between threads, the page is not)."""
    return [
        (level, " ".join(text.split()))
        for level, text in re.findall(
            r'<div class="alert alert-(\w+)[^"]*" role="alert">\s*(.*?)\s*<button', response.content.decode(), re.S
        )
    ]


def _messages(response) -> list[str]:
    return [text for _level, text in _alerts(response)]


def _verbs(proposal) -> list[str]:
    return list(
        AuditEvent.objects.filter(content_type__model="proposal", object_id=str(proposal.pk)).values_list(
            "verb", flat=True
        )
    )


def _staff_clients(world):
    a, b = Client(), Client()
    a.force_login(world.staff)
    b.force_login(world.district_staff)
    return a, b


@pytest.mark.django_db
def test_two_staff_file_the_same_proposal_from_their_open_pages(world):
    proposal = Walker(world).submitted()
    a, b = _staff_clients(world)
    seen_a, seen_b = _page_state(a, proposal), _page_state(b, proposal)
    assert seen_a == seen_b == "submitted"

    first = a.post(f"/proposals/{proposal.pk}/act/file/", {"expected_state": seen_a}, follow=True)
    second = b.post(f"/proposals/{proposal.pk}/act/file/", {"expected_state": seen_b}, follow=True)

    assert first.status_code == second.status_code == 200
    assert [level for level, _t in _alerts(first)] == ["success"]
    [told] = _messages(second)
    assert STALE in told and "已立案" in told, told
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.FILED and proposal.serial_number == 1
    assert _verbs(proposal).count("filed") == 1


@pytest.mark.django_db
def test_a_decision_from_an_outdated_page_is_refused_even_where_the_new_state_would_allow_it(world):
    """Staff A starts the review (submitted → under review); staff B, still looking at "submitted", refuses
    to file. Not filing is allowed from "under review" too, so only the expected state can stop it."""
    proposal = Walker(world).submitted()
    a, b = _staff_clients(world)
    seen_b = _page_state(b, proposal)
    a.post(f"/proposals/{proposal.pk}/act/start_review/", {"expected_state": _page_state(a, proposal)})

    response = b.post(
        f"/proposals/{proposal.pk}/act/reject/",
        {"expected_state": seen_b, "reason": "不属于提案范围", "ground": ground(), "outcome": "letter"},
        follow=True,
    )
    [told] = _messages(response)
    assert STALE in told, told
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.UNDER_REVIEW and not proposal.not_filed_reason
    assert "not_filed" not in _verbs(proposal)


@pytest.mark.django_db
def test_two_staff_assign_the_same_proposal_to_different_units(world):
    proposal = Walker(world).filed()
    a, b = _staff_clients(world)
    seen_a, seen_b = _page_state(a, proposal), _page_state(b, proposal)
    a.post(f"/proposals/{proposal.pk}/act/assign/", {"expected_state": seen_a, "lead_unit": world.unit.pk})
    response = b.post(
        f"/proposals/{proposal.pk}/act/assign/",
        {"expected_state": seen_b, "lead_unit": world.other_unit.pk},
        follow=True,
    )
    assert STALE in _messages(response)[0]
    proposal.refresh_from_db()
    assert (proposal.state, proposal.lead_unit_id) == (Proposal.State.ASSIGNED, world.unit.pk)
    assert list(Assignment.objects.filter(proposal=proposal).values_list("unit_id", flat=True)) == [world.unit.pk]
    assert _verbs(proposal).count("assigned") == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_press_file_at_the_same_moment(world):
    """Really at once: two threads, each with its own database connection, released together."""
    proposal = Walker(world).submitted()
    clients = _staff_clients(world)
    barrier, results = threading.Barrier(2), {}

    def press(i: int, client: Client) -> None:
        try:
            barrier.wait(5)
            response = client.post(f"/proposals/{proposal.pk}/act/file/", {"expected_state": "submitted"}, follow=True)
            results[i] = (response.status_code, _alerts(response))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(status for status, _m in results.values()) == [200, 200], results
    tags = sorted(m[0][0] for _s, m in results.values())
    assert tags == ["danger", "success"], results
    [refusal] = [m[0][1] for _s, m in results.values() if m[0][0] == "danger"]
    assert STALE in refusal, refusal
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.FILED and proposal.serial_number == 1
    assert _verbs(proposal).count("filed") == 1


@pytest.mark.django_db
def test_the_api_answers_409_to_the_second_of_two_filings(world, client):
    proposal = Walker(world).submitted()
    url = f"/api/v1/proposals/{proposal.pk}/file/"
    a = {"HTTP_AUTHORIZATION": f"Token {api_token_issue(user=world.staff, actor=world.staff)[1]}"}
    b = {"HTTP_AUTHORIZATION": f"Token {api_token_issue(user=world.district_staff, actor=world.district_staff)[1]}"}

    assert client.post(url, {"expected_state": "submitted"}, content_type="application/json", **a).status_code == 200
    late = client.post(url, {"expected_state": "submitted"}, content_type="application/json", **b)
    assert late.status_code == 409, late.content
    assert STALE in late.json()["detail"]
    # A client that does not send the state it saw still cannot file twice: 400 with the reason.
    blind = client.post(url, {}, content_type="application/json", **b)
    assert blind.status_code == 400 and "立案" in str(blind.json())
    proposal.refresh_from_db()
    assert proposal.serial_number == 1 and _verbs(proposal).count("filed") == 1


@pytest.mark.django_db
def test_the_api_refuses_a_stale_assignment_with_409(world, client):
    proposal = Walker(world).filed()
    url = f"/api/v1/proposals/{proposal.pk}/assign/"
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_issue(user=world.staff, actor=world.staff)[1]}"}
    ok = client.post(
        url, {"lead_unit": world.unit.pk, "expected_state": "filed"}, content_type="application/json", **auth
    )
    assert ok.status_code == 200, ok.content
    late = client.post(
        url, {"lead_unit": world.other_unit.pk, "expected_state": "filed"}, content_type="application/json", **auth
    )
    assert late.status_code == 409 and STALE in late.json()["detail"]
    assert Assignment.objects.filter(proposal=proposal).count() == 1
