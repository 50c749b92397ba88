"""A platform's initiator keeps its six haves on a phone (375 px): the page says what is missing, a photo of the
venue is uploaded from the form, and the page then shows the venue met with the photo behind it; the page passes
axe at 375 px."""

import pytest
from django.utils import timezone

from groups.models import PlatformDocument
from groups.services import platforms as svc
from tests import factories as f
from tests.e2e.test_accessibility import audit, open_as
from tests.groups.factories import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_initiator_keeps_the_six_haves_on_a_phone(world, live_server, browser, tmp_path, screenshot):
    platform = f.PlatformFactory(committee=world.district, name="东湖街道委员工作室")
    svc.platform_member_add(
        actor=world.district_staff,
        platform_id=platform.pk,
        member_id=world.convener_member.pk,
        role="initiator",
        joined_on=timezone.localdate(),
    )
    page = open_as(browser, world.convener, 375, live_server.url)
    url = f"{live_server.url}/platforms/{platform.pk}/"
    assert audit(page, url, checks=True) == []
    assert page.get_attribute("[data-have=venue]", "data-met") == "0"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "platform-phone")
    page.click("text=上传佐证材料")
    page.select_option("#id_kind", "venue_photo")
    photo = tmp_path / "场地.png"
    photo.write_bytes(png_bytes())
    page.set_input_files("#id_file", str(photo))
    page.fill("#id_caption", "委员工作室活动室")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("form.card button[type=submit]")
    page.wait_for_selector("text=文件已存入平台档案")
    assert page.get_attribute("[data-have=venue]", "data-met") == "1"
    assert "委员工作室活动室" in page.inner_text("[data-have=venue]")
    assert PlatformDocument.objects.get().uploaded_by == world.convener


def test_a_member_finds_their_platforms_and_a_wound_up_one_says_so_on_a_phone(world, live_server, browser, screenshot):
    """My page → my platforms (the role, the year's plan, what is coming up) → the platform's page; staff wind up
    another platform behind the confirmation step and its page then says so."""
    from datetime import timedelta

    from activities.models import Activity
    from groups.models import Platform
    from tests.groups.factories import ActivityFactory
    from tests.groups.test_platforms import _established, _platform

    studio = _established(world)
    svc.platform_plan_save(
        actor=world.convener,
        platform_id=studio.pk,
        year=timezone.localdate().year,
        content="每月一次委员接待日；每季度一次界别群众座谈。",
        planned_activities=12,
    )
    starts = timezone.now() + timedelta(days=3)
    upcoming = ActivityFactory(
        group=None,
        platform=studio,
        committee=world.district,
        state=Activity.State.ANNOUNCED,
        title="委员接待日·听民意",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    upcoming.attendances.create(member=world.member_record)
    station = _established(world, _platform(world, name="东湖社区协商工作站"))
    base = live_server.url

    page = open_as(browser, world.member, 375, base)
    page.goto(f"{base}/me/")
    page.click("[data-testid=my-platforms-link]")
    page.wait_for_selector("[data-testid=my-platform]")
    assert page.locator("[data-testid=my-platform]").count() == 2
    card = page.locator(f"[data-platform='{studio.pk}']")
    assert "委员接待日·听民意" in card.inner_text() and "每月一次委员接待日" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert audit(page, page.url, checks=True) == []
    screenshot(page, "my-platforms-phone")
    card.locator("h2 a").click()
    page.wait_for_selector("#plan-h")
    assert "每月一次委员接待日" in page.inner_text("body") and "委员接待日·听民意" in page.inner_text("body")

    staff = open_as(browser, world.district_staff, 375, base)
    staff.goto(f"{base}/platforms/{station.pk}/wind-up/")
    staff.fill("#id_reason", "与街道协商工作站合并")
    staff.click("details[data-confirm=wind_up] summary")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(staff, "platform-wind-up-confirm-phone")
    staff.click("[data-action=wind_up]")
    staff.wait_for_selector("[data-testid=wound-up]")
    assert Platform.objects.get(pk=station.pk).state == Platform.State.WOUND_UP

    page.goto(f"{base}/platforms/{station.pk}/")
    assert "不再接受新的活动" in page.inner_text("[data-testid=wound-up]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "platform-wound-up-phone")
    page.goto(f"{base}/platforms/mine/")
    assert "已于" in page.inner_text(f"[data-platform='{station.pk}'] [data-wound-up]")
