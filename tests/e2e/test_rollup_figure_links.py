"""Browser: the roll-up's counts are drill-down links, on the admin's progress page (also once the script fills them
in) and in the dashboard's trend table; at 1366 px for staff and leaders."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from assessments import progress
from assessments.services import rollup_execute, rollup_start
from tests.test_figures_drilldown import duties, rolled_up

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_rollup_counts_link_to_their_rows_in_the_admin_and_on_the_dashboard(world, live_server, page, screenshot):
    duties(world.district)
    rolled_up(world)
    done = rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=1, actor=None).pk)
    log_in(page, live_server, "dstaff")

    page.goto(live_server.url + reverse("admin:assessments_rolluprun_progress", args=[done.pk]))
    links = page.locator("[data-result] a[data-figure]")
    assert links.count() == 8 and page.locator("td[data-not-a-count]").count() == 1  # the points: no list
    screenshot(page, "rollup-figures-01-admin-done")
    page.locator("[data-figure-name=proposals]").click()
    page.wait_for_url("**/assessments/dashboard/events/**")
    assert page.locator("[data-total]").get_attribute("data-total") == "2" and page.locator("[data-row]").count() == 2
    screenshot(page, "rollup-figures-02-events-behind")

    # while a run goes on, the script fills the figures in from the status it polls: links too
    queued = rollup_start(committee=world.district, year=2026, quarter=3, actor=None)
    finished = json.dumps(progress.status(done))
    page.route(
        "**" + reverse("assessments:rollup_status", args=[queued.pk]),
        lambda route: route.fulfill(status=200, content_type="application/json", body=finished),
    )
    page.goto(live_server.url + reverse("admin:assessments_rolluprun_progress", args=[queued.pk]))
    page.wait_for_selector("[data-rollup-progress][data-status=done]")
    scripted = page.locator("[data-result] a[data-figure]")
    assert scripted.count() == 8
    assert [scripted.nth(i).get_attribute("href") for i in range(8)] == [
        links_href for links_href in (f["href"] for f in progress.status(done)["figures"]) if links_href
    ]

    log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}{reverse('assessments:dashboard')}?committee={world.district.pk}&year=2026")
    trend = page.locator("[data-testid=trend-events] a[data-figure]")
    assert trend.count() == 8
    page.locator("[data-testid=trend-events]").scroll_into_view_if_needed()
    screenshot(page, "rollup-figures-03-dashboard-trend")
