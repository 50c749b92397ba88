"""Writes: notify (idempotent), mark read, preferences, the calendar token."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import directory, outbox
from core.exceptions import DomainError
from core.models import User
from core.services import lock, not_an_api_action
from core.verbs import CoreVerb

from . import kinds
from .channels import reachable
from .models import (
    Channel,
    Delivery,
    Kind,
    Notification,
    NotificationSettings,
)
from .timing import quiet_until

DELIVER_TASK = "core.notifications.deliver_pending"
DIGEST_TASK = "core.notifications.send_digests"


@not_an_api_action("the key a notice is stored under; no action")
def subject_key(obj: models.Model | None, key: str = "") -> str:
    if obj is None:
        return key[:100]
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return f"{ct.pk}:{obj.pk}"


PREFERENCE_FIELDS = ("channels", "quiet_start", "quiet_end", "email_digest")


@not_an_api_action("reads the user's stored choices")
def preferences_of(user: User) -> dict[str, Any]:
    """The user's stored choices (one query); nothing stored means in-app only."""
    row = NotificationSettings.objects.filter(user=user).values(*PREFERENCE_FIELDS).first()
    return row or {"channels": {}, "quiet_start": None, "quiet_end": None, "email_digest": False}


def _extra_channels(user: User, kind: str, chosen: dict) -> list[str]:
    """Besides in-app: the channels the user opted into for ``kind`` and has an address for (active accounts only)."""
    if not user.is_active:
        return []
    return [c for c in chosen.get(kind, []) if c in (Channel.EMAIL, Channel.SMS) and reachable(user, c)]


def _deliveries(notification: Notification, channel_list: list[str], prefs: dict, now: datetime) -> list[Delivery]:
    """The in-app copy (sent), and e-mail/SMS rows held to the end of quiet hours or kept for the digest."""
    held = quiet_until(prefs["quiet_start"], prefs["quiet_end"], now)
    rows = []
    for c in dict.fromkeys([Channel.IN_APP, *channel_list]):
        if c == Channel.IN_APP:
            rows.append(
                Delivery(notification=notification, channel=c, status=Delivery.Status.SENT, sent_at=now, attempts=1)
            )
        else:
            rows.append(
                Delivery(
                    notification=notification,
                    channel=c,
                    next_attempt_at=held,
                    digest=c == Channel.EMAIL and prefs["email_digest"],
                )
            )
    return rows


@not_an_api_action("sends a notice from a service, subscriber or reminder rule; never a client's own action")
@transaction.atomic
def notify(
    *,
    kind: str,
    recipient: User,
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
                **lookup,
                title=title[:200],
                body=body,
                url=url[:500],
                content_type=ct,
                object_id=str(obj.pk) if obj is not None else "",
            )
    except IntegrityError:
        return Notification.objects.get(**lookup), False
    now = timezone.now()
    prefs = preferences_of(recipient)
    if channels is None:
        channel_list = _extra_channels(recipient, kind, prefs["channels"])
    else:
        channel_list = [c for c in channels if c in Channel.values]
    rows = _deliveries(notification, channel_list, prefs, now)
    Delivery.objects.bulk_create(rows)
    if enqueue and any(r.channel != Channel.IN_APP and not r.digest for r in rows):
        outbox.enqueue_once(DELIVER_TASK)
    return notification, True


@dataclass
class Notice:
    """One notice for ``notify_many``: the arguments of ``notify`` as a record."""

    kind: str
    recipient: Any
    title: str
    obj: models.Model | None = None
    due: date | None = None
    body: str = ""
    url: str = ""
    key: str = ""
    channels: list[str] | None = None


NOTIFY_BATCH = 1000


@not_an_api_action("sends notices in bulk from a subscriber or reminder rule; never a client's own action")
def notify_many(notices: Iterable[Notice], *, enqueue: bool = True, batch_size: int = NOTIFY_BATCH) -> int:
    """``notify`` for many notices, set-based: per batch one transaction and five queries (the keys already
    there, the recipients' preferences, one insert of the notifications, their ids, one insert of the
    deliveries). Returns how many notifications were new.

    Exactly once as ``notify``: a key already stored is left as it is (no new delivery); a key inserted by a
    concurrent run is skipped by the insert (``ON CONFLICT DO NOTHING`` on the unique key) and its deliveries
    by theirs (unique per notification and channel), so a retried or doubled task sends nothing twice.
    """
    created = 0
    batch: list[Notice] = []
    for notice in notices:
        batch.append(notice)
        if len(batch) >= batch_size:
            created += _notify_batch(batch, enqueue=enqueue)
            batch = []
    if batch:
        created += _notify_batch(batch, enqueue=enqueue)
    return created


