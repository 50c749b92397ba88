"""Run after-commit event subscribers in the test, as the worker would (tests keep the outbox rows: their
transaction never commits, so nothing is published to a broker)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from core.events import DELIVER_TASK, EVENT_TYPES, SUBSCRIBERS
from core.models import OutboxMessage
from core.tasks import deliver_event
from notifications.models import Notification

REPLAY_AFTER = timedelta(days=3)


class _Undo(Exception):
    pass


def assert_replay_later_adds_no_notice(kwargs: dict) -> None:
    """Run one delivered subscriber again for the same event ``REPLAY_AFTER`` later (a retry or a second delivery
    on a later day, past its receipt) and fail if that adds a notice: a notice raised by an event is keyed on the
    event's own day or record, never on the day it is sent. Whatever the replay writes is rolled back."""
    event = EVENT_TYPES[kwargs["event"]].from_data(kwargs["data"])
    before = set(Notification.objects.values_list("pk", flat=True))
    try:
        with transaction.atomic(), time_machine.travel(timezone.now() + REPLAY_AFTER, tick=False):
            SUBSCRIBERS[kwargs["subscriber"]].func(event)
            added = list(Notification.objects.exclude(pk__in=before).values_list("kind", "subject", "due"))
            raise _Undo
    except _Undo:
        pass
    assert not added, (
        f"{kwargs['subscriber']} sent {added} again when {kwargs['event']} was replayed {REPLAY_AFTER.days} days "
        "later: key its notices on the event's day (event.occurred_on) or its record's, not on today"
    )


def deliver_outboxed_events(*, due_only: bool = False, replay: bool = True) -> list[str]:
    """Take every queued event delivery out of the outbox and run it; returns each result
    ("done", "retry", "duplicate"). ``due_only`` leaves retries whose back-off has not passed.

    With ``replay`` (the default) each delivery that sent a notice is run once more days later, rolled back, and
    must add none (``assert_replay_later_adds_no_notice``): every test that delivers events checks the notices
    its subscribers send for that."""
    results = []
    rows = OutboxMessage.objects.filter(task=DELIVER_TASK).order_by("id")
    if due_only:
        rows = rows.filter(created_at__lte=timezone.now())
    for message in list(rows):
        OutboxMessage.objects.filter(pk=message.pk).delete()
        count = Notification.objects.count()
        results.append(deliver_event(**message.kwargs))
        if replay and results[-1] == "done" and Notification.objects.count() > count:
            assert_replay_later_adds_no_notice(message.kwargs)
    return results
