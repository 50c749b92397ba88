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
