"""Reminder rules: each finds who must hear about what, and ``run_rule`` sends it through ``notify_many()``.

Another app registers a rule in ``<app>/reminders.py`` (imported at start-up)::

    from core.dates import on_day  # a day on a datetime column as a range (core.dates)
    from notifications import rules
    from notifications.models import Kind

    @rules.register("activity_tomorrow", kind=Kind.ACTIVITY_TOMORROW, lead_days=1, hour=18)
    def activity_tomorrow(*, today, lead_days):
        day = today + timedelta(days=lead_days)
        for activity in Activity.objects.filter(on_day("starts_at", day)).select_related(...).iterator(chunk_size=500):
            for user in ...:
                yield rules.Reminder(recipient=user, obj=activity, due=day, title=..., body=..., url=...)

``manage.py setup_schedules`` then creates its PeriodicTask (staff edit time and lead days in the admin).
Rules must scan with bounded queries (``iterator()``, ``select_related``), never one query per member.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import models

log = logging.getLogger(__name__)


@dataclass
class Reminder:
    recipient: object
    obj: models.Model | None
    due: date
    title: str
    body: str = ""
    url: str = ""
    kind: str | None = None  # defaults to the rule's kind
    key: str = ""


@dataclass
class Rule:
    name: str
    kind: str
    func: Callable[..., Iterable[Reminder]]
    lead_days: int = 0
    schedule: dict = field(default_factory=lambda: {"minute": "0", "hour": "8"})  # crontab fields
    description: str = ""


REGISTRY: dict[str, Rule] = {}


def register(name: str, *, kind: str, lead_days: int = 0, description: str = "", **crontab):
    """Decorator: register ``func(*, today, lead_days)`` yielding Reminders under ``name``."""

    def wrap(func):
        REGISTRY[name] = Rule(
            name=name,
            kind=kind,
            func=func,
            lead_days=lead_days,
            schedule=crontab or {"minute": "0", "hour": "8"},
            description=description or (func.__doc__ or "").strip().split("\n")[0],
        )
        return func

    return wrap


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def run_rule(name: str, *, today: date, lead_days: int | None = None) -> dict:
    """Run one rule: what it yields goes through ``notify_many()`` in batches (one transaction and a fixed number
    of queries per batch; a rerun sends nothing new)."""
    from .services import Notice, notify_many

    rule = REGISTRY[name]
    seen = 0

    def notices():
        nonlocal seen
        for reminder in rule.func(today=today, lead_days=rule.lead_days if lead_days is None else lead_days):
            seen += 1
            yield Notice(
                kind=reminder.kind or rule.kind,
                recipient=reminder.recipient,
                obj=reminder.obj,
                due=reminder.due,
                title=reminder.title,
                body=reminder.body,
                url=reminder.url,
                key=reminder.key,
            )

    created = notify_many(notices(), enqueue=False)
    log.info("reminder rule %s: %s due, %s new", name, seen, created)
    return {"rule": name, "due": seen, "created": created}
