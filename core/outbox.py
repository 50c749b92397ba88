"""A transactional outbox: queue a Celery task so that a broker outage loses nothing.

``enqueue("task.name", *args)`` inside a transaction writes an OutboxMessage row with the data it is
about; after commit the task is published and the row deleted. If the broker is down, the failure is
logged, the row stays, and ``drain_outbox`` (beat) publishes it later. Publishing may happen twice
(a crash between publish and delete), so tasks sent this way must be idempotent — ours are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)

# Tasks whose row stays until the task itself reports it done (it receives ``outbox_id`` and deletes the row in
# its own transaction): published, the row is dated a lease into the future, so if the worker dies holding the
# message (a broker that loses or only much later redelivers an unacknowledged one), ``drain`` publishes it again
# once the lease has passed. Such tasks must tolerate a second copy (event deliveries: their receipt).
KEEP_UNTIL_DONE: dict[str, Callable[[], timedelta]] = {}


def _publish(message: OutboxMessage) -> bool:
    """Send one message to the broker; record and log a failure instead of raising."""
    from cppcc_portal.celery import app

    lease = KEEP_UNTIL_DONE.get(message.task)
    kwargs = {**message.kwargs, "outbox_id": message.pk} if lease else message.kwargs
    try:
        # ignore_result: nothing here waits for a result, and subscribing to one would touch the result
        # backend (Redis) too, which retries for many seconds inside the request when Redis is down.
        app.send_task(message.task, args=message.args, kwargs=kwargs, retry=False, ignore_result=True)
    except Exception as exc:  # broker down, DNS, auth: the web request must not fail because of it
        log.warning("could not queue %s (outbox #%s kept for later): %s", message.task, message.pk, exc)
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1, last_error=str(exc)[:2000])
        return False
    if lease:  # the task deletes it when done; until then it waits out the lease
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() + lease())
    else:
        OutboxMessage.objects.filter(pk=message.pk).delete()
    return True


def enqueue(task: str, *args, **kwargs) -> OutboxMessage:
    """Queue ``task`` once the current transaction commits; kept in the outbox if the broker is down."""
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _publish(message), robust=True)
    return message


def enqueue_many(task: str, kwargs_list: list[dict]) -> list[OutboxMessage]:
    """``enqueue`` ``task`` once per keyword set, in one insert and one publishing step after commit (a batch
    action's events: the query count stays the same whatever the batch's size)."""
    messages = OutboxMessage.objects.bulk_create([OutboxMessage(task=task, kwargs=kw) for kw in kwargs_list])
    transaction.on_commit(lambda: _publish_many(messages), robust=True)
    return messages


def _publish_many(messages: list[OutboxMessage]) -> None:
    """Send a batch to the broker, then settle the sent rows in one write; a failure keeps the rest for ``drain``."""
    from cppcc_portal.celery import app

    sent = []
    for message in messages:
        lease = KEEP_UNTIL_DONE.get(message.task)
        kwargs = {**message.kwargs, "outbox_id": message.pk} if lease else message.kwargs
        try:
            app.send_task(message.task, args=message.args, kwargs=kwargs, retry=False, ignore_result=True)
        except Exception as exc:  # the broker is down: keep this one and the rest for drain_outbox
            log.warning(
                "could not queue %s (outbox #%s and %s more kept for later): %s",
                message.task,
                message.pk,
                len(messages) - len(sent) - 1,
                exc,
            )
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1, last_error=str(exc)[:2000]
            )
            break
        sent.append(message)
    leased = [m.pk for m in sent if KEEP_UNTIL_DONE.get(m.task)]
    if leased:
        OutboxMessage.objects.filter(pk__in=leased).update(created_at=timezone.now() + KEEP_UNTIL_DONE[sent[0].task]())
    done = [m.pk for m in sent if not KEEP_UNTIL_DONE.get(m.task)]
    if done:
        OutboxMessage.objects.filter(pk__in=done).delete()


def enqueue_once(task: str) -> OutboxMessage | None:
    """``enqueue`` an argument-less task unless this transaction already queued it (e.g. the sender after each
    of a subscriber's many ``notify()`` calls): one sender run per commit is enough."""
    for _savepoints, func, _robust in transaction.get_connection().run_on_commit:
        if getattr(func, "outbox_task", None) == task:
            return None
    message = OutboxMessage.objects.create(task=task)

    def publish():
        _publish(message)

    publish.outbox_task = task
    transaction.on_commit(publish, robust=True)
    return message


def drain(*, older_than_seconds: int = 30, limit: int = 500) -> int:
    """Publish messages left behind by a broker outage; returns how many went out."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    published = 0
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(created_at__lt=cutoff).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        for message in list(qs[:limit]):
            if not _publish(message):
                break  # the broker is still down: stop, rather than hold the rows while each attempt times out
            published += 1
    return published
