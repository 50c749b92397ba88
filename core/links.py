"""Absolute links to the portal, the one way they are made: ``PORTAL_BASE_URL`` (scheme and host, as members
reach the portal) followed by the path. Every link that leaves the page goes through ``absolute_url``: e-mail,
SMS, the calendar feed and its subscription link, the sign-in QR code, the API's download links. Never the
request's host (``build_absolute_uri``): behind the proxy that is an internal name, and a task has no request.
``tests/core/test_links.py`` scans the code for other ways."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``/me/`` -> ``https://portal.example.gov.cn/me/``; a link that is absolute already is left alone."""
    if not path or path.startswith(("http://", "https://")):
        return path
    base: str = settings.PORTAL_BASE_URL
    return base.rstrip("/") + "/" + path.lstrip("/")
