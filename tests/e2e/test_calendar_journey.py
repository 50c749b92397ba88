"""Staff load the State Council's calendar in the admin, on a 1366-px screen, and the unit's window to return a
proposal moves past the National Day holiday on the unit's own page (issue 18, the workbench journey's calendar)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.proposals.conftest import Walker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _page_as(browser, user, live_server, width):
    """A browser page logged in as ``user`` with a session cookie that has no expiry of its own: the server's
    clock is set to September, the browser's is not, so a dated cookie would already have expired."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context.new_page()


def test_loading_the_national_calendar_moves_the_units_return_window(
    world, live_server, browser, time_machine, screenshot
):
    time_machine.move_to(datetime(2026, 9, 25, 10, tzinfo=SHANGHAI), tick=False)
    walk = Walker(world)
    walk.today = date(2026, 9, 25)
    proposal = walk.assigned()
    assert walk.lead(proposal).reassign_until == date(2026, 10, 9)  # weekends only: no calendar loaded yet

    unit = _page_as(browser, world.unit_user, live_server, 375)
    unit.goto(live_server.url + reverse("proposals:unit"))
    expect(unit.locator("main")).to_contain_text("2026-10-09")

    staff = _page_as(browser, world.staff, live_server, 1366)
    staff.goto(live_server.url + reverse("admin:proposals_holiday_changelist"))
    expect(staff.get_by_test_id("calendar-missing")).to_contain_text("2026")  # no national calendar loaded yet
    staff.goto(live_server.url + reverse("admin:proposals_holiday_load_official"))
    staff.select_option("select[name=year]", "2026")
    staff.select_option("select[name=committee]", str(world.district.pk))
    staff.locator("#content form [type=submit]").click()
    expect(staff.locator(".messagelist").first).to_contain_text("已为1个政协组织加载2026年国家节假日安排")
    screenshot(staff, "calendar-loaded-1366")

    unit.reload()
    expect(unit.locator("main")).to_contain_text("2026-10-15")  # 1-7 Oct do not count; Saturday 10 Oct is worked
    screenshot(unit, "calendar-moved-unit-375")
    assert walk.lead(proposal).reassign_until == date(2026, 10, 15)
