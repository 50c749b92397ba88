"""A member records a contact with the people of their sector on a phone (375 px), from their page, in one form."""

import pytest
from django.conf import settings

from groups.models import ConstituentContact
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_records_a_contact_on_a_phone(world, live_server, phone_page, screenshot):
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    world.group.contact_points.add(point)
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/me/")
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.click("text=记录联系群众")
    page.wait_for_selector("#id_contacted_on")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "contact-form-phone")
    page.select_option("#id_contact_point", str(point.pk))
    page.select_option("#id_whom_kind", "household")
    page.select_option("#id_topic", "livelihood")
    page.fill("#id_whom", "独居老人户")
    page.fill("#id_raised", "楼道灯坏了半个月")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("text=联系群众记录已保存")
    assert "独居老人户" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "contact-list-phone")
    assert ConstituentContact.objects.get().member == world.member_record
