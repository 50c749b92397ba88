"""System checks of the deployment (``manage.py check --deploy``)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def portal_base_url(app_configs=None, **kwargs):
    """Links in e-mail, SMS and calendars are built on PORTAL_BASE_URL: a member's phone must reach it."""
    parts = urlsplit(settings.PORTAL_BASE_URL)
    host = parts.hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if local or parts.scheme != "https":
        return [
            Warning(
                f"PORTAL_BASE_URL is {settings.PORTAL_BASE_URL!r}: links in e-mail, SMS, calendars and the "
                "sign-in QR code would not reach members.",
                hint="Set PORTAL_BASE_URL to the portal's public https address, e.g. https://portal.example.gov.cn.",
                id="portal.W001",
            )
        ]
    return []
