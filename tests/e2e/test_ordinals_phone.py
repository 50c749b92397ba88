"""On a phone, the duty record names the quarter and the plenary session as people write them (第一季度, 十四届…次)."""

import re

import pytest
from django.conf import settings

from assessments.services import ruleset_create_from_preset
from groups.models import PlenarySession
from tests.assessments.test_sources import plenary_year  # noqa: F401  (a plenary and two proposals in Q1 2026)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_duty_record_shows_the_quarter_and_session_in_chinese_numerals_on_a_phone(
    world, plenary_year, live_server, phone_page, screenshot
):  # noqa: F811
    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    # The factory numbers sessions from a sequence, which passes 100 in a full run (shown as digits then).
    PlenarySession.objects.update(number=4)
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/assessments/record/%3Fyear%3D2026%26quarter%3D1")
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-total]")
    for summary in page.locator("details.duty-group > summary").all():  # the lines are folded by category
        summary.click()
    text = page.inner_text("body")
    assert "截至第一季度末" in text and re.search("十四届四次全体会议", text)
    assert page.locator("#id_quarter option:checked").inner_text() == "第一季度"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "duty-record-ordinals-phone")
