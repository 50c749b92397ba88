"""The confirmation step on a phone with JavaScript off: nothing irreversible happens on the first tap; the
warning and the real button open, and only that button acts. Then undo: the member takes back a leave request."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Activity, Attendance, Evidence
from activities.services import activities as svc
from tests.groups.factories import ActivityFactory, photo_upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


def _phone_without_js(browser, base, username):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_removing_a_photo_needs_the_second_tap_even_without_javascript(
    world, live_server, browser, screenshot, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    activity = ActivityFactory(group=world.group, state=Activity.State.HELD)
    svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())
    page = _phone_without_js(browser, live_server.url, "convener")
    page.goto(f"{live_server.url}/activities/{activity.pk}/#evidence")
    step = page.locator("details[data-confirm=evidence_delete]")
    summary = step.locator("summary")
    assert summary.bounding_box()["height"] >= 44  # a tap target
    # JavaScript off: Playwright cannot wait for "stable" (no animation frames), so a tap forced while the page still
    # moves (its photo's thumbnail laid out late on a loaded machine) can land beside the summary: tap again then.
    for _ in range(5):
        summary.click(force=True)
        if step.get_attribute("open") is not None:
            break
        page.wait_for_timeout(300)
    expect(step).to_have_attribute("open", "")  # the step is open (its text is in the page either way)
    expect(step).to_contain_text("确定要删除吗？")
    expect(step).to_contain_text("此操作不可撤销")
    screenshot(page, "confirm-evidence-no-js")
    assert Evidence.objects.filter(activity=activity).count() == 1  # opening the step sent nothing
    step.locator("button[data-action=evidence_delete]").click(force=True)
    expect(page.locator(".alert-success")).to_contain_text("文件已删除")  # waits for the answer to the POST
    assert not Evidence.objects.filter(activity=activity).exists()


def test_a_member_takes_back_a_leave_request_on_a_phone(world, live_server, browser):
    activity = ActivityFactory(
        group=world.group, state=Activity.State.ANNOUNCED, starts_at=timezone.now() + timedelta(days=2)
    )
    Attendance.objects.create(activity=activity, member=world.member_record)
    svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    page = _phone_without_js(browser, live_server.url, world.member.username)
    page.goto(f"{live_server.url}/activities/{activity.pk}/")
    page.get_by_role("button", name="撤回请假").click(force=True)
    page.wait_for_load_state()
    assert Attendance.objects.get(activity=activity, member=world.member_record).leave == ""
    expect(page.locator("input[name=reason]")).to_be_visible()  # may ask again
