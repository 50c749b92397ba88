"""The private calendar feed: providers yield a user's events, rendered as iCalendar (RFC 5545).

Another app registers a provider in ``<app>/calendars.py`` (imported at start-up)::

    from notifications import calendar

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

import icalendar
from django.utils import timezone

from core.links import absolute_url


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


def _utc(value: datetime | date) -> datetime | date:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def render(events: Iterable[Event], *, name: str, now=None) -> str:
    """The feed as iCalendar text; the icalendar package escapes and folds every value (RFC 5545 3.1, 3.3.11),
    so a title with a line break, a comma or a semicolon stays one value of one event."""
    cal = icalendar.Calendar()
    for key, value in (
        ("prodid", "-//cppcc-portal//calendar//ZH"),
        ("version", "2.0"),
        ("calscale", "GREGORIAN"),
        ("method", "PUBLISH"),
        ("x-wr-calname", icalendar.vText(name)),
        ("x-wr-timezone", "Asia/Shanghai"),
    ):
        cal.add(key, value)
    stamp = _utc(now or timezone.now())
    for e in events:
        event = icalendar.Event()
        event.add("uid", f"{e.uid}@cppcc-portal")
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(e.start))
        if e.end:
            event.add("dtend", _utc(e.end))
        event.add("summary", e.title)
        for key, value in (("location", e.location), ("description", e.description)):
            if value:
                event.add(key, value)
        if e.url:
            event.add("url", absolute_url(e.url))
        cal.add_component(event)
    return cal.to_ical().decode()
