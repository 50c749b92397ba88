"""The secretariat's workbench in a real browser (issue 18): staff at 1366 px reach every tool in one click from it
and come back; a leader on a phone sees the year's headline figures and opens the rows behind one."""

import re

import pytest
from django.core.management import call_command

from cppcc_portal.workbench.todos import TODOS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", members=60, districts=1, force=True, verbosity=0)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")


def test_staff_reach_every_tool_from_the_workbench_and_come_back(demo, live_server, browser, screenshot):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server, "staff")
    page.wait_for_url("**/workbench/")
    assert page.locator("h1").inner_text() == "机关工作台"
    assert page.get_by_test_id("todos").locator("a").count() == len(TODOS)
    screenshot(page, "workbench-staff-1366")

    links = page.locator("[data-testid=tools] a, [data-testid=todos] a")
    targets = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert len(targets) >= 30
    for label, href in targets:
        if href.endswith(".xlsx") or "export" in href or "xlsx" in href:
            response = page.request.get(f"{live_server.url}{href}")  # a download: it opens no page
            assert response.status == 200 and "spreadsheetml" in response.headers["content-type"], href
            continue
        page.locator("[data-testid=tools], [data-testid=todos]").locator(f'a[href="{href}"]').first.click()  # one click
        page.wait_for_load_state()
        assert page.url != f"{live_server.url}/workbench/", label
        title = page.title()
        assert "服务器错误" not in title and "没有权限" not in title and "找不到" not in title, (label, href, title)
        page.go_back()
        page.wait_for_url("**/workbench/")

    # a count and the rows behind it; the admin's header leads back to the workbench
    card = page.get_by_test_id("todo-uncovered")
    count = int(card.get_by_test_id("count").inner_text())
    card.click()
    page.wait_for_url("**/workbench/todo/uncovered/")
    assert int(page.get_by_test_id("row-count").inner_text()) == count
    screenshot(page, "workbench-todo-1366")
    page.goto(f"{live_server.url}/admin/")
    assert page.get_by_test_id("admin-workbench").is_visible()
    screenshot(page, "workbench-admin-index-1366")
    page.get_by_test_id("admin-portal-tools").get_by_role("link", name="机关工作台").click()
    page.wait_for_url("**/workbench/")

    # the search: pinyin initials of a demo member's name find them
    from groups.models import Member

    member = next(
        m
        for m in Member.objects.exclude(initials="").order_by("pk")
        if Member.objects.filter(initials__startswith=m.initials).count() == 1
    )
    page.fill("#portal-search", member.initials)
    page.get_by_test_id("search-form").get_by_role("button").click()
    page.wait_for_url(re.compile(r".*/workbench/search/\?q=.*"))
    assert member.name in page.get_by_test_id("results-members").inner_text()
    screenshot(page, "workbench-search-1366")
    context.close()


def test_a_leader_sees_the_headline_figures_on_a_phone(demo, live_server, phone_page, screenshot):
    page = phone_page
    _log_in(page, live_server, "leader")
    page.wait_for_url("**/workbench/leader/")
    committees = page.get_by_test_id("headline-committee")
    assert committees.count() >= 2  # the city and its district
    assert "立案率" in committees.first.inner_text() and "三进覆盖率" in committees.first.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    screenshot(page, "workbench-leader-phone")
    figure = committees.first.locator("li", has_text="立案率")
    detail = figure.locator(".small").inner_text()
    filed = int(re.search(r"立案 (\d+) 件", detail).group(1))
    figure.get_by_test_id("figure").click()
    page.wait_for_url("**/proposals/list/**")
    assert f">{filed}<" in page.locator("h1").inner_html()
    screenshot(page, "workbench-leader-rows-phone")
