"""Channels behind one interface: in-app (always), e-mail (Django's backend), SMS (pluggable backend).

A channel's ``send(delivery)`` either returns (sent) or raises (failed; retried with backoff).
"""
from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from core.links import absolute_url

from .models import Channel, Delivery

log = logging.getLogger(__name__)


class ChannelBackend(Protocol):
    def send(self, delivery: Delivery) -> None: ...


def message_id(delivery: Delivery) -> str:
    """A stable Message-ID per delivery, so a resend after a crash is recognised as the same mail."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "cppcc-portal"
    return f"<notification-{delivery.notification_id}-{delivery.channel}@{domain}>"


class InAppChannel:
    """The Notification row itself is the in-app message: nothing more to send."""

    def send(self, delivery: Delivery) -> None:
        return None


class EmailChannel:
    def send(self, delivery: Delivery) -> None:
        n = delivery.notification
        body = "\n\n".join(part for part in (n.body, absolute_url(n.url)) if part)
        EmailMessage(
            subject=n.title, body=body, to=[n.recipient.email], headers={"Message-ID": message_id(delivery)}
        ).send(fail_silently=False)


class LoggingSmsBackend:
    """No SMS vendor yet: write the message to the log. A vendor backend implements the same method."""

    def send_sms(self, *, phone: str, text: str, key: str) -> None:
        from core.privacy import mask_phone

        log.info("SMS to %s [%s]: %s", mask_phone(phone), key, text)  # no phone numbers in the logs


class SmsChannel:
    def send(self, delivery: Delivery) -> None:
        n = delivery.notification
        backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
        # key: the vendor's idempotency key where it has one, so a resend is not charged twice
        backend.send_sms(phone=n.recipient.phone, text=f"{n.title} {absolute_url(n.url)}".strip(),
                         key=f"notification-{n.pk}")


CHANNELS: dict[str, ChannelBackend] = {
    Channel.IN_APP: InAppChannel(),
    Channel.EMAIL: EmailChannel(),
    Channel.SMS: SmsChannel(),
}


def reachable(user, channel: str) -> bool:
    """Whether the user has an address for the channel."""
    if channel == Channel.EMAIL:
        return bool(user.email)
    if channel == Channel.SMS:
        return bool(user.phone)
    return channel == Channel.IN_APP
