"""Browser, 375 px: the convener records a whole group present in one tap (with one exception) and opens the
paper sign-in sheet; the assigned unit's proposal page puts the contact form and the proposer's phone first."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from activities.models import Attendance
from tests import factories as f
from tests.groups.factories import ActivityFactory, AttendanceFactory
from tests.proposals.conftest import Walker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_convener_marks_the_whole_group_present_in_one_tap_but_one_absent(world, live_server, phone_page, screenshot):
    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=30))
    members = [world.member_record] + [f.MembershipFactory(group=world.group).member for _ in range(4)]
    for m in [world.convener_member, *members]:
        AttendanceFactory(activity=a, member=m)
    base, page = live_server.url, phone_page
    _log_in(page, base, "convener")
    page.goto(f"{base}/activities/{a.pk}/#attendance")
    absent = members[2]
    page.click(f"label[for=s{absent.pk}absent]")
    button = page.get_by_role("button", name="全部出席")
    button.scroll_into_view_if_needed()
    screenshot(page, "phone-tools-01-attendance-form")
    _no_sideways_scroll(page)
    button.click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").first.is_visible()
    statuses = dict(a.attendances.values_list("member_id", "status"))
    assert statuses.pop(absent.pk) == Attendance.Status.ABSENT
    assert statuses.pop(world.convener_member.pk) == Attendance.Status.INVITED  # a deputy records the convener
    assert set(statuses.values()) == {Attendance.Status.PRESENT}
    screenshot(page, "phone-tools-02-attendance-saved")

    page.get_by_role("link", name="打印签到表").click()
    page.wait_for_load_state()
    assert page.locator("td.sheet-signature").count() == len(members) + 1
    screenshot(page, "phone-tools-03-sign-in-sheet")
    _no_sideways_scroll(page)
    page.emulate_media(media="print")
    assert not page.locator(".portal-navbar").is_visible() and not page.locator("footer").is_visible()
    assert page.locator("table.sign-in-sheet").is_visible()
    screenshot(page, "phone-tools-04-sign-in-sheet-print")


def test_the_assigned_unit_sees_the_contact_form_and_the_proposers_phone_first(
    world, live_server, phone_page, screenshot
):
    p = Walker(world).assigned()
    base, page = live_server.url, phone_page
    _log_in(page, base, "unit")
    page.goto(f"{base}/proposals/{p.pk}/")
    phone = page.locator("[data-testid=proposer-phone] a")
    assert phone.inner_text() == p.lead_proposer.phone
    contact_box = page.locator("#contact").bounding_box()
    reply_button = page.get_by_role("button", name="提交答复").bounding_box()
    assert contact_box["y"] < reply_button["y"]
    assert page.locator("#contact [name=with_whom]").is_visible()
    screenshot(page, "phone-tools-05-unit-proposal")
    _no_sideways_scroll(page)
