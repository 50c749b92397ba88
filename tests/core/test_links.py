"""Absolute links are built on PORTAL_BASE_URL (``core.links.absolute_url``), never on the request's host."""

import ast
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from activities.models import Attendance
from consultations.models import Attendance as SessionAttendance
from core.links import absolute_url
from notifications import delivery, services
from notifications.models import NotificationSettings
from tests.conftest import ROOT, project_packages
from tests.consultations.factories import SessionFactory
from tests.groups.factories import ActivityFactory

BASE = "https://lianghui.example.gov.cn"
APPS = tuple(project_packages())


def test_absolute_url_puts_the_portal_address_before_a_path_and_leaves_full_links_alone(settings):
    settings.PORTAL_BASE_URL = BASE + "/"
    assert absolute_url("/me/") == BASE + "/me/"
    assert absolute_url("me/") == BASE + "/me/"
    assert absolute_url("https://other.example/x") == "https://other.example/x"
    assert absolute_url("") == ""


@pytest.mark.django_db
def test_calendar_feed_events_link_to_the_portal_address_not_the_requests_host(world, client, settings):
    settings.PORTAL_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["10.0.0.7"]  # an internal name, as behind the proxy
    starts = timezone.now() + timedelta(days=2)
    activity = ActivityFactory(group=world.group, title="东湖社区集中走访", starts_at=starts)
    Attendance.objects.create(activity=activity, member=world.member_record)
    session = SessionFactory(committee=world.district, title="请你来协商·老旧小区改造", starts_at=starts)
    SessionAttendance.objects.create(session=session, member=world.member_record)
    services.calendar_token_regenerate(actor=world.member)
    token = NotificationSettings.objects.get(user=world.member).calendar_token

    body = client.get(reverse("notifications:calendar", args=[token]), HTTP_HOST="10.0.0.7").content.decode()
    urls = re.findall(r"^URL[^:]*:(.*)$", body.replace("\r\n ", ""), flags=re.M)
    assert len(urls) == 2 and all(u.strip().startswith(BASE + "/") for u in urls), urls
    assert "10.0.0.7" not in body and "testserver" not in body


@pytest.mark.django_db
def test_the_calendar_link_on_the_settings_page_and_the_emails_use_the_portal_address(world, client_for, settings):
    settings.PORTAL_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["10.0.0.7"]
    services.calendar_token_regenerate(actor=world.member)
    token = NotificationSettings.objects.get(user=world.member).calendar_token
    page = client_for(world.member).get(reverse("notifications:preferences"), HTTP_HOST="10.0.0.7").content.decode()
    assert f'value="{BASE}{reverse("notifications:calendar", args=[token])}"' in page

    world.member.email = "member@example.com"
    world.member.save()
    services.preferences_update(actor=world.member, channels={"activity_tomorrow": ["email"]})  # e-mail is opt-in
    from notifications.services import notify

    notify(
        kind="activity_tomorrow",
        recipient=world.member,
        obj=world.group,
        due=timezone.localdate(),
        title="明天的活动",
        body="",
        url="/me/",
    )
    delivery.deliver_batch()
    assert f"{BASE}/me/" in mail.outbox[0].body


def _calls(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "build_absolute_uri":
            yield node.lineno, "build_absolute_uri"
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"https?://(127\.0\.0\.1|localhost|testserver)", node.value)
        ):
            yield node.lineno, node.value


def test_no_code_builds_an_absolute_link_from_the_request_or_a_hard_coded_host():
    allowed = {ROOT / "cppcc_portal" / "settings.py"}  # the development default of PORTAL_BASE_URL
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path not in allowed and "migrations" not in path.parts
        for line, what in _calls(path)
    ]
    assert not found, "build absolute links with core.links.absolute_url:\n" + "\n".join(found)
