"""Browser journey: a member's reminder arrives after the beat task runs; they read it on their phone."""

from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def activity_tomorrow(world):
    """The member's group visits a community tomorrow at 9:00; the member is invited."""
    from activities.models import Activity, Attendance
    from tests.groups.factories import ActivityFactory

    day = timezone.localdate() + timedelta(days=1)
    activity = ActivityFactory(
        group=world.group,
        title="东湖社区集中走访",
        place="东湖街道社区服务中心",
        starts_at=timezone.make_aware(datetime.combine(day, time(9))),
        state=Activity.State.ANNOUNCED,
    )
    Attendance.objects.create(activity=activity, member=world.member_record)
    return activity


def test_a_member_reads_tomorrows_activity_reminder_on_a_phone(
    world, activity_tomorrow, live_server, phone_page, screenshot
):
    from notifications.tasks import run_rule

    with mock.patch("cppcc_portal.celery.app.send_task"):
        run_rule("activity_tomorrow")  # what beat runs each evening (the real rule of the activities app)
    page = phone_page
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    badge = page.get_by_test_id("unread-badge")
    assert badge.is_visible() and "1" in badge.inner_text()

    page.get_by_test_id("inbox-link").click()
    page.wait_for_url("**/notifications/")
    item = page.get_by_role("link", name="明天的活动：东湖社区集中走访")
    assert item.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out on a phone
    screenshot(page, "inbox-phone")

    item.click()
    page.wait_for_url(f"**/activities/{activity_tomorrow.pk}/")
    assert page.get_by_text("东湖社区集中走访").first.is_visible()
    screenshot(page, "reminder-activity-phone")
    assert page.get_by_test_id("unread-badge").count() == 0
    assert Notification.objects.get().read_at is not None

    page.get_by_test_id("inbox-link").click()
    assert page.get_by_test_id("new-badge").count() == 0
    screenshot(page, "inbox-phone-read")


def test_a_member_chooses_channels_and_gets_a_calendar_link_on_a_phone(world, live_server, phone_page, screenshot):
    from notifications.models import NotificationSettings

    page = phone_page
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", world.member.username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("notifications:preferences"))
    world.member.email, world.member.phone = "member@example.org", "13800000000"
    world.member.save(update_fields=["email", "phone"])
    page.goto(live_server.url + reverse("notifications:preferences"))
    assert page.locator("input[type=checkbox]:checked").count() == 0  # opt-in: nothing is ticked for them
    assert page.locator(f"input[name=kind_{Kind.REASSIGNMENT_WAITING.value}]").count() == 0  # staff-only kind
    page.check(f"input[name=kind_{Kind.ACTIVITY_TOMORROW.value}][value=sms]")
    page.check(f"input[name=kind_{Kind.ACTIVITY_TOMORROW.value}][value=email]")
    page.fill("#id_quiet_start", "22:00")
    page.fill("#id_quiet_end", "07:30")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="生成链接").click()
    feed = page.get_by_label("日历链接").input_value()
    assert feed.startswith(settings.PORTAL_BASE_URL + "/") and feed.endswith(".ics")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "notification-settings-phone")
    prefs = NotificationSettings.objects.get(user=world.member)
    assert prefs.channels[Kind.ACTIVITY_TOMORROW] == ["email", "sms"]
    assert (prefs.quiet_start.isoformat(), prefs.quiet_end.isoformat()) == ("22:00:00", "07:30:00")
    assert prefs.calendar_token in feed
