"""First journeys in a real browser: a member on a phone, staff in the admin."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", members=60, districts=1, force=True, verbosity=0)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")


def test_a_member_logs_in_on_a_phone_and_lands_on_their_page(demo, live_server, phone_page, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/")
    assert "登录" in page.content()
    screenshot(page, "foundation-login-phone")
    _log_in(page, live_server, "member")
    page.wait_for_url("**/me/")
    assert page.locator("h1").inner_text().endswith("委员，您好")
    assert page.locator(".card-header", has_text="我的活动组").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    screenshot(page, "foundation-member-phone")


def test_staff_log_in_and_open_the_member_list_in_the_admin(demo, live_server, page, screenshot):
    _log_in(page, live_server, "staff")
    page.wait_for_url("**/workbench/")  # the workbench, which links to the admin
    page.get_by_test_id("admin-link").click()
    page.wait_for_url("**/admin/")
    screenshot(page, "foundation-admin-index")
    page.get_by_role("link", name="委员", exact=True).first.click()
    page.wait_for_url("**/admin/groups/member/")
    assert page.locator("#result_list tbody tr").count() > 0
    assert "临江市" in page.content()
    screenshot(page, "foundation-admin-members")
