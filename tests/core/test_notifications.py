"""Notifications: exactly once per key, only one's own, channels and retries, outbox, rules, calendar."""

import logging
from collections import Counter
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from notifications import calendar, delivery, rules, services
from notifications.models import (
    Channel,
    Delivery,
    Kind,
    Notification,
    NotificationSettings,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

DUE = date(2026, 11, 22)


def _notify(user, obj=None, **overrides):
    kwargs = {
        "kind": Kind.ACTIVITY_TOMORROW,
        "recipient": user,
        "obj": obj,
        "due": DUE,
        "title": "明天的活动：社区走访",
        "body": "11月22日 9:00",
        "url": "/me/",
        "enqueue": False,
    }
    return services.notify(**{**kwargs, **overrides})


@pytest.fixture
def member(world):
    world.member.email = "member@example.org"
    world.member.phone = "13800000000"
    world.member.save()
    # e-mail is opt-in: this member asked for it for the kinds these tests send
    NotificationSettings.objects.create(
        user=world.member, channels={Kind.ACTIVITY_TOMORROW: ["email"], Kind.GENERIC: ["email"]}
    )
    return world.member


# --- exactly once -----------------------------------------------------------------------------------


def test_notifying_twice_with_the_same_key_makes_one_notification_and_one_delivery_per_channel(member, world):
    first, created = _notify(member, world.group)
    again, created_again = _notify(member, world.group, title="changed")
    assert created and not created_again and first.pk == again.pk
    assert Notification.objects.count() == 1
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["email", "in_app"]


def test_a_different_due_date_or_object_is_a_new_reminder(member, world):
    _notify(member, world.group)
    _notify(member, world.group, due=DUE + timedelta(days=1))
    _notify(member, world.other_group)
    assert Notification.objects.count() == 3


def test_the_database_refuses_a_second_delivery_for_the_same_key(member, world):
    from django.db import IntegrityError, transaction

    n, _ = _notify(member, world.group)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(notification=n, channel=Channel.EMAIL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=member, kind=n.kind, subject=n.subject, due=n.due, title="x")


def test_the_in_app_copy_is_sent_at_once_and_email_waits_for_the_sender(member, world):
    n, _ = _notify(member, world.group)
    statuses = dict(n.deliveries.values_list("channel", "status"))
    assert statuses == {"in_app": "sent", "email": "pending"}


def test_the_sender_sends_each_email_once_even_when_run_twice(member, world):
    _notify(member, world.group)
    first = delivery.deliver_batch()
    second = delivery.deliver_batch()
    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["member@example.org"] and "社区走访" in mail.outbox[0].subject
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<notification-")
    assert Delivery.objects.get(channel="email").status == Delivery.Status.SENT


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(member, world, settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 60
    _notify(member, world.group)
    now = timezone.now()
    _token, ids = delivery.claim(limit=10, now=now)
    assert len(ids) == 1
    assert delivery.claim(limit=10, now=now + timedelta(seconds=30))[1] == []
    # the worker holding it died: after the lease another one takes it, and records a second attempt
    assert delivery.claim(limit=10, now=now + timedelta(seconds=61))[1] == ids
    assert Delivery.objects.get(pk=ids[0]).attempts == 2


def test_batches_are_bounded(member, world):
    for i in range(5):
        _notify(member, f.ActivityGroupFactory(committee=world.district, name=f"组{i}"))
    assert len(delivery.deliver_batch(limit=2).claimed) == 2
    assert delivery.todo(timezone.now()).count() == 3


# --- channels and retries ---------------------------------------------------------------------------


def test_a_failed_email_is_retried_with_backoff_and_never_blocks_the_other_channels(member, world, settings):
    settings.EMAIL_BACKEND = "tests.core.backends.FailingEmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "tests.core.backends.RecordingSmsBackend"
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    from tests.core.backends import RecordingSmsBackend

    RecordingSmsBackend.sent.clear()
    n, _ = _notify(member, world.group, channels=["email", "sms"])
    now = timezone.now()
    result = delivery.deliver_batch(now=now)
    assert (result.sent, result.retrying) == (1, 1)  # the SMS went; the e-mail waits for its retry
    email = Delivery.objects.get(notification=n, channel="email")
    assert email.status == Delivery.Status.PENDING and email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    assert email.next_attempt_at >= now + timedelta(seconds=60)
    assert Delivery.objects.get(notification=n, channel="sms").status == Delivery.Status.SENT
    assert RecordingSmsBackend.sent[0][0] == "13800000000"
    assert Notification.objects.for_user(member).unread().count() == 1  # the inbox has it regardless

    assert delivery.deliver_batch(now=now + timedelta(seconds=30)).claimed == []  # not before the backoff
    delivery.deliver_batch(now=now + timedelta(seconds=61))
    email.refresh_from_db()
    assert email.attempts == 2 and email.next_attempt_at >= now + timedelta(seconds=61 + 120)
    delivery.deliver_batch(now=now + timedelta(seconds=61 + 121))
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Delivery.Status.FAILED, 3)


def test_a_recovered_mail_server_gets_the_retry(member, world, settings):
    settings.EMAIL_BACKEND = "tests.core.backends.FailingEmailBackend"
    _notify(member, world.group)
    now = timezone.now()
    delivery.deliver_batch(now=now)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.deliver_batch(now=now + timedelta(hours=1)).sent == 1
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(channel="email").attempts == 2


def _channels(user, kind) -> list[str]:
    """The channels a new notice of ``kind`` to ``user`` goes out on, as ``notify`` writes its deliveries."""
    n, _created = services.notify(
        kind=kind, recipient=user, key=f"channels-{Notification.objects.count()}", title="通知", due=DUE
    )
    return list(n.deliveries.order_by("pk").values_list("channel", flat=True))


def test_email_and_sms_are_opt_in_per_kind(member, world):
    assert _channels(member, Kind.REPLY_OVERDUE) == ["in_app"]
    assert _channels(member, Kind.COSIGN_INVITED) == ["in_app"]
    services.preferences_update(
        actor=member, channels={Kind.COSIGN_INVITED: ["sms"], Kind.ACTIVITY_TOMORROW: ["email", "sms"]}
    )
    assert _channels(member, Kind.COSIGN_INVITED) == ["in_app", "sms"]
    assert _channels(member, Kind.ACTIVITY_TOMORROW) == ["in_app", "email", "sms"]
    assert _channels(member, Kind.RATING_WAITING) == ["in_app"]


def test_a_person_with_no_settings_gets_in_app_only(world):
    world.unit_user.email, world.unit_user.phone = "unit@example.org", "13900000000"
    world.unit_user.save()
    n, _ = services.notify(
        kind=Kind.PROPOSAL_ASSIGNED, recipient=world.unit_user, obj=world.unit, title="交办", due=DUE
    )
    assert list(n.deliveries.values_list("channel", flat=True)) == ["in_app"]


def test_a_channel_without_an_address_is_left_out(world):
    services.preferences_update(actor=world.convener, channels={Kind.ACTIVITY_TOMORROW: ["email", "sms"]})
    assert _channels(world.convener, Kind.ACTIVITY_TOMORROW) == ["in_app"]


# --- outbox -----------------------------------------------------------------------------------------


def test_a_broker_outage_keeps_the_task_in_the_outbox_and_beat_sends_it_later(
    member, world, django_capture_on_commit_callbacks, caplog
):
    from cppcc_portal.celery import app

    caplog.set_level(logging.WARNING)  # whatever level an earlier test left the loggers at

    with mock.patch.object(app, "send_task", side_effect=ConnectionRefusedError("redis down")):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(kind=Kind.GENERIC, recipient=member, obj=world.group, title="t", due=DUE)
    kept = OutboxMessage.objects.get()
    assert kept.task == services.DELIVER_TASK and kept.attempts == 1 and "redis down" in kept.last_error
    assert "could not queue" in caplog.text
    assert Notification.objects.count() == 1  # the notification itself is safe

    with mock.patch.object(app, "send_task") as send:
        assert outbox.drain(older_than_seconds=0) == 1
    send.assert_called_once_with(services.DELIVER_TASK, args=[], kwargs={}, retry=False, ignore_result=True)
    assert not OutboxMessage.objects.exists()


def test_a_working_broker_leaves_the_outbox_empty(member, world, django_capture_on_commit_callbacks):
    from cppcc_portal.celery import app

    with mock.patch.object(app, "send_task") as send, django_capture_on_commit_callbacks(execute=True):
        services.notify(kind=Kind.GENERIC, recipient=member, obj=world.group, title="t", due=DUE)
    assert send.call_count == 1 and not OutboxMessage.objects.exists()


def test_a_real_dead_broker_fails_fast_and_the_request_still_succeeds(
    member, world, django_capture_on_commit_callbacks
):
    import time

    from celery import Celery

    dead = Celery("dead", broker="redis://127.0.0.1:1/0", set_as_current=False)  # nothing listens on port 1
    dead.conf.broker_connection_timeout = 1
    started = time.monotonic()
    with mock.patch("cppcc_portal.celery.app", dead), django_capture_on_commit_callbacks(execute=True):
        services.notify(kind=Kind.GENERIC, recipient=member, obj=world.group, title="t", due=DUE)
    assert time.monotonic() - started < 5
    assert OutboxMessage.objects.get().attempts == 1
    assert Notification.objects.count() == 1


# --- rules and schedules ----------------------------------------------------------------------------


@pytest.fixture
def demo_rule(world):
    @rules.register("test_group_review", kind=Kind.GENERIC, lead_days=2, hour="7")
    def group_review(*, today, lead_days):
        for group in type(world.group).objects.filter(pk=world.group.pk):
            yield rules.Reminder(
                recipient=world.convener,
                obj=group,
                due=today + timedelta(days=lead_days),
                title=f"{group.name}：请复核成员名单",
                url="/my/groups/",
            )

    yield "test_group_review"
    rules.unregister("test_group_review")


def test_a_rule_run_twice_notifies_once(world, demo_rule):
    today = date(2026, 11, 21)
    assert rules.run_rule(demo_rule, today=today) == {"rule": demo_rule, "due": 1, "created": 1}
    assert rules.run_rule(demo_rule, today=today)["created"] == 0
    n = Notification.objects.get()
    assert (n.recipient, n.due, n.target) == (world.convener, date(2026, 11, 23), world.group)


def test_the_rule_task_uses_the_lead_days_from_its_schedule(world, demo_rule, django_capture_on_commit_callbacks):
    from notifications.tasks import run_rule

    with mock.patch("cppcc_portal.celery.app.send_task"), django_capture_on_commit_callbacks(execute=True):
        run_rule(demo_rule, lead_days=5)
    assert Notification.objects.get().due == timezone.localdate() + timedelta(days=5)


def test_setup_schedules_creates_editable_periodic_tasks_once(world, demo_rule):
    import json

    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    task = PeriodicTask.objects.get(name="notifications: rule test_group_review")
    assert json.loads(task.kwargs) == {"rule": "test_group_review", "lead_days": 2}
    assert task.crontab.hour == "7"
    assert PeriodicTask.objects.filter(task=services.DELIVER_TASK).count() == 1
    assert PeriodicTask.objects.filter(task="core.notifications.drain_outbox").count() == 1


def test_setup_schedules_writes_through_the_service_with_one_audit_record_per_created_entry(world, demo_rule):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from core.models import AuditEvent

    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    created = PeriodicTask.objects.filter(name__startswith="notifications: ").count()
    assert AuditEvent.objects.filter(verb="created", data__via="setup_schedules").count() == created > 0
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # kept: nothing written, nothing audited
    assert AuditEvent.objects.filter(verb="created", data__via="setup_schedules").count() == created


# --- pages ------------------------------------------------------------------------------------------


def test_the_inbox_shows_only_the_users_own_notifications(member, world, client_for):
    _notify(member, world.group, title="给委员的提醒")
    _notify(world.convener, world.group, title="给召集人的提醒")
    body = client_for(member).get(reverse("notifications:inbox")).content.decode()
    assert "给委员的提醒" in body and "给召集人的提醒" not in body


def test_the_header_shows_the_unread_count(member, world, client_for):
    for g in (world.group, world.other_group):
        _notify(member, g)
    body = client_for(member).get(reverse("groups:my_page")).content.decode()
    assert 'data-testid="unread-badge"' in body and "2</span>" in body


def test_opening_a_notification_marks_it_read_and_follows_its_link(member, world, client_for):
    n, _ = _notify(member, world.group)
    response = client_for(member).get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response.url == "/me/"
    n.refresh_from_db()
    assert n.is_read


def test_an_outside_link_is_not_followed(member, world, client_for):
    n, _ = _notify(member, world.group, url="https://evil.example/")
    assert client_for(member).get(reverse("notifications:open", args=[n.pk])).url == reverse("notifications:inbox")


def test_nobody_opens_or_marks_someone_elses_notification(member, world, client_for):
    n, _ = _notify(world.convener, world.group)
    client = client_for(member)
    assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[n.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    n.refresh_from_db()
    assert not n.is_read


def test_mark_one_and_all_read(member, world, client_for):
    a, _ = _notify(member, world.group)
    b, _ = _notify(member, world.other_group)
    client = client_for(member)
    assert client.post(reverse("notifications:read", args=[a.pk])).status_code == 302
    assert list(Notification.objects.unread().values_list("pk", flat=True)) == [b.pk]
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.unread().exists()


def test_the_inbox_runs_a_fixed_number_of_queries(member, world, client_for, django_assert_max_num_queries):
    client = client_for(member)
    for i in range(3):
        _notify(member, key=f"a{i}", kind=Kind.GENERIC)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("notifications:inbox")).status_code == 200
    for i in range(30):
        _notify(member, key=f"b{i}", kind=Kind.GENERIC)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("notifications:inbox")).status_code == 200


