"""On a phone: the annual assessment's counts per grade and below the minimums, the ranking a page at a time with
the committee-wide rank, a search by name, and the groups' funding on its own tab, all within 375 px."""

import re

import pytest
from django.conf import settings

from tests.assessments.test_ranking import ranked  # noqa: F401  (64 more members ranked, rolled up to Q2)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_annual_ranking_is_counted_paged_and_searched_on_a_phone(
    world,
    ranked,  # noqa: F811
    live_server,
    phone_page,
    screenshot,
):
    page = phone_page
    url = f"/assessments/annual/?committee={world.district.pk}&year=2026"
    page.goto(f"{live_server.url}/accounts/login/?next={url.replace('&', '%26')}")
    page.fill("#id_username", world.district_staff.username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-members]")
    assert page.locator("[data-members] tr[data-row]").count() == 50
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "annual-ranking-phone")
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"after=50"))
    ranks = [int(r) for r in page.locator("[data-members] tr[data-row] td:first-child").all_inner_texts()]
    assert len(ranks) == ranked.members - 50 and ranks == sorted(ranks) and ranks[0] > 1
    page.click("[data-counts] a[href*='below=1']")
    page.wait_for_url(re.compile(r"below=1"))
    assert page.locator("[data-total]").get_attribute("data-total") == str(ranked.members_below)
    assert page.locator("[data-members] tr[data-row]").count() == min(ranked.members_below, 50)
    page.fill("input[name=q]", "委员01")
    page.click("form[role=search] button")
    page.wait_for_url(re.compile(r"q="))
    names = page.locator("[data-members] tr[data-row] td:nth-child(2)").all_inner_texts()
    assert names and all("委员01" in name for name in names)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "annual-ranking-search-phone")
    page.click("a[data-tab=groups]")
    page.wait_for_selector("[data-groups]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "annual-groups-phone")
