"""Defences every page and API call has, proved once here (docs/security.md lists them)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def test_a_form_post_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    response = client.post(reverse("proposals:create"), {"kind": "member", "title": "x", "suggestions": "y"})
    assert response.status_code == 403
    assert not world.member_record.proposals.exists()


def test_an_api_write_with_the_session_cookie_needs_the_csrf_token_but_a_token_call_does_not(world):
    from core.services import api_token_issue

    proposal = ProposalFactory(committee=world.city, lead_proposer=world.member_record)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    assert browser.post(reverse("api:proposal-submit", args=[proposal.pk])).status_code == 403
    _token, key = api_token_issue(user=world.member, actor=world.member)
    script = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    assert script.post(reverse("api:proposal-submit", args=[proposal.pk])).status_code != 403


def test_text_users_typed_is_escaped_on_the_page(world, client_for):
    proposal = ProposalFactory(
        committee=world.city,
        lead_proposer=world.member_record,
        title="<script>alert(1)</script>",
        suggestions='<img src=x onerror="alert(2)">',
    )
    html = client_for(world.member).get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
