"""Bringing members in, end to end: staff download the member template, fill it in and import it, create the new
member's login and print the first-login link; the member opens the link on a phone, chooses a password and logs in."""

import openpyxl
import pytest
from django.conf import settings

from groups.models import Member, Term
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "east-lake-willow-2027"


def test_a_member_imported_from_the_template_sets_a_password_from_the_first_login_link_and_logs_in(
    world, live_server, browser, phone_page, screenshot, tmp_path
):
    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    staff.goto(f"{live_server.url}/accounts/login/?next=/admin/groups/member/import/")
    staff.fill("#id_username", world.district_staff.username)
    staff.fill("#id_password", settings.DEMO_PASSWORD)
    staff.click("button[type=submit]")
    staff.wait_for_selector("[data-testid=import-template]")
    with staff.expect_download() as download:
        staff.click("[data-testid=import-template]")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    book = openpyxl.load_workbook(template)
    headers = [c.value for c in book.worksheets[0][1]]
    row = dict(zip(headers, [c.value for c in book.worksheets[1][2]], strict=True))
    row.update({"姓名": "陈静", "届次": "9", "界别": "教育界", "手机": "13911112222", "活动组": world.group.name})
    book.worksheets[0].append([row[h] for h in headers])
    filled = tmp_path / "members.xlsx"
    book.save(filled)

    staff.set_input_files("input[name=import_file]", str(filled))
    staff.click("input[type=submit]")
    staff.wait_for_selector("#result_list")
    member = Member.objects.get(name="陈静")
    staff.check(f"input.action-select[value='{member.pk}']")
    staff.select_option("select[name=action]", "create_logins_and_print")
    staff.click("button[name=index]")
    staff.wait_for_selector("[data-testid=first-login-link]")
    screenshot(staff, "first-login-links-printable")
    link = staff.locator("[data-testid=first-login-link]").inner_text().strip()
    username = staff.locator("[data-testid=first-login-username]").inner_text().strip()
    assert username == "13911112222"

    page = phone_page
    page.goto(link.replace(settings.PORTAL_BASE_URL.rstrip("/"), live_server.url))
    page.wait_for_selector("#id_new_password1")
    assert page.locator("h1").inner_text() == "欢迎使用：请设置您的密码"
    assert page.locator("[data-testid=first-login-username]").inner_text() == username
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert "/set-password/" in page.url  # the token left the address bar (Django's session step)
    screenshot(page, "first-login-set-password-phone")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_username")
    assert "密码已设置" in page.content()
    screenshot(page, "first-login-password-set-phone")

    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url
    screenshot(page, "first-login-logged-in-phone")
    member.refresh_from_db()
    assert member.user.last_login is not None and member.user.check_password(PASSWORD)

    page.goto(link.replace(settings.PORTAL_BASE_URL.rstrip("/"), live_server.url))  # used: no second time
    page.wait_for_selector("[data-testid=link-invalid]")
    screenshot(page, "first-login-link-used-phone")
