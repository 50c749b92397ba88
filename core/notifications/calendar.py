"""The private calendar feed: providers yield a user's events, rendered as iCalendar (RFC 5545).

Another app registers a provider in ``<app>/calendars.py`` (imported at start-up)::

    from core.notifications import calendar

    @calendar.register("activities")
    def activities(user, *, start, end):
        for a in Activity.objects.visible_to(user).filter(starts_at__range=(start, end)).iterator():
            yield calendar.Event(uid=f"activity-{a.pk}", title=a.title, start=a.starts_at, end=a.ends_at,
                                 location=a.place, url=a.get_absolute_url())
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from .channels import absolute


@dataclass
class Event:
    uid: str
    title: str
    start: datetime | date
    end: datetime | date | None = None
    location: str = ""
    description: str = ""
    url: str = ""


PROVIDERS: dict[str, Callable[..., Iterable[Event]]] = {}
WINDOW_BEFORE = timedelta(days=90)
WINDOW_AFTER = timedelta(days=366)


def register(name: str):
    """Decorator: ``func(user, *, start, end)`` yields the user's Events between start and end."""

    def wrap(func):
        PROVIDERS[name] = func
        return func

    return wrap


def unregister(name: str) -> None:
    PROVIDERS.pop(name, None)


def events_for(user, *, now=None) -> list[Event]:
    now = now or timezone.now()
    start, end = now - WINDOW_BEFORE, now + WINDOW_AFTER
    return [event for provider in PROVIDERS.values() for event in provider(user, start=start, end=end)]


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 75:
            out.append(current.decode())
            current = b" "
        current += encoded
    out.append(current.decode())
    return "\r\n".join(out)


def _when(name: str, value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def render(events: Iterable[Event], *, name: str, now=None) -> str:
    stamp = _when("DTSTAMP", now or timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//cppcc-portal//calendar//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{_escape(e.uid)}@cppcc-portal", stamp, _when("DTSTART", e.start)]
        if e.end:
            lines.append(_when("DTEND", e.end))
        lines.append(f"SUMMARY:{_escape(e.title)}")
        if e.location:
            lines.append(f"LOCATION:{_escape(e.location)}")
        if e.description:
            lines.append(f"DESCRIPTION:{_escape(e.description)}")
        if e.url:
            lines.append(f"URL:{absolute(e.url)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
