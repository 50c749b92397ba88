"""Run after-commit event subscribers in the test, as the worker would (tests keep the outbox rows: their
transaction never commits, so nothing is published to a broker)."""

from __future__ import annotations

from django.utils import timezone

from core.events import DELIVER_TASK
from core.models import OutboxMessage
from core.tasks import deliver_event


def deliver_outboxed_events(*, due_only: bool = False) -> list[str]:
    """Take every queued event delivery out of the outbox and run it; returns each result
    ("done", "retry", "duplicate"). ``due_only`` leaves retries whose back-off has not passed."""
    results = []
    rows = OutboxMessage.objects.filter(task=DELIVER_TASK).order_by("id")
    if due_only:
        rows = rows.filter(created_at__lte=timezone.now())
    for message in list(rows):
        OutboxMessage.objects.filter(pk=message.pk).delete()
        results.append(deliver_event(**message.kwargs))
    return results
