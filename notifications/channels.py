"""Channels behind one interface: in-app (always), e-mail (Django's backend), SMS (an adapter in ``sms.py``).

A channel's ``send(delivery)`` returns the provider's receipt id (sent) or raises: ``errors.RetryLater`` (rate
limited), ``errors.PermanentFailure`` (refused for good), anything else (failed; retried with backoff).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from core.links import absolute_url
from core.sms import sms_template

from .models import Channel, Delivery


class ChannelBackend(Protocol):
    def send(self, delivery: Delivery) -> str: ...


def message_id(delivery: Delivery) -> str:
    """A stable Message-ID per delivery, so a resend after a crash is recognised as the same mail."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "cppcc-portal"
    return f"<notification-{delivery.notification_id}-{delivery.channel}@{domain}>"


class InAppChannel:
    """The Notification row itself is the in-app message: nothing more to send."""

    def send(self, delivery: Delivery) -> str:
        return ""


class EmailChannel:
    def send(self, delivery: Delivery) -> str:
        n = delivery.notification
        body = "\n\n".join(part for part in (n.body, absolute_url(n.url)) if part)
        mid = message_id(delivery)
        EmailMessage(subject=n.title, body=body, to=[n.recipient.email], headers={"Message-ID": mid}).send(
            fail_silently=False
        )
        return mid


# SMS template variables are short at every vendor (Alibaba Cloud: 35 characters for a notice's variable)
SMS_PARAM_LIMIT = 35


def sms_params(title: str, url: str = "") -> dict[str, str]:
    """A notice's template variables: ${title}, and ${link} (the absolute link) where the notice has one; a
    template that must carry the link (e.g. the first-login one, ``account_invitation``) uses ${link}."""
    params = {"title": title if len(title) <= SMS_PARAM_LIMIT else title[: SMS_PARAM_LIMIT - 1] + "…"}
    if url:
        params["link"] = absolute_url(url)
    return params


class SmsChannel:
    def send(self, delivery: Delivery) -> str:
        n = delivery.notification
        backend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
        # out_id comes back in the vendor's delivery receipt; no vendor offers an idempotency key for SendSms
        return backend.send(
            n.recipient.phone, sms_template(n.kind), sms_params(n.title, n.url), out_id=str(delivery.pk)
        )


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