@transaction.atomic
def _notify_batch(batch: list[Notice], *, enqueue: bool) -> int:
    today = timezone.localdate()
    wanted: dict[tuple, tuple[Notice, Notification]] = {}
    for n in batch:
        if n.kind not in Kind.values:
            raise ValueError(f"unknown notification kind {n.kind!r}")
        key = (n.recipient.pk, n.kind, subject_key(n.obj, n.key), n.due or today)
        if key in wanted:
            continue  # the first of two equal keys in one batch wins, as two notify() calls would
        ct = ContentType.objects.get_for_model(n.obj, for_concrete_model=False) if n.obj is not None else None
        wanted[key] = (
            n,
            Notification(
                recipient_id=key[0],
                kind=key[1],
                subject=key[2],
                due=key[3],
                title=n.title[:200],
                body=n.body,
                url=n.url[:500],
                content_type=ct,
                object_id=str(n.obj.pk) if n.obj is not None else "",
            ),
        )
    if not wanted:
        return 0
    recipients = {k[0] for k in wanted}
    kinds_ = {k[1] for k in wanted}
    dues = {k[3] for k in wanted}
    stored = Notification.objects.filter(recipient_id__in=recipients, kind__in=kinds_, due__in=dues)
    for key in stored.values_list("recipient_id", "kind", "subject", "due"):
        wanted.pop(key, None)
    if not wanted:
        return 0
    Notification.objects.bulk_create([row for _n, row in wanted.values()], ignore_conflicts=True)
    ids = {
        (r, k, s, d): pk
        for pk, r, k, s, d in Notification.objects.filter(
            recipient_id__in={k[0] for k in wanted},
            kind__in={k[1] for k in wanted},
            due__in={k[3] for k in wanted},
            subject__in={k[2] for k in wanted},
        ).values_list("pk", "recipient_id", "kind", "subject", "due")
    }
    prefs = {
        row["user_id"]: row
        for row in NotificationSettings.objects.filter(user_id__in={k[0] for k in wanted}).values(
            "user_id", *PREFERENCE_FIELDS
        )
    }
    nothing: dict[str, Any] = {"channels": {}, "quiet_start": None, "quiet_end": None, "email_digest": False}
    now = timezone.now()
    rows: list[Delivery] = []
    for key, (n, notification) in wanted.items():
        notification.pk = ids.get(key)
        if notification.pk is None:  # cannot happen inside the transaction; never send without a row
            continue
        pref = prefs.get(key[0], nothing)
        if n.channels is None:
            channel_list = _extra_channels(n.recipient, n.kind, pref["channels"])
        else:
            channel_list = [c for c in n.channels if c in Channel.values]
        rows += _deliveries(notification, channel_list, pref, now)
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    if enqueue and any(r.channel != Channel.IN_APP and not r.digest for r in rows):
        outbox.enqueue_once(DELIVER_TASK)
    return len(wanted)


def notification_mark_read(*, notification_id: int, actor: User, now: datetime | None = None) -> int:
    """Mark one of the actor's notifications read; returns 1 if it was unread."""
    return (
        Notification.objects.for_user(actor).unread().filter(pk=notification_id).update(read_at=now or timezone.now())
    )


