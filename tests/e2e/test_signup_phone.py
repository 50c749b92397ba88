"""A member finds an activity of another group open for sign-up on a phone (375 px) and signs up; it is then among
their activities, and the place is counted."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from activities.models import Activity, Attendance
from tests import factories as f
from tests.groups.factories import ActivityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_finds_an_open_activity_and_signs_up_on_a_phone(world, live_server, phone_page, screenshot):
    law = f.ExpertiseFactory(committee=world.district, name="法律")
    starts = timezone.now() + timedelta(days=4)
    activity = ActivityFactory(
        group=world.other_group,
        title="送法进社区·法律咨询",
        kind="service",
        topic=law,
        open_to=Activity.OpenTo.COMMITTEE,
        capacity=10,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        signup_deadline=starts - timedelta(days=1),
        state="announced",
    )
    ActivityFactory(group=world.other_group, title="不开放的内部学习", open_to=Activity.OpenTo.GROUP)
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/me/activities/")
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.click("[data-testid=open-activities-link]")
    page.wait_for_selector("[data-testid=open-activity]")
    body = page.inner_text("body")
    assert "送法进社区·法律咨询" in body and "不开放的内部学习" not in body
    assert "0/10" in body and "主题" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "open-activities-phone")
    page.click("[data-testid=open-activity] button[data-action=sign_up]")
    page.wait_for_selector("text=报名成功")
    assert "已报名" in page.inner_text("body") and "1/10" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "open-activities-signed-up-phone")
    row = Attendance.objects.get(activity=activity, member=world.member_record)
    assert row.signed_up_at is not None
    page.goto(f"{live_server.url}/activities/{activity.pk}/")
    page.wait_for_selector("[data-testid=sign-up-card]")
    assert "取消报名" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "open-activity-detail-phone")
