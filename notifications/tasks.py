"""Celery tasks: send pending deliveries, run reminder rules, drain the outbox. All safe to run twice."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbox

from . import delivery, rules
from .services import DELIVER_TASK, DIGEST_TASK

log = logging.getLogger(__name__)


@shared_task(name=DELIVER_TASK, acks_late=True)
def deliver_pending(batch_size: int | None = None, budget_seconds: float | None = None) -> dict:
    """Send due deliveries batch by batch for a bounded time; queue a follow-up when more remain."""
    started = time.monotonic()
    budget = settings.NOTIFICATIONS_TASK_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    totals = {"sent": 0, "retrying": 0, "failed": 0, "batches": 0}
    while True:
        result = delivery.deliver_batch(limit=batch_size)
        if not result.claimed:
            return totals
        totals["batches"] += 1
        for key in ("sent", "retrying", "failed"):
            totals[key] += getattr(result, key)
        if time.monotonic() - started > budget:
            break
    with transaction.atomic():
        outbox.enqueue(DELIVER_TASK, batch_size, budget_seconds)
    return totals


@shared_task(name="core.notifications.run_rule", acks_late=True)
def run_rule(rule: str, lead_days: int | None = None) -> dict:
    """Beat entry point per rule (kwargs editable in the admin): notify what is due, then send it."""
    if rule not in rules.REGISTRY:
        log.warning("reminder rule %s is not registered; skipped", rule)
        return {"rule": rule, "skipped": True}
    result = rules.run_rule(rule, today=timezone.localdate(), lead_days=lead_days)
    with transaction.atomic():
        outbox.enqueue(DELIVER_TASK)
    return result


@shared_task(name="core.notifications.run_all_rules", acks_late=True)
def run_all_rules() -> list[dict]:
    """Run every registered rule with its default lead time."""
    return [run_rule(name) for name in sorted(rules.REGISTRY)]


@shared_task(name="core.notifications.drain_outbox", acks_late=True)
def drain_outbox() -> int:
    """Publish what a broker outage (or a failed event subscriber, dated into the future) left in the outbox."""
    from core.events import prune_receipts

    prune_receipts()  # one indexed DELETE; receipts only guard against a second delivery within days
    return outbox.drain(older_than_seconds=settings.NOTIFICATIONS_OUTBOX_GRACE_SECONDS)


@shared_task(name=DIGEST_TASK, acks_late=True)
def send_digests() -> dict:
    """Hourly: mail each daily digest that is due (once a day per person, after their quiet hours)."""
    from . import digest

    return digest.send_digests()
