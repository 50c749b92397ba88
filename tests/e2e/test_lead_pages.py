"""The lead pages: a convener on a phone (375 px) adds an item to a lead and closes it through the confirmation
step; staff on a desktop (1366 px) read the lead and the pooled themes with the theme page behind a count."""

import pytest
from django.conf import settings
from django.utils import timezone

from activities.models import Lead
from activities.services import leads as svc
from activities.services import mailbox as mailbox_svc
from groups.models import ConstituentContact
from tests import factories as f
from tests.groups.factories import ActivityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _lead(world):
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    world.group.contact_points.add(point)

    def leave(text, address):
        return mailbox_svc.message_submit(
            target="contact_point",
            target_id=point.pk,
            text=text,
            client_address=address,
            kind="message",
            category="livelihood",
            name="王阿姨",
            phone="13800000000",
        )

    first, second = (
        leave("小区加装电梯进度慢，希望委员帮忙反映", "203.0.113.9"),
        leave("电梯加装又拖了", "203.0.113.10"),
    )
    activity = ActivityFactory(group=world.group, title="东湖社区协商议事会")
    said = svc.suggestion_record(
        activity_id=activity.pk, actor=world.convener, text="增设电梯补贴", category="livelihood"
    )
    ConstituentContact.objects.create(
        committee=world.district,
        member=world.member_record,
        contacted_on=timezone.localdate(),
        contact_point=point,
        whom_kind="household",
        whom="一户居民",
        topic="livelihood",
        raised="老旧小区电梯加装难，意见不统一",
        recorded_by=world.member,
    )
    lead = svc.lead_create(
        actor=world.convener,
        title="老旧小区加装电梯",
        category="livelihood",
        group_id=world.group.pk,
        message_ids=[first.pk],
        suggestion_ids=[said.pk],
    )
    return lead, second


def _login(page, live_server, username, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_a_convener_adds_an_item_and_closes_a_lead_on_a_phone(world, live_server, phone_page, screenshot):
    lead, second = _lead(world)
    page = phone_page
    _login(page, live_server, "convener", f"/leads/{lead.pk}/")
    page.wait_for_selector("[data-testid=lead-items]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "lead-detail-phone")
    page.click("[data-testid=lead-add-items]")
    page.wait_for_selector("[data-testid=lead-items-form]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "lead-items-phone")
    page.check(f"#m{second.pk}")
    page.click("[data-testid=lead-items-form] button[type=submit]")
    page.wait_for_selector("text=已将所选条目加入线索")
    assert Lead.objects.get().messages.count() == 2
    page.fill("[data-testid=lead-close] #id_reason", "已由街道统一协调解决")
    page.click("[data-testid=lead-close] summary")
    assert Lead.objects.get().state == Lead.State.OPEN  # nothing sent before the second tap
    screenshot(page, "lead-close-confirm-phone")
    page.click("[data-testid=lead-close] [data-action=lead_close]")
    page.wait_for_selector("text=线索已关闭")
    assert Lead.objects.get().close_reason == "已由街道统一协调解决"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_staff_read_the_lead_and_the_pooled_themes_on_a_desktop(world, live_server, browser, screenshot):
    lead, _second = _lead(world)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server, "staff", f"/leads/{lead.pk}/")
    page.wait_for_selector("[data-testid=lead-items]")
    screenshot(page, "lead-detail-desktop")
    page.goto(f"{live_server.url}/leads/")
    screenshot(page, "lead-list-desktop")
    page.goto(f"{live_server.url}/messages/themes/")
    page.wait_for_selector("[data-testid=heard-categories]")
    screenshot(page, "themes-desktop")
    page.click("[data-testid=heard-categories] a[data-figure]")
    page.wait_for_selector("[data-testid=theme-total]")
    assert page.locator("[data-row]").count() == int(page.get_attribute("[data-testid=theme-total]", "data-total"))
    screenshot(page, "theme-rows-desktop")
    context.close()
