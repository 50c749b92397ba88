"""Domain events: a service says what happened, and the apps that care react without being imported by it.

Apps depend one way (core <- groups <- proposals <- consultations <- assessments). When a change below must
cause work above — a corrected attendance makes a duty-record roll-up stale, an assignment tells a unit —
the service publishes a named, typed event and the app above subscribes to it::

    # proposals/events.py: the facts a subscriber needs, as ids and plain values
    @dataclass(frozen=True, kw_only=True)
    class ProposalAssigned(Event):
        name = "proposals.assigned"
        proposal_id: int
        unit_ids: tuple[int, ...]

    # proposals/services/handling.py, inside the service's transaction
    publish(ProposalAssigned(proposal_id=proposal.pk, unit_ids=..., actor_id=actor_id(actor)))

    # <any app at or above proposals>/subscribers.py (imported at start-up, like reminders.py)
    @subscribe(ProposalAssigned)
    def tell_the_units(event: ProposalAssigned) -> None: ...

Two kinds of subscriber:

- ``@subscribe(E)`` (the default) runs **after the transition commits**, in a worker. ``publish`` writes one
  outbox row per subscriber in the service's transaction (``core.outbox``: it survives a
  Redis outage); the worker runs the subscriber in its own transaction together with an ``EventReceipt``
  (unique per event and subscriber), so a delivery that arrives twice acts once. A subscriber that raises
  cannot undo the transition (it committed already); its transaction rolls back and the outbox tries it
  again later, 1, 2, 4 … minutes apart (at most a day), until it succeeds. Use it for notices and anything
  that talks to the outside world.
- ``@subscribe(E, inline=True)`` runs **inside the publisher's transaction**, at the ``publish`` call: it
  commits or rolls back with the transition. Only for a small write to our own database that must never
  be missing once the transition is visible, e.g. marking roll-ups stale (one UPDATE): done after commit,
  a roll-up could start between the commit and the mark and be taken as current.

A subscriber to a base class receives every subclass (``DutyRecordChanged`` covers every duty fact).
"""

from __future__ import annotations

import dataclasses
import logging
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import UnionType
from typing import ClassVar

from django.db import IntegrityError, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

DELIVER_TASK = "core.events.deliver"
MAX_RETRY_DELAY = timedelta(days=1)


def _delivery_lease() -> timedelta:
    """How long a published delivery may take before ``drain_outbox`` sends it again (its worker died)."""
    from django.conf import settings

    return timedelta(seconds=settings.EVENTS_DELIVERY_LEASE_SECONDS)


