"""Browser journey on a phone: a convener records an activity from announcement to the ledger."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Activity, Attendance
from activities.services.activities import sign_in_code
from tests import factories as f
from tests.groups.factories import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"


def _log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_a_convener_records_an_activity_and_a_member_signs_in_on_a_phone(
    world, live_server, phone_page, browser, screenshot, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    point = f.ContactPointFactory(committee=world.district, kind="community", name="东湖社区")
    world.group.contact_points.add(point)
    base, page = live_server.url, phone_page
    start = timezone.now() - timedelta(minutes=10)

    # The convener creates the activity and announces it.
    _log_in(page, base, "convener")
    page.goto(f"{base}/groups/{world.group.pk}/activities/")
    screenshot(page, "activity-01-group-dashboard")
    page.get_by_role("link", name="新建活动").click()
    page.fill("#id_title", "委员进社区·听民意")
    page.select_option("#id_kind", "three_enters")
    page.select_option("#id_target", "community")
    page.select_option("#id_contact_point", str(point.pk))
    page.fill("#id_starts_at", _local(start))
    page.fill("#id_ends_at", _local(start + timedelta(hours=2)))
    page.fill("#id_place", "东湖社区党群服务中心")
    page.fill("#id_summary", "委员们听取居民对加装电梯的意见。")
    screenshot(page, "activity-02-form")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="通知委员").click()
    assert page.locator(".alert-success").first.is_visible()
    screenshot(page, "activity-03-announced")
    activity = Activity.objects.get()
    assert activity.state == "announced" and page.locator("#sign-in-link").count() == 0
    detail = page.url

    # The convener puts the sign-in code on the screen: a QR code that changes every 30 seconds.
    page.clock.install()  # the screen's timer, run forward below
    page.get_by_role("link", name="全屏显示签到二维码").click()
    assert page.get_by_test_id("sign-in-qr").locator("svg").is_visible()
    # No page reload on a timer (WCAG 2.2.1): a script file fetches the next code when this one runs out.
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert page.locator("script").evaluate_all("s => s.map(e => e.getAttribute('src'))") == [
        "/static/js/sign-in-screen.js"
    ]
    screen_url = page.url
    with page.expect_request(lambda r: r.url == screen_url and r.resource_type == "fetch"):
        page.clock.run_for(31_000)
    page.wait_for_function("document.querySelector('[data-testid=sign-in-qr] svg') !== null")
    assert page.url == screen_url  # swapped in place, not reloaded
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(page, "activity-03b-sign-in-screen")

    # The member's own page tells them to scan and carries no sign-in link.
    member_context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    member_page = member_context.new_page()
    _log_in(member_page, base, "member")
    member_page.goto(detail)
    assert member_page.get_by_test_id("sign-in-hint").is_visible()
    assert member_page.locator("a[href*='/sign-in/']").count() == 0
    screenshot(member_page, "activity-04a-member-page")

    # The member scans the code on the screen (the URL in the QR code now) and signs in.
    scanned = base + reverse("activities:sign_in", args=[activity.pk, sign_in_code(activity.pk)])
    member_page.goto(scanned)
    member_page.get_by_role("button", name="立即签到").click()
    member_page.wait_for_load_state()  # the click waits for the answer to start loading, not to be there
    assert "签到成功" in member_page.content()
    screenshot(member_page, "activity-04-member-signed-in")
    assert Attendance.objects.get(member=world.member_record).status == "present"
    # A photo of an old code sent home does not work.
    stale = base + reverse(
        "activities:sign_in", args=[activity.pk, sign_in_code(activity.pk, now=start - timedelta(minutes=5))]
    )
    other_context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    other_page = other_context.new_page()
    _log_in(other_page, base, "convener")
    other_page.goto(stale)
    assert "二维码已过期" in other_page.content() and other_page.get_by_role("button", name="立即签到").is_disabled()
    screenshot(other_page, "activity-04b-expired-code")
    # The convener signs in on site too; their own row is not theirs to record.
    other_page.goto(base + reverse("activities:sign_in", args=[activity.pk, sign_in_code(activity.pk)]))
    other_page.get_by_role("button", name="立即签到").click()
    other_context.close()

    # The convener marks it held, uploads a photo, files it.
    page.goto(detail)
    assert page.get_by_test_id("own-attendance").is_visible()
    page.get_by_role("button", name="保存并标记为已开展").click()
    assert Activity.objects.get().state == "held"
    photo = tmp_path / "现场.png"
    photo.write_bytes(png_bytes(size=(800, 600)))
    page.set_input_files("input[name=file]", str(photo))
    page.get_by_role("button", name="上传").click()
    assert page.locator("#evidence img").count() == 1
    screenshot(page, "activity-05-held-with-photo")
    # filing cannot be undone: the button opens the confirmation step, and only its own button files
    page.locator("details[data-confirm=file] > summary").click()
    confirm = page.locator("details[data-confirm=file] button[data-action=file]")
    expect(confirm).to_be_visible()
    expect(page.locator("details[data-confirm=file]")).to_contain_text("确定要归档入台账吗？")
    expect(page.locator("details[data-confirm=file]")).to_contain_text("此操作不可撤销")
    screenshot(page, "activity-05b-confirm-filing")
    page.get_by_role("button", name="取消").click()  # the cancel button closes it; nothing was sent
    expect(confirm).to_be_hidden()
    assert Activity.objects.get().state == "held"
    page.locator("details[data-confirm=file] > summary").click()
    confirm.click()
    page.wait_for_load_state()
    assert Activity.objects.get().state == "filed"
    screenshot(page, "activity-06-filed")

    # The member sees it among their past activities.
    member_page.goto(f"{base}/me/activities/")
    past = member_page.locator(".list-group").nth(1)
    assert "委员进社区·听民意" in past.inner_text() and "出席" in past.inner_text()
    screenshot(member_page, "activity-07-my-activities")
    member_context.close()


def test_the_plan_editor_ledger_and_coverage_fit_a_phone(world, live_server, phone_page, screenshot):
    from tests.groups.factories import AnnualPlanFactory, PlanItemFactory, held_activity

    point = f.ContactPointFactory(committee=world.district, kind="village", name="柳林村")
    world.group.contact_points.add(point)
    held_activity(
        world,
        kind="three_enters",
        target="village",
        contact_point=point,
        title="委员进农村·促振兴",
        six_item="research_forum",
    )
    plan = AnnualPlanFactory(group=world.group)
    PlanItemFactory(plan=plan, title="春季调研座谈", kind="research").responsible.add(world.member_record)
    base, page = live_server.url, phone_page

    _log_in(page, base, "convener")
    page.goto(f"{base}/groups/{world.group.pk}/plan/{plan.year}/")
    assert "春季调研座谈" in page.content()
    screenshot(page, "activity-08-plan-editor")
    page.goto(f"{base}/groups/{world.group.pk}/activities/")
    screenshot(page, "activity-09-group-dashboard-with-data")
    page.context.clear_cookies()

    _log_in(page, base, "staff")
    page.goto(f"{base}/ledger/")
    assert "委员进农村·促振兴" in page.content()
    screenshot(page, "activity-10-ledger")
    page.goto(f"{base}/coverage/")
    page.get_by_role("link", name=world.district.name, exact=True).click()  # the district's card: its groups
    page.wait_for_url(re.compile(rf"[?&]committee={world.district.pk}(&|$)"))
    assert world.group.name in page.content()
    screenshot(page, "activity-11-coverage")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
