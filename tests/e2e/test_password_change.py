"""A unit user changes their password on a phone, from the user menu."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_unit_user_changes_their_password_from_the_user_menu_on_a_phone(world, live_server, phone_page, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", world.unit_user.username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.click(".navbar-toggler")
    page.wait_for_selector("#mainNav.show:not(.collapsing)")
    page.click("[data-testid=user-menu]")
    screenshot(page, "password-change-menu-phone")
    page.click("[data-testid=password-change-link]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "修改密码"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "password-change-phone")
    page.fill("#id_old_password", settings.DEMO_PASSWORD)
    page.fill("#id_new_password1", "lake-side-orchard-2027")
    page.fill("#id_new_password2", "lake-side-orchard-2027")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "密码已修改" in page.content()
    screenshot(page, "password-changed-phone")
    world.unit_user.refresh_from_db()
    assert world.unit_user.check_password("lake-side-orchard-2027")
