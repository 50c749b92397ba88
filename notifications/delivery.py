"""The sender: claim pending deliveries in bounded batches, send each through its channel, record the result.

Exactly once: a delivery is claimed (status SENDING, attempts + 1, a lease) in a short transaction with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite serialises writers instead), so two workers or
two overlapping runs never take the same row; the result is recorded right after the channel returns.
A worker killed mid-batch leaves its rows SENDING; they are claimed again once the lease expires. The
only window for a repeat is between the channel accepting a message and the row being marked SENT; the
e-mail carries a stable Message-ID and the SMS backend gets an idempotency key for that case.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .channels import CHANNELS
from .errors import PermanentFailure, RetryLater
from .models import Channel, Delivery
from .timing import quiet_until

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    held: int = 0
    claimed: list[int] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … times the base delay after the 1st, 2nd, 3rd … failed attempt."""
    return timedelta(seconds=settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def todo(now):
    lease = timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    return (
        Delivery.objects.exclude(channel=Channel.IN_APP)
        .filter(digest=False)
        .filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__isnull=True)
            | Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - lease)
        )
    )


def claim(*, limit: int, now=None) -> tuple[str, list[int]]:
    """Take up to ``limit`` deliveries that are due; record the attempt before anything is sent."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        qs = todo(now).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                status=Delivery.Status.SENDING, claimed_at=now, claim=token, attempts=F("attempts") + 1
            )
    return token, ids


def _quiet_until(delivery: Delivery, now):
    try:
        prefs = delivery.notification.recipient.notification_settings
    except ObjectDoesNotExist:
        return None
    return quiet_until(prefs.quiet_start, prefs.quiet_end, now)


def _failed(delivery: Delivery, token: str, exc: Exception, now) -> str:
    """Record a failed attempt: retry later with backoff, or give up (after the last attempt, or for good)."""
    retry_at = None
    if isinstance(exc, RetryLater):  # rate limited: wait longer each time, never give up for it
        retry_at = now + min(max(timedelta(seconds=exc.seconds), backoff(delivery.attempts)), timedelta(hours=6))
    elif not isinstance(exc, PermanentFailure) and delivery.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
        retry_at = now + backoff(delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(
        status=Delivery.Status.PENDING if retry_at else Delivery.Status.FAILED,
        next_attempt_at=retry_at,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    log.warning("delivery %s (%s) attempt %s failed: %s", delivery.pk, delivery.channel, delivery.attempts, exc)
    return "retrying" if retry_at else "failed"


def send_one(delivery: Delivery, token: str, now=None) -> str:
    """Send one claimed delivery and record the outcome; a failure never stops the others.

    Within the recipient's quiet hours the row is handed back, due when they end (the attempt does not count).
    """
    now = now or timezone.now()
    held_until = _quiet_until(delivery, now)
    if held_until is not None:
        Delivery.objects.filter(pk=delivery.pk, claim=token).update(
            status=Delivery.Status.PENDING,
            next_attempt_at=held_until,
            claim="",
            claimed_at=None,
            attempts=F("attempts") - 1,
        )
        return "held"
    try:
        receipt = CHANNELS[delivery.channel].send(delivery)
    except Exception as exc:  # any channel failure is recorded and retried, never raised to the batch
        return _failed(delivery, token, exc, now)
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(
        status=Delivery.Status.SENT, sent_at=now, provider_id=(receipt or "")[:100], last_error=""
    )
    return "sent"


def release(token: str) -> int:
    """Hand back the rows of a claim that were not sent yet (their attempt did not happen)."""
    return Delivery.objects.filter(claim=token, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, claim="", claimed_at=None, attempts=F("attempts") - 1
    )


def deliver_batch(*, limit: int | None = None, now=None) -> BatchResult:
    """Claim one batch and send it.

    A slow channel must not outlive the claim: at half the lease the rest of the batch is handed back,
    so no other worker ever takes over a row this one may still send.
    """
    started = time.monotonic()
    token, ids = claim(limit=limit or settings.NOTIFICATIONS_BATCH_SIZE, now=now)
    result = BatchResult(claimed=ids)
    deliveries = (
        Delivery.objects.filter(pk__in=ids)
        .select_related("notification__recipient__notification_settings")
        .order_by("id")
    )
    for delivery in deliveries:
        outcome = send_one(delivery, token, now)
        setattr(result, outcome, getattr(result, outcome) + 1)
        if time.monotonic() - started > settings.NOTIFICATIONS_LEASE_SECONDS / 2:
            result.released = release(token)
            break
    return result
