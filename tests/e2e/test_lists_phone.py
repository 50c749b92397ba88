"""On a phone: the member's past activities and the unit's assignments are filtered, paged lists that fit 375 px,
and the unit's list names the year with each number (2025年第58号 and 2026年第58号 are two proposals)."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from proposals.models import Proposal
from tests.groups.factories import held_activity
from tests.proposals.conftest import Walker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_the_members_past_activities_are_paged_and_filtered_on_a_phone(world, live_server, phone_page, screenshot):
    start = timezone.make_aware(datetime(2025, 11, 20, 9, 0))
    for i in range(60):
        held_activity(world, starts_at=start - timedelta(days=7 * i), title=f"履职学习座谈会（第{i + 1}期）")
    page = phone_page
    _login(page, live_server, "member", "/me/activities/")
    page.wait_for_selector("select[name=year]")
    assert page.locator(".pagination").count() == 1
    assert page.locator(".list-group-item-action").count() == 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "my-activities-past-phone")
    page.select_option("select[name=year]", "2024")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"year=2024"))
    dates = page.locator(".list-group-item-action .small").all_inner_texts()
    assert dates and all(d.startswith("2024-") for d in dates)


def test_the_units_assignments_show_the_year_with_the_number_on_a_phone(world, live_server, phone_page, screenshot):
    walk = Walker(world)
    old, new = walk.assigned(year=2025), walk.assigned(year=2026)
    Proposal.objects.filter(pk__in=[old.pk, new.pk]).update(serial_number=58)
    for _ in range(3):
        walk.assigned(year=2026)
    page = phone_page
    _login(page, live_server, "unit", "/proposals/unit/")
    page.wait_for_selector("select[name=year]")
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "2025年第58号" in text and "2026年第58号" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "unit-assignments-phone")
    page.fill("input[name=q]", "58")
    page.select_option("select[name=year]", "2025")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"q=58"))
    assert page.locator(".list-group-item-action").count() == 1