def test_the_unread_badge_costs_one_query(member, world, client_for, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    from notifications.context_processors import notifications

    request = RequestFactory().get("/")
    request.user = member
    with django_assert_num_queries(1):
        assert Template("{{ n }}").render(Context({"n": notifications(request)["unread_notifications"]})) == "0"


def test_preferences_are_saved_per_kind(member, world, client_for):
    client = client_for(member)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    response = client.post(reverse("notifications:preferences"), {f"kind_{Kind.COSIGN_INVITED}": ["email", "sms"]})
    assert response.status_code == 302
    chosen = NotificationSettings.objects.get(user=member).channels
    assert chosen[Kind.COSIGN_INVITED] == ["email", "sms"] and chosen[Kind.ACTIVITY_TOMORROW] == []


# --- calendar ---------------------------------------------------------------------------------------


@pytest.fixture
def provider():
    @calendar.register("test")
    def events(user, *, start, end):
        yield calendar.Event(
            uid=f"test-{user.pk}",
            title=f"{user.username}的视察活动, 第一站",
            url="/me/",
            start=timezone.now() + timedelta(days=1),
            end=timezone.now() + timedelta(days=1, hours=2),
            location="东湖区；市民中心",
            description="请带好身份证件。" * 20,
        )

    yield
    calendar.unregister("test")


def test_the_calendar_feed_lists_the_users_events(member, world, client, client_for, provider):
    client_for(member).post(reverse("notifications:calendar_link"), {"action": "regenerate"})
    token = NotificationSettings.objects.get(user=member).calendar_token
    client.logout()
    response = client.get(reverse("notifications:calendar", args=[token]))  # a phone's calendar: no session
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:member的视察活动\\, 第一站" in text and "LOCATION:东湖区；市民中心" in text
    assert "DTSTART:" in text and "URL:http" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_title_with_line_breaks_and_separators_stays_one_event_with_its_literal_summary():
    import icalendar

    title = (
        "视察\rDTSTART:19700101T000000Z\nEND:VEVENT\r\nBEGIN:VEVENT, 第一站; 第二站"
        + "关于加快推进城乡融合发展的调研" * 12
    )
    start = timezone.now()
    body = calendar.render(
        [
            calendar.Event(
                uid="t-1", title=title, start=start, end=start + timedelta(hours=1), location="东湖区;\r市民中心, 二楼"
            )
        ],
        name="政协\r活动",
    )
    parsed = icalendar.Calendar.from_ical(body)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1 and body.split("\r\n").count("BEGIN:VEVENT") == 1
    literal = title.replace("\r\n", "\n").replace("\r", "\n")  # iCalendar text has one line break: \n
    assert str(events[0]["SUMMARY"]) == literal
    assert str(events[0]["LOCATION"]) == "东湖区;\n市民中心, 二楼"
    assert events[0].decoded("DTSTART") == start.replace(microsecond=0)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "\r" not in body.replace("\r\n", "")


def test_an_invalid_or_revoked_calendar_token_is_404(member, world, client, provider):
    assert client.get(reverse("notifications:calendar", args=["nope"])).status_code == 404
    old = services.calendar_token_regenerate(actor=member)
    new = services.calendar_token_regenerate(actor=member)
    assert client.get(reverse("notifications:calendar", args=[old])).status_code == 404
    assert client.get(reverse("notifications:calendar", args=[new])).status_code == 200
    services.calendar_token_revoke(actor=member)
    assert client.get(reverse("notifications:calendar", args=[new])).status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_the_api_lists_only_the_callers_notifications(member, world, client_for, django_assert_max_num_queries):
    mine, _ = _notify(member, world.group)
    theirs, _ = _notify(world.convener, world.group)
    client = client_for(member)
    with django_assert_max_num_queries(6):
        data = client.get(reverse("api:notification-list")).json()
    assert [r["id"] for r in data["results"]] == [mine.pk] and data["count"] == 1
    assert client.get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404


def test_the_api_marks_read(member, world, client_for):
    a, _ = _notify(member, world.group)
    _notify(member, world.other_group)
    client = client_for(member)
    assert client.post(reverse("api:notification-read", args=[a.pk])).json()["is_read"] is True
    assert client.get(reverse("api:notification-list") + "?unread=true").json()["count"] == 1
    assert client.post(reverse("api:notification-read-all")).json() == {"marked": 1}
    assert client.get(reverse("api:notification-list") + "?unread=true").json()["count"] == 0


def test_the_api_needs_a_login(client, db):
    assert client.get(reverse("api:notification-list")).status_code in (401, 403)


# --- admin ------------------------------------------------------------------------------------------


def test_staff_read_the_send_log_of_their_committees_people_only(member, world, client_for):
    _notify(member, world.group, title="东湖的提醒")
    outsider = world.outsider_member.user
    _notify(outsider, world.group, title="远山的提醒")
    body = client_for(world.staff).get(reverse("admin:notifications_delivery_changelist")).content.decode()
    assert "东湖的提醒" in body and "远山的提醒" not in body


def test_draining_stops_at_the_first_failure_while_the_broker_is_still_down(member, world):
    from cppcc_portal.celery import app

    with mock.patch.object(app, "send_task", side_effect=ConnectionRefusedError("down")):
        for _ in range(3):
            outbox.enqueue(services.DELIVER_TASK)
    with mock.patch.object(app, "send_task", side_effect=ConnectionRefusedError("still down")) as send:
        assert outbox.drain(older_than_seconds=0) == 0
    assert send.call_count == 1
    assert OutboxMessage.objects.count() == 3


def test_the_email_names_the_thing_and_links_to_it(member, world, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    _notify(member, world.group, title="答复期限还有7天：关于老旧小区改造的提案", body="答复期限：2026年11月28日")
    delivery.deliver_batch()
    message = mail.outbox[0]
    assert message.subject == "答复期限还有7天：关于老旧小区改造的提案"
    assert "2026年11月28日" in message.body and "https://portal.example.gov.cn/me/" in message.body


def test_a_sender_run_over_its_time_budget_queues_a_follow_up(member, world, django_capture_on_commit_callbacks):
    from notifications.tasks import deliver_pending

    for g in (world.group, world.other_group):
        _notify(member, g)
    with mock.patch("cppcc_portal.celery.app.send_task") as send, django_capture_on_commit_callbacks(execute=True):
        totals = deliver_pending(batch_size=1, budget_seconds=0)
    assert totals["sent"] == 1 and delivery.todo(timezone.now()).count() == 1
    send.assert_called_once_with(services.DELIVER_TASK, args=[1, 0], kwargs={}, retry=False, ignore_result=True)


def test_a_racing_insert_of_the_same_key_returns_the_existing_notification(member, world):
    from django.db.models import QuerySet

    first, _ = _notify(member, world.group)
    # the other process inserted between our look-up and our insert: the look-up saw nothing
    with mock.patch.object(QuerySet, "first", return_value=None):
        again, created = _notify(member, world.group)
    assert (again.pk, created) == (first.pk, False)
    assert Delivery.objects.count() == 2


def test_a_slow_batch_hands_back_what_it_could_not_send_within_half_its_lease(member, world, settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 0  # every message "takes longer" than half the lease
    for g in (world.group, world.other_group, f.ActivityGroupFactory(committee=world.district)):
        _notify(member, g)
    result = delivery.deliver_batch(limit=10)
    assert (result.sent, result.released) == (1, 2)
    assert Counter(Delivery.objects.exclude(channel="in_app").values_list("status", "attempts")) == Counter(
        {("sent", 1): 1, ("pending", 0): 2}
    )


def test_a_deactivated_account_gets_no_email_or_sms(member, world):
    member.is_active = False
    member.save()
    assert _channels(member, Kind.ACTIVITY_TOMORROW) == ["in_app"]


# --- set-based: notify_many ------------------------------------------------------------------------


def _users(n):
    return [f.UserFactory(username=f"many-{i}", email=f"many{i}@example.org") for i in range(n)]


def test_notify_many_writes_a_batch_in_a_fixed_number_of_queries_whatever_its_size(
    world, django_assert_max_num_queries
):
    for size in (3, 40):
        users = _users(size) if size == 3 else _users(43)[3:]
        NotificationSettings.objects.bulk_create(
            [NotificationSettings(user=u, channels={Kind.GENERIC: ["email"]}) for u in users]
        )
        notices = [services.Notice(kind=Kind.GENERIC, recipient=u, obj=world.group, title="t", due=DUE) for u in users]
        with django_assert_max_num_queries(8):
            assert services.notify_many(notices, enqueue=False) == size
    assert Notification.objects.count() == 43
    assert Counter(Delivery.objects.values_list("channel", flat=True)) == {"in_app": 43, "email": 43}


def test_notify_many_run_again_or_with_a_key_already_notified_one_by_one_adds_nothing(member, world):
    others = _users(3)
    _notify(member, world.group, kind=Kind.GENERIC, title="first")
    notices = [
        services.Notice(kind=Kind.GENERIC, recipient=u, obj=world.group, title="second", due=DUE)
        for u in [member, *others, others[0]]  # the member already has it; others[0] twice in the batch
    ]
    assert services.notify_many(notices, enqueue=False, batch_size=2) == 3
    assert services.notify_many(notices, enqueue=False) == 0
    assert Notification.objects.get(recipient=member).title == "first"
    assert Notification.objects.count() == 4
    # the member's e-mail was queued once, by the first notice; nobody else opted in
    assert list(Delivery.objects.filter(channel="email").values_list("notification__recipient", flat=True)) == [
        member.pk
    ]
    assert Delivery.objects.filter(channel="in_app").count() == 4


def test_notify_many_skips_a_key_another_run_inserted_meanwhile_and_sends_its_deliveries_once(member, world):
    """Two runs racing: the second's pre-check missed the first's row; the insert skips it (ON CONFLICT DO
    NOTHING) and the deliveries' own unique key keeps one e-mail."""
    notice = services.Notice(kind=Kind.GENERIC, recipient=member, obj=world.group, title="t", due=DUE)
    real_filter = Notification.objects.filter
    calls = []

    def first_check_misses(*args, **kwargs):
        if "recipient_id__in" in kwargs:
            calls.append(kwargs)
            if len(calls) == 1:  # the pre-check runs, finds nothing; then the other run commits its row
                assert not real_filter(*args, **kwargs).exists()
                _notify(member, world.group, kind=Kind.GENERIC, title="the other run")
                return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    with mock.patch.object(Notification.objects, "filter", side_effect=first_check_misses):
        services.notify_many([notice], enqueue=False)
    assert len(calls) == 2
    assert Notification.objects.get().title == "the other run"
    assert Counter(Delivery.objects.values_list("channel", flat=True)) == {"in_app": 1, "email": 1}


def test_a_rule_of_many_reminders_runs_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    users = _users(30)

    @rules.register("test_many", kind=Kind.GENERIC)
    def many(*, today, lead_days):
        for u in users:
            yield rules.Reminder(recipient=u, obj=world.group, due=today, title="t")

    try:
        with django_assert_max_num_queries(8):
            assert rules.run_rule("test_many", today=DUE)["created"] == 30
        assert rules.run_rule("test_many", today=DUE) == {"rule": "test_many", "due": 30, "created": 0}
    finally:
        rules.unregister("test_many")
