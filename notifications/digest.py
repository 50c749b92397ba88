"""The daily e-mail digest: one mail per person listing the notices they chose to get once a day.

A digest lists the rows that arrived before the day's digest time (``NOTIFICATIONS_DIGEST_TIME``); beat runs
``send_digests`` every hour, so someone whose quiet hours cover the digest time gets it when they end, and
nobody gets two a day (later rows wait for the next day's time). Exactly once as in ``delivery``: the rows
are claimed (SENDING, a token, a lease) before the mail goes out; a worker that died leaves them to be
claimed again after the lease, and the mail sent again carries the same Message-ID (its first row's id).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.links import absolute_url as absolute

from .models import Channel, Delivery, NotificationSettings
from .timing import digest_cutoff, quiet_until

log = logging.getLogger(__name__)


def _waiting(now, cutoff):
    lease = timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    return Delivery.objects.filter(digest=True, channel=Channel.EMAIL, created_at__lt=cutoff).filter(
        Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - lease)
    )


def _claim(user_id: int, now, cutoff) -> tuple[str, list[int]]:
    token = uuid.uuid4().hex
    with transaction.atomic():
        qs = _waiting(now, cutoff).filter(notification__recipient_id=user_id).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        ids = list(qs.values_list("pk", flat=True))
        if ids:
            Delivery.objects.filter(pk__in=ids).update(
                status=Delivery.Status.SENDING, claimed_at=now, claim=token, attempts=F("attempts") + 1
            )
    return token, ids


def _message(user, rows: list[Delivery], cutoff) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        day = formats.date_format(timezone.localtime(cutoff).date(), "DATE_FORMAT")
        subject = ngettext("%(count)d notice up to %(day)s", "%(count)d notices up to %(day)s", len(rows)) % {
            "count": len(rows),
            "day": day,
        }
        lines = [_("Your notices from the CPPCC portal:"), ""]
        for row in rows:
            n = row.notification
            lines += [
                f"• {n.title}",
                *([f"  {n.body}"] if n.body else []),
                *([f"  {absolute(n.url)}"] if n.url else []),
                "",
            ]
        lines.append(_("Change how you are notified: %(url)s") % {"url": absolute("/notifications/settings/")})
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "cppcc-portal"
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        to=[user.email],
        headers={"Message-ID": f"<digest-{user.pk}-{rows[0].pk}@{domain}>"},
    )


def send_digest(user_id: int, *, now, cutoff) -> int:
    """Claim one person's waiting rows and mail them as one digest; returns how many rows it sent."""
    token, ids = _claim(user_id, now, cutoff)
    if not ids:
        return 0
    rows = list(Delivery.objects.filter(pk__in=ids).select_related("notification__recipient").order_by("id"))
    user = rows[0].notification.recipient
    message = _message(user, rows, cutoff)
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the next hourly run tries again, up to NOTIFICATIONS_MAX_ATTEMPTS runs
        final = rows[0].attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        Delivery.objects.filter(pk__in=ids, claim=token).update(
            status=Delivery.Status.FAILED if final else Delivery.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        log.warning("digest for user %s failed: %s", user_id, exc)
        return 0
    Delivery.objects.filter(pk__in=ids, claim=token).update(
        status=Delivery.Status.SENT, sent_at=now, provider_id=message.extra_headers["Message-ID"][:100], last_error=""
    )
    return len(ids)


def send_digests(*, now=None) -> dict:
    """Send every digest that is due now (outside the person's quiet hours)."""
    now = now or timezone.now()
    cutoff = digest_cutoff(now)
    user_ids = sorted(set(_waiting(now, cutoff).values_list("notification__recipient_id", flat=True)))
    quiet = {
        p.user_id: quiet_until(p.quiet_start, p.quiet_end, now)
        for p in NotificationSettings.objects.filter(user_id__in=user_ids, quiet_start__isnull=False)
    }
    totals = {"digests": 0, "notices": 0, "held": 0}
    for user_id in user_ids:
        if quiet.get(user_id):
            totals["held"] += 1
            continue
        sent = send_digest(user_id, now=now, cutoff=cutoff)
        totals["digests"] += bool(sent)
        totals["notices"] += sent
    return totals