EVENT_TYPES: dict[str, type[Event]] = {}


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened. Subclasses set ``name`` ("<app>.<what happened>") and add their facts as
    fields of plain types (int, str, bool, date, datetime, tuples of those, ``None``): they travel as JSON.
    ``occurred_at`` is taken when the service makes the event and travels with it, retries included."""

    name: ClassVar[str] = ""
    actor_id: int | None = None
    event_id: str = dataclasses.field(default_factory=_new_id)
    occurred_at: datetime = dataclasses.field(default_factory=timezone.now)

    @property
    def occurred_on(self) -> date:
        """The local day it happened: the day a notice it raises is dated, and so keyed, on (``notify`` keys on
        the day), never the day of the delivery, so a delivery retried or replayed on a later day adds nothing."""
        return timezone.localdate(self.occurred_at)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name:
            known = EVENT_TYPES.get(name)
            if known is not None and known.__qualname__ != cls.__qualname__:
                raise ValueError(f"event name {name!r} is used by {known.__module__}.{known.__qualname__} already")
            EVENT_TYPES[name] = cls

    def to_data(self) -> dict:
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_data(cls, data: dict):
        hints = typing.get_type_hints(cls)
        return cls(**{f.name: _load(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data})


def actor_id(actor) -> int | None:
    """The acting user's id for an event (``None`` for the system or an anonymous request)."""
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def _dump(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    return value


def _load(hint, value):
    """JSON back into the declared type: dates, datetimes and (nested) tuples; the rest as it is."""
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, UnionType):
        return _load(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v) for v in value)
        return tuple(_load(a, v) for a, v in zip(args, value, strict=True))
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True)
class Subscriber:
    event_type: type[Event]
    func: Callable[[Event], None]
    inline: bool

    @property
    def key(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


SUBSCRIBERS: dict[str, Subscriber] = {}


def subscribe(event_type: type[Event], *, inline: bool = False):
    """Decorator: call ``func(event)`` for every published ``event_type`` (and its subclasses); see the
    module's docstring for after-commit (default) and ``inline``."""

    def wrap(func):
        subscriber = Subscriber(event_type=event_type, func=func, inline=inline)
        SUBSCRIBERS[subscriber.key] = subscriber
        return func

    return wrap


def subscribers_of(event: Event) -> list[Subscriber]:
    return sorted((s for s in SUBSCRIBERS.values() if isinstance(event, s.event_type)), key=lambda s: s.key)


def publish(event: Event) -> Event:
    """Announce ``event`` from inside the service's transaction: inline subscribers run now, the others get an
    outbox row each and run once the transaction commits (never if it rolls back)."""
    from core import outbox

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() belongs inside the transaction of the service that made the change")
    if not event.name:
        raise TypeError(f"{type(event).__name__} has no name")
    for subscriber in subscribers_of(event):
        if subscriber.inline:
            subscriber.func(event)
        else:
            outbox.enqueue(DELIVER_TASK, event=event.name, data=event.to_data(), subscriber=subscriber.key)
    return event


def publish_many(events: list[Event]) -> None:
    """``publish`` a batch action's events (one per record it changed): inline subscribers run for each, the
    others' outbox rows are written in one insert, whatever the batch's size."""
    from core import outbox

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish_many() belongs inside the transaction of the service that made the change")
    queued: list[dict] = []
    for event in events:
        if not event.name:
            raise TypeError(f"{type(event).__name__} has no name")
        for subscriber in subscribers_of(event):
            if subscriber.inline:
                subscriber.func(event)
            else:
                queued.append({"event": event.name, "data": event.to_data(), "subscriber": subscriber.key})
    if queued:
        outbox.enqueue_many(DELIVER_TASK, queued)


def deliver(*, event: str, data: dict, subscriber: str, attempt: int = 1, outbox_id: int | None = None) -> str:
    """Run one after-commit subscriber for one event (the worker's task); returns what happened.

    The receipt and the subscriber's writes share one transaction: either both are there (done, and a second
    delivery finds the receipt) or neither (and the outbox tries again later). The delivery's outbox row
    (``outbox_id``) goes in that transaction too: until then a worker killed holding the message leaves the row,
    and ``drain_outbox`` publishes it again once its lease has passed.
    """
    from core.models import EventReceipt, OutboxMessage

    def done_with_row() -> None:
        if outbox_id is not None:
            OutboxMessage.objects.filter(pk=outbox_id, task=DELIVER_TASK).delete()

    target = SUBSCRIBERS.get(subscriber)
    if target is None or event not in EVENT_TYPES:
        log.error("event %s for subscriber %s: not registered here; dropped", event, subscriber)
        done_with_row()
        return "unknown"
    try:
        payload = EVENT_TYPES[event].from_data(data)
    except (TypeError, KeyError, ValueError):  # stored before its class changed: no retry can ever read it
        log.exception("event %s for subscriber %s: its data no longer fits the event; dropped", event, subscriber)
        done_with_row()
        return "unknown"
    try:
        with transaction.atomic():
            done_with_row()
            try:
                with transaction.atomic():  # a savepoint: the duplicate's insert fails without spoiling the rest
                    EventReceipt.objects.create(event_id=payload.event_id, subscriber=subscriber, event_name=event)
            except IntegrityError:
                return "duplicate"
            target.func(payload)
    except Exception as exc:
        log.exception("event %s %s: subscriber %s failed (attempt %s)", event, payload.event_id, subscriber, attempt)
        with transaction.atomic():  # the retry's row replaces this delivery's
            done_with_row()
            _retry_later(event=event, data=data, subscriber=subscriber, attempt=attempt, error=exc)
        return "retry"
    return "done"


def _retry_later(*, event: str, data: dict, subscriber: str, attempt: int, error: Exception) -> None:
    """Keep the delivery in the outbox, dated into the future: beat's ``drain_outbox`` publishes it once that
    time has passed (1, 2, 4 … minutes after the failure, at most a day)."""
    from core.models import OutboxMessage

    delay = min(timedelta(minutes=2 ** (attempt - 1)), MAX_RETRY_DELAY)
    message = OutboxMessage.objects.create(
        task=DELIVER_TASK,
        kwargs={"event": event, "data": data, "subscriber": subscriber, "attempt": attempt + 1},
        attempts=attempt,
        last_error=repr(error)[:2000],
    )
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() + delay)


def keep_deliveries_until_done() -> None:
    """Called from ``CoreConfig.ready``: each delivery's outbox row stays until ``deliver`` has done it."""
    from core import outbox

    outbox.KEEP_UNTIL_DONE[DELIVER_TASK] = _delivery_lease


def prune_receipts(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Forget receipts no delivery can still need (retries are at most a day apart)."""
    from core.models import EventReceipt

    deleted, _ = EventReceipt.objects.filter(handled_at__lt=timezone.now() - older_than).delete()
    return deleted