def notifications_mark_all_read(*, actor: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return Notification.objects.for_user(actor).unread().update(read_at=now or timezone.now())


@not_an_api_action("reads (creates on first read) the user's settings row for the services here")
def settings_of(user: User) -> NotificationSettings:
    obj, _created = NotificationSettings.objects.get_or_create(user=user)
    return obj


@not_an_api_action("reads the kinds a user's settings page offers")
def offered_kinds(user: User) -> list[str]:
    """The kinds the user's settings page lists: those sent to their roles, and any they have received."""
    received = Notification.objects.filter(recipient=user).values_list("kind", flat=True).distinct()
    return kinds.kinds_for(directory.scope_of(user).roles, received)


@not_an_api_action("reads the channels a user has an address for")
def offered_channels(user: User) -> list[str]:
    """E-mail and SMS, each only if the user has an address for it."""
    return [c for c in (Channel.EMAIL, Channel.SMS) if reachable(user, c)]


@not_an_api_action("reads whether the user may choose the daily digest")
def may_digest(user: User) -> bool:
    """The daily digest is for secretariat staff, who get many notices."""
    return kinds.STAFF in {str(r) for r in directory.scope_of(user).roles}


@transaction.atomic
def preferences_update(
    *,
    actor: User,
    channels: dict[str, list[str]],
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    email_digest: bool = False,
) -> NotificationSettings:
    """Store the actor's opt-in channels per kind, quiet hours and digest choice (in-app is always on).

    Only kinds and channels the actor is offered are kept; a kind not offered keeps what it had.
    """
    if (quiet_start is None) != (quiet_end is None) or (quiet_start is not None and quiet_start == quiet_end):
        raise DomainError({"quiet_end": _("Give both ends of the quiet hours, and make them differ.")})
    prefs = lock(NotificationSettings, settings_of(actor).pk)
    offered, usable = offered_kinds(actor), offered_channels(actor)
    prefs.channels = {
        **{k: v for k, v in prefs.channels.items() if k not in offered},
        **{kind: [c for c in channels.get(kind, []) if c in usable] for kind in offered},
    }
    prefs.quiet_start, prefs.quiet_end = quiet_start, quiet_end
    prefs.email_digest = bool(email_digest) and may_digest(actor)
    prefs.save(update_fields=["channels", "quiet_start", "quiet_end", "email_digest"])
    from core.services import record_event  # core.services imports core.models, which imports ours

    record_event(
        prefs,
        actor=actor,
        verb=CoreVerb.CHANGED,
        data={
            "channels": prefs.channels,
            "quiet": [str(quiet_start or ""), str(quiet_end or "")],
            "digest": prefs.email_digest,
        },
    )
    return prefs


@transaction.atomic
def calendar_token_regenerate(*, actor: User) -> str:
    """Give the actor a new private calendar URL; the old one stops working."""
    prefs = lock(NotificationSettings, settings_of(actor).pk)
    prefs.calendar_token = secrets.token_urlsafe(32)
    prefs.save(update_fields=["calendar_token"])
    return prefs.calendar_token


@transaction.atomic
def calendar_token_revoke(*, actor: User) -> None:
    """Switch the actor's calendar feed off."""
    NotificationSettings.objects.filter(user=actor).update(calendar_token=None)


@not_an_api_action(
    "the SMS vendor posts delivery receipts to /notifications/receipts/sms/ (a webhook with a shared token), not a client"
)
def delivery_receipts_record(
    *, receipts: list[dict], channel: str = Channel.SMS, now: datetime | None = None
) -> tuple[int, int]:
    """Record the provider's delivery receipts: delivered, or failed with its code. Returns (recorded, unknown).

    A receipt names the provider's id (``biz_id``) that ``send_one`` stored with SENT; one whose row is not
    recorded yet (the receipt outran the sender) counts as unknown, so the provider pushes it again later.
    Receiving the same receipt twice changes nothing more.
    """
    now = now or timezone.now()
    recorded = unknown = 0
    for r in receipts:
        provider_id = str(r.get("biz_id") or "")[:100]
        ok = r.get("success") in (True, "true", "True", 1, "1")
        fields = (
            {"status": Delivery.Status.DELIVERED, "receipt_at": now}
            if ok
            else {
                "status": Delivery.Status.FAILED,
                "receipt_at": now,
                "last_error": (
                    _("Receipt: %(code)s %(message)s")
                    % {"code": r.get("err_code", ""), "message": r.get("err_msg", "")}
                )[:2000],
            }
        )
        done = (
            Delivery.objects.filter(
                channel=channel,
                provider_id=provider_id,
                status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED, Delivery.Status.FAILED],
            ).update(**fields)
            if provider_id
            else 0
        )
        recorded += done
        unknown += not done
    return recorded, unknown


SCHEDULE_PREFIX = "notifications: "


@not_an_api_action("run by manage.py setup_schedules at deployment; beat entries are edited in the admin")
@transaction.atomic
def schedules_setup(*, actor: User | None = None) -> list[tuple[str, bool]]:
    """Create the beat entries for reminders, the sender and the outbox, once: an entry already there keeps what
    staff changed in the admin (time, lead days, enabled). Returns (name, created) per entry."""
    import json

    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    from core.services import record_event

    from . import rules

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    wanted = [
        (SCHEDULE_PREFIX + name, {"task": task, "interval": every_minute})
        for name, task in (
            ("send pending deliveries", DELIVER_TASK),
            ("drain outbox", "core.notifications.drain_outbox"),
        )
    ]
    # hourly at the digest's minute: the digest itself goes out once a day (see digest.py)
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute=str(settings.NOTIFICATIONS_DIGEST_TIME[1]),
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    wanted.append((SCHEDULE_PREFIX + "daily e-mail digest", {"task": DIGEST_TASK, "crontab": hourly}))
    for rule in rules.REGISTRY.values():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            **{
                "minute": "0",
                "hour": "8",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
                **rule.schedule,
                "timezone": "Asia/Shanghai",
            }
        )
        wanted.append(
            (
                f"{SCHEDULE_PREFIX}rule {rule.name}",
                {
                    "task": "core.notifications.run_rule",
                    "crontab": crontab,
                    "description": rule.description,
                    "kwargs": json.dumps({"rule": rule.name, "lead_days": rule.lead_days}),
                },
            )
        )
    done = []
    for name, defaults in wanted:
        task, created = PeriodicTask.objects.get_or_create(name=name, defaults=defaults)
        if created:
            record_event(task, actor=actor, verb=CoreVerb.CREATED, data={"via": "setup_schedules"})
        done.append((name, created))
    return done
