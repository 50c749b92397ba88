"""A member who forgot the password resets it on a phone with a code by SMS, from the login page."""

import pytest

from tests.core.backends import RecordingSmsBackend

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "west-hill-pine-2027"


def test_a_member_resets_the_password_by_sms_code_on_a_phone(world, live_server, phone_page, screenshot, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    RecordingSmsBackend.sent.clear()
    world.member.phone = "13700000001"
    world.member.save()
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("[data-testid=forgot-sms]")
    page.wait_for_selector("#id_phone")
    assert page.locator("h1").inner_text() == "短信验证码找回密码"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "password-reset-sms-phone")
    page.fill("#id_phone", "13700000001")
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_code")
    assert page.locator("#id_phone").input_value() == "13700000001"
    code = RecordingSmsBackend.sent[-1][2]["code"]
    page.fill("#id_code", "000000" if code != "000000" else "111111")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    assert "验证码不正确" in page.content()
    screenshot(page, "password-reset-sms-wrong-code-phone")
    page.fill("#id_code", code)
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_username")
    assert "密码已设置" in page.content()
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url
    world.member.refresh_from_db()
    assert world.member.check_password(PASSWORD)
