"""A refused form on the session and outcome pages comes back with what was typed (not a redirect)."""

import re

import pytest
from django.urls import reverse

from consultations.models import Outcome, StageRecord
from tests.consultations.factories import SessionFactory, handed_outcome

pytestmark = pytest.mark.django_db


def _form(page: str, marker: str) -> str:
    return next(f for f in re.findall(r"<form\b.*?</form>", page, re.S) if marker in f)


def test_a_refused_record_of_what_was_said_comes_back_with_the_text_and_opened(world, client_for):
    session = SessionFactory(committee=world.district, group=world.group)
    said = "王阿姨：小区晚上停车难，希望利用北侧空地增设临时停车位，并安排专人管理"
    url = reverse("consultations:session_action", args=[session.pk, "stage"])
    response = client_for(world.convener).post(
        url, {"s-stage": "no-such-stage", "s-speaker": "王阿姨", "s-content": said}
    )
    assert response.status_code == 200
    page = response.content.decode()
    form = _form(page, f'action="{url}"')
    assert said in form and "invalid-feedback" in form
    assert re.search(r'<details class="mb-3" open id="add-record">', page)
    assert not StageRecord.objects.exists()


def test_a_refused_unit_reply_marks_only_the_reply_box(world, client_for):
    outcome = handed_outcome(world.unit, state=Outcome.State.HANDLING)
    response = client_for(world.unit_user).post(
        reverse("consultations:outcome_action", args=[outcome.pk, "reply"]), {"text": "   "}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "invalid-feedback" in _form(page, 'id="reply-form"')
    progress = reverse("consultations:outcome_action", args=[outcome.pk, "progress"])
    assert "invalid-feedback" not in _form(page, f'action="{progress}"')
    assert Outcome.objects.get(pk=outcome.pk).state == Outcome.State.HANDLING
