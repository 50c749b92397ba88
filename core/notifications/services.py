"""Writes: notify (idempotent), mark read, preferences, the calendar token."""
from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core import directory
from core.services import not_an_api_action

from . import outbox
from .channels import reachable
from .models import (
    Channel,
    CommitteeNotificationDefault,
    Delivery,
    Kind,
    Notification,
    NotificationSettings,
)

DELIVER_TASK = "core.notifications.deliver_pending"


@not_an_api_action("the key a notice is stored under; no action")
def subject_key(obj: models.Model | None, key: str = "") -> str:
    if obj is None:
        return key[:100]
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return f"{ct.pk}:{obj.pk}"


@not_an_api_action("reads the channels a user gets")
def channel_choices(user, kinds: list[str]) -> dict[str, list[str]]:
    """The extra channels per kind: the user's choice, else the committee default, else the site default.

    Two queries whatever the number of kinds.
    """
    chosen = NotificationSettings.objects.filter(user=user).values_list("channels", flat=True).first() or {}
    missing = [k for k in kinds if k not in chosen]
    defaults = {}
    if missing:
        committee_id = directory.committee_of(user)
        defaults = {d.kind: d.channel_list for d in CommitteeNotificationDefault.objects.filter(
            committee_id=committee_id, kind__in=missing)} if committee_id else {}
    return {k: chosen[k] if k in chosen else defaults.get(k, settings.NOTIFICATIONS_DEFAULT_CHANNELS) for k in kinds}


@not_an_api_action("reads the channels a notice goes out on")
def channels_for(user, kind: str) -> list[str]:
    """In-app always, plus the chosen or default channels the user has an address for (active accounts only)."""
    if not user.is_active:
        return [Channel.IN_APP]
    extra = channel_choices(user, [kind])[kind]
    return [Channel.IN_APP, *[c for c in extra if c != Channel.IN_APP and c in Channel.values and reachable(user, c)]]


@not_an_api_action("sends a notice from a service, subscriber or reminder rule; never a client's own action")
@transaction.atomic
def notify(
    *,
    kind: str,
    recipient,
    obj: models.Model | None = None,
    due: date | None = None,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    channels: list[str] | None = None,
    enqueue: bool = True,
) -> tuple[Notification, bool]:
    """Notify ``recipient`` once per (kind, obj, recipient, due); returns (notification, created).

    A second call with the same key changes nothing. The deliveries per channel are written in the same
    transaction; with ``enqueue`` the sender task is queued after commit through the outbox (callers that
    notify in bulk pass ``enqueue=False`` and queue once at the end).
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    due = due or timezone.localdate()
    lookup = {"recipient": recipient, "kind": kind, "subject": subject_key(obj, key), "due": due}
    existing = Notification.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj is not None else None
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same key loses the race cleanly
            notification = Notification.objects.create(
                **lookup, title=title[:200], body=body, url=url[:500], content_type=ct,
                object_id=str(obj.pk) if obj is not None else "",
            )
    except IntegrityError:
        return Notification.objects.get(**lookup), False
    now = timezone.now()
    channel_list = [c for c in channels if c in Channel.values] if channels is not None else channels_for(recipient, kind)
    Delivery.objects.bulk_create([
        Delivery(notification=notification, channel=c, status=Delivery.Status.SENT, sent_at=now, attempts=1)
        if c == Channel.IN_APP
        else Delivery(notification=notification, channel=c)
        for c in dict.fromkeys([Channel.IN_APP, *channel_list])
    ])
    if enqueue and any(c != Channel.IN_APP for c in channel_list):
        outbox.enqueue(DELIVER_TASK)
    return notification, True


def notification_mark_read(*, notification_id: int, actor, now=None) -> int:
    """Mark one of the actor's notifications read; returns 1 if it was unread."""
    return Notification.objects.for_user(actor).unread().filter(pk=notification_id).update(
        read_at=now or timezone.now()
    )


def notifications_mark_all_read(*, actor, now=None) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return Notification.objects.for_user(actor).unread().update(read_at=now or timezone.now())


@not_an_api_action("reads (creates on first read) the user's settings row for the services here")
def settings_of(user) -> NotificationSettings:
    obj, _created = NotificationSettings.objects.get_or_create(user=user)
    return obj


@transaction.atomic
def preferences_update(*, actor, channels: dict[str, list[str]]) -> NotificationSettings:
    """Store the actor's channels per kind (in-app is always on and not stored)."""
    prefs = NotificationSettings.objects.select_for_update().get(pk=settings_of(actor).pk)
    prefs.channels = {
        kind: [c for c in chosen if c in (Channel.EMAIL, Channel.SMS)]
        for kind, chosen in channels.items()
        if kind in Kind.values
    }
    prefs.save(update_fields=["channels"])
    return prefs


@transaction.atomic
def calendar_token_regenerate(*, actor) -> str:
    """Give the actor a new private calendar URL; the old one stops working."""
    prefs = NotificationSettings.objects.select_for_update().get(pk=settings_of(actor).pk)
    prefs.calendar_token = secrets.token_urlsafe(32)
    prefs.save(update_fields=["calendar_token"])
    return prefs.calendar_token


@transaction.atomic
def calendar_token_revoke(*, actor) -> None:
    """Switch the actor's calendar feed off."""
    NotificationSettings.objects.filter(user=actor).update(calendar_token=None)


SCHEDULE_PREFIX = "notifications: "


@not_an_api_action("run by manage.py setup_schedules at deployment; beat entries are edited in the admin")
@transaction.atomic
def schedules_setup(*, actor=None) -> list[tuple[str, bool]]:
    """Create the beat entries for reminders, the sender and the outbox, once: an entry already there keeps what
    staff changed in the admin (time, lead days, enabled). Returns (name, created) per entry."""
    import json

    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    from core.services import record_event

    from . import rules

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    wanted = [(SCHEDULE_PREFIX + name, {"task": task, "interval": every_minute})
              for name, task in (("send pending deliveries", DELIVER_TASK),
                                 ("drain outbox", "core.notifications.drain_outbox"))]
    for rule in rules.REGISTRY.values():
        crontab, _ = CrontabSchedule.objects.get_or_create(**{
            "minute": "0", "hour": "8", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*",
            **rule.schedule, "timezone": "Asia/Shanghai",
        })
        wanted.append((f"{SCHEDULE_PREFIX}rule {rule.name}", {
            "task": "core.notifications.run_rule", "crontab": crontab, "description": rule.description,
            "kwargs": json.dumps({"rule": rule.name, "lead_days": rule.lead_days})}))
    done = []
    for name, defaults in wanted:
        task, created = PeriodicTask.objects.get_or_create(name=name, defaults=defaults)
        if created:
            record_event(task, actor=actor, verb="created", data={"via": "setup_schedules"})
        done.append((name, created))
    return done
