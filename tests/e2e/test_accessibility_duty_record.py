"""Accessibility of the member's duty record with every category open (axe-core and the tap-target checks of
``test_accessibility.py``), on a year with every kind of line; in a module of its own, since it builds its own
data (``tests.assessments.test_secretariat_rules``) where the page walk shares one world per module."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.views import TEXT_SIZE_COOKIE
from tests.assessments.test_secretariat_rules import rules, year  # noqa: F401  (a duty record with every kind of line)
from tests.conftest import ARTIFACTS
from tests.e2e.test_accessibility import CHECKS, RUN_AXE, open_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_duty_record_with_every_category_open_passes_axe_at_375_and_1366_px(world, live_server, browser, year):  # noqa: F811
    """The member's duty record with lines in every state (scored, capped, not scored), a minimum missed and a
    grade below its band, each category opened: axe and the tap-target checks at both widths, also in larger text."""
    failures = []
    for width, larger in ((375, False), (375, True), (1366, False)):
        cookies = [{"name": TEXT_SIZE_COOKIE, "value": "large", "path": "/"}] if larger else []
        page = open_as(browser, world.member, width, live_server.url, cookies)
        url = live_server.url + reverse("assessments:my_record") + "?year=2026&quarter=2"
        assert page.goto(url).status == 200
        for summary in page.locator("details.duty-group > summary").all():
            summary.click()
        found = page.evaluate(RUN_AXE) + page.evaluate(CHECKS)
        failures += [f"{width}px{' larger text' if larger else ''}: {problem}" for problem in found]
        page.screenshot(
            path=str(ARTIFACTS / f"duty-record-open-{width}{'-large' if larger else ''}.png"), full_page=True
        )
        page.context.close()
    assert not failures, "\n".join(failures)
