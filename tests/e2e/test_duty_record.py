"""A member opens their duty record on a phone."""
import pytest
from django.conf import settings

from tests.assessments.test_api import record_events  # noqa: F401  (the same member and events)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_reads_their_duty_record_on_a_phone(world, record_events, live_server, phone_page,  # noqa: F811
                                                    screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/assessments/record/%3Fyear%3D2026")
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-total]")
    assert page.inner_text("[data-total]") == "57.00"
    assert "关于老旧小区加装电梯的建议" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page must not scroll sideways on a phone"
    page.select_option("#id_quarter", "1")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_url(lambda url: "quarter=1" in url)
    assert "关于老旧小区加装电梯的建议" not in page.content() and "九届四次会议" in page.content()
    screenshot(page, "duty-record-phone")
