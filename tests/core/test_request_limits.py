"""API bodies are capped like Django's own forms (issue 14): a huge JSON body is refused before it is parsed."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _big_json(settings) -> str:
    return json.dumps({"username": "x", "password": "y", "padding": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})


def test_a_json_body_over_the_limit_is_refused_with_413_before_sign_in(client, settings):
    response = client.post(reverse("api:token"), _big_json(settings), content_type="application/json")
    assert response.status_code == 413
    assert "请求内容超过" in response.json()["detail"]


def test_a_json_body_over_the_limit_is_refused_by_a_view_with_its_own_parsers(world, client_for, settings):
    from tests.proposals.factories import ProposalFactory

    proposal = ProposalFactory(committee=world.city)
    response = client_for(world.staff).post(
        reverse("api:proposal-reject", args=[proposal.pk]), _big_json(settings), content_type="application/json"
    )
    assert response.status_code == 413


def test_a_form_body_over_the_limit_is_refused_with_413(client, settings):
    body = "username=x&password=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(reverse("api:token"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_a_json_body_under_the_limit_is_parsed_as_before(client, settings):
    response = client.post(
        reverse("api:token"), {"username": "nobody", "password": "wrong-password-1"}, content_type="application/json"
    )
    assert response.status_code == 400


def _api_views():
    from django.urls import get_resolver
    from rest_framework.views import APIView

    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns)
            else:
                view = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                if view is not None and issubclass(view, APIView):
                    yield view

    return set(walk(get_resolver().url_patterns))


def test_every_api_view_reads_bodies_through_the_capped_parsers():
    from core import parsers

    capped = {parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser}
    views = _api_views()
    assert len(views) > 10
    uncapped = {v.__name__: [p.__name__ for p in v.parser_classes] for v in views if set(v.parser_classes) - capped}
    assert uncapped == {}
