"""Browser: the error pages fit a phone and tell the user, in Chinese, what to do."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_missing_page_and_an_expired_form_fit_a_phone(world, live_server, phone_page, screenshot):
    page = phone_page
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    home = page.get_by_role("link", name="返回首页")
    assert home.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out on a phone
    screenshot(page, "error-404-phone")

    page.goto(live_server.url + reverse("login"))
    page.context.clear_cookies()  # the form's token no longer matches: as after a long pause or a new session
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    assert page.get_by_role("heading", name="此页面已失效").is_visible()
    assert page.get_by_text("请返回上一页，刷新后重新提交").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "error-csrf-phone")

    page.get_by_test_id("error-retry").click()  # reloads the form with a fresh token; the sign-in now works
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.get_by_test_id("inbox-link").wait_for()  # signed in
