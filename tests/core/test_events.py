"""Domain events (core/events.py): inline subscribers share the transition's transaction; after-commit ones go
through the outbox, cannot undo the transition, are retried when they fail and act once per event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from core import events, outbox
from core.models import AuditEvent, EventReceipt, OutboxMessage, User
from core.services import record_event
from core.tasks import deliver_event
from tests.events import deliver_outboxed_events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True, kw_only=True)
class Renamed(events.Event):
    name = "tests.renamed"
    user_id: int
    new_name: str


@dataclass(frozen=True, kw_only=True)
class RenamedOnDays(Renamed):
    name = "tests.renamed_on_days"
    days: tuple[tuple[int, date], ...] = ()
    when: datetime | None = None


@transaction.atomic
def user_rename(*, user_id: int, name: str, actor=None) -> User:
    """A stand-in service: lock, change, audit, publish."""
    user = User.objects.select_for_update().get(pk=user_id)
    user.name = name
    user.save(update_fields=["name"])
    events.publish(Renamed(user_id=user.pk, new_name=name, actor_id=events.actor_id(actor)))
    return user


@pytest.fixture
def subscribed():
    """Register subscribers for one test only: the registry is as it was after the test."""
    registered = dict(events.SUBSCRIBERS)

    def add(event_type, func, *, inline=False):
        events.subscribe(event_type, inline=inline)(func)
        return func

    yield add
    events.SUBSCRIBERS.clear()
    events.SUBSCRIBERS.update(registered)


def test_an_after_commit_subscriber_runs_once_delivered_and_a_second_delivery_does_nothing(subscribed):
    seen = []

    def audit(event):
        seen.append(event)
        record_event(User.objects.get(pk=event.user_id), actor=None, verb="updated", comment="renamed_seen")

    subscribed(Renamed, audit)
    user = UserFactory()
    user_rename(user_id=user.pk, name="王五", actor=user)
    assert seen == []  # nothing runs inside the transition's transaction
    message = OutboxMessage.objects.get(task=events.DELIVER_TASK)
    assert message.kwargs["subscriber"] == f"{audit.__module__}.{audit.__qualname__}"

    assert deliver_event(**message.kwargs) == "done"
    assert deliver_event(**message.kwargs) == "duplicate"  # the outbox published it twice, say
    assert [(e.user_id, e.new_name, e.actor_id) for e in seen] == [(user.pk, "王五", user.pk)]
    assert AuditEvent.objects.filter(verb="updated", comment="renamed_seen").count() == 1
    assert EventReceipt.objects.get().event_name == "tests.renamed"


def test_a_subscriber_that_raises_keeps_the_transition_and_is_retried_until_it_acts_once(subscribed):
    calls = []

    def flaky(event):
        calls.append(event.event_id)
        record_event(User.objects.get(pk=event.user_id), actor=None, verb="updated", comment="flaky_wrote")
        if len(calls) == 1:
            raise RuntimeError("the mail server is down")

    subscribed(Renamed, flaky)
    user = UserFactory(name="张三")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        user_rename(user_id=user.pk, name="李四")
        assert deliver_outboxed_events() == ["retry"]
    user.refresh_from_db()
    assert user.name == "李四"  # the transition stands
    assert not AuditEvent.objects.filter(
        verb="updated", comment="flaky_wrote"
    ).exists()  # the failed attempt left nothing
    assert not EventReceipt.objects.exists()
    retry = OutboxMessage.objects.get(task=events.DELIVER_TASK)
    assert (retry.kwargs["attempt"], retry.attempts) == (2, 1) and "mail server" in retry.last_error
    assert retry.created_at > now  # dated into the future: beat's drain publishes it after the back-off

    with time_machine.travel(now + timedelta(seconds=40), tick=False):
        assert outbox.drain(older_than_seconds=30, limit=10) == 0  # not yet: the first retry waits a minute
    with time_machine.travel(now + timedelta(minutes=2), tick=False):
        assert deliver_outboxed_events(due_only=True) == ["done"]
    assert deliver_event(**retry.kwargs) == "duplicate"
    assert len(calls) == 2 and len(set(calls)) == 1  # the same event both times
    assert AuditEvent.objects.filter(verb="updated", comment="flaky_wrote").count() == 1  # exactly once in effect


def test_retries_back_off_to_at_most_a_day(subscribed):
    def broken(event):
        raise RuntimeError("still broken")

    subscribed(Renamed, broken)
    user = UserFactory()
    user_rename(user_id=user.pk, name="x")
    message = OutboxMessage.objects.get(task=events.DELIVER_TASK)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert deliver_event(**{**message.kwargs, "attempt": 30}) == "retry"
    retry = OutboxMessage.objects.filter(task=events.DELIVER_TASK).latest("id")
    assert retry.kwargs["attempt"] == 31
    assert retry.created_at == now + events.MAX_RETRY_DELAY


def test_an_inline_subscriber_runs_in_the_transition_and_fails_with_it(subscribed):
    def strict(event):
        record_event(User.objects.get(pk=event.user_id), actor=None, verb="updated", comment="inline_seen")
        if event.new_name == "bad":
            raise ValueError("no")

    subscribed(Renamed, strict, inline=True)
    user = UserFactory(name="张三")
    user_rename(user_id=user.pk, name="good")
    assert AuditEvent.objects.filter(verb="updated", comment="inline_seen").count() == 1  # at once, no outbox row
    assert not OutboxMessage.objects.filter(task=events.DELIVER_TASK).exists()
    with pytest.raises(ValueError):
        user_rename(user_id=user.pk, name="bad")
    user.refresh_from_db()
    assert user.name == "good" and AuditEvent.objects.filter(verb="updated", comment="inline_seen").count() == 1


def test_nothing_is_delivered_when_the_transition_rolls_back(subscribed):
    subscribed(Renamed, lambda event: None)
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        user_rename(user_id=user.pk, name="x")
        raise RuntimeError("the service failed after publishing")
    assert not OutboxMessage.objects.exists()


def test_a_subscriber_to_a_base_event_receives_its_subclasses_and_the_facts_survive_json(subscribed):
    got = []
    subscribed(Renamed, got.append)
    user = UserFactory()
    when = timezone.now().replace(microsecond=0)
    event = RenamedOnDays(user_id=user.pk, new_name="n", days=((3, date(2026, 2, 1)),), when=when)
    with transaction.atomic():
        events.publish(event)
    deliver_outboxed_events()
    assert got == [event]  # its id and the moment it happened (occurred_at) included


def test_publish_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.publish(Renamed(user_id=1, new_name="x"))


def test_two_event_types_cannot_share_a_name():
    with pytest.raises(ValueError, match="used by"):

        @dataclass(frozen=True, kw_only=True)
        class Clash(events.Event):
            name = "tests.renamed"


def test_old_receipts_are_pruned():
    EventReceipt.objects.create(event_id="a", subscriber="s", event_name="tests.renamed")
    EventReceipt.objects.filter(event_id="a").update(handled_at=timezone.now() - timedelta(days=31))
    EventReceipt.objects.create(event_id="b", subscriber="s", event_name="tests.renamed")
    assert events.prune_receipts() == 1
    assert list(EventReceipt.objects.values_list("event_id", flat=True)) == ["b"]


def test_when_not_even_the_retry_can_be_written_the_message_goes_back_to_the_broker(subscribed, monkeypatch):
    def broken(event):
        raise RuntimeError("subscriber failed")

    def database_down(**kwargs):
        raise ConnectionError("database down")

    subscribed(Renamed, broken)
    user = UserFactory()
    user_rename(user_id=user.pk, name="x")
    message = OutboxMessage.objects.get(task=events.DELIVER_TASK)
    monkeypatch.setattr(events, "_retry_later", database_down)
    retried = []

    def retry(**kwargs):
        retried.append(kwargs)
        return Retry()

    monkeypatch.setattr(deliver_event, "retry", retry)
    with pytest.raises(Retry):
        deliver_event(**message.kwargs)
    assert retried[0]["countdown"] == 60  # Celery sends it again in a minute; nothing is lost
    assert isinstance(retried[0]["exc"], ConnectionError)


def test_a_published_delivery_keeps_its_outbox_row_until_it_is_done_and_drain_resends_it_after_the_lease(
    subscribed, monkeypatch, settings
):
    """The broker may lose a message its worker held when killed (the filesystem broker takes it out on fetch;
    Redis gives it back only after an hour): the row stays, dated a lease ahead, and goes with the delivery."""
    from cppcc_portal.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append(kw["kwargs"]))
    settings.EVENTS_DELIVERY_LEASE_SECONDS = 300
    calls = []
    subscribed(Renamed, lambda event: calls.append(event.event_id))
    user = UserFactory(name="张三")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        user_rename(user_id=user.pk, name="李四")
        row = OutboxMessage.objects.get(task=events.DELIVER_TASK)
        assert outbox._publish(row) is True  # what happens after commit
    row.refresh_from_db()  # kept, dated a lease ahead
    assert row.created_at == now + timedelta(seconds=300) and sent[0]["outbox_id"] == row.pk
    with time_machine.travel(now + timedelta(seconds=200), tick=False):
        assert outbox.drain(older_than_seconds=30) == 0  # within the lease: the worker may still be at it
    with time_machine.travel(now + timedelta(seconds=340), tick=False):
        assert outbox.drain(older_than_seconds=30) == 1  # past it: the worker died holding it; sent again
    assert OutboxMessage.objects.filter(pk=row.pk).exists() and len(sent) == 2
    assert deliver_event(**sent[0]) == "done"  # the first copy, late: does it, and the row goes with it
    assert not OutboxMessage.objects.exists()
    assert deliver_event(**sent[1]) == "duplicate" and len(calls) == 1


def test_a_failed_delivery_s_row_is_replaced_by_its_retry(subscribed, monkeypatch):
    from cppcc_portal.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append(kw["kwargs"]))

    def broken(event):
        raise RuntimeError("down")

    subscribed(Renamed, broken)
    user_rename(user_id=UserFactory().pk, name="李四")
    row = OutboxMessage.objects.get(task=events.DELIVER_TASK)
    outbox._publish(row)
    assert deliver_event(**sent[0]) == "retry"
    retry = OutboxMessage.objects.get(task=events.DELIVER_TASK)  # one row: the retry's, not the first one too
    assert retry.pk != row.pk and retry.kwargs["attempt"] == 2


def test_a_notice_an_event_raises_is_dated_the_day_it_happened_so_a_retry_days_later_sends_it_once(subscribed):
    from notifications.models import Kind, Notification
    from notifications.services import notify

    attempts = []

    def tell(event):
        attempts.append(event)
        notify(
            kind=Kind.GENERIC,
            recipient=User.objects.get(pk=event.user_id),
            key=f"renamed:{event.event_id}",
            due=event.occurred_on,
            title=event.new_name,
        )
        if len(attempts) == 1:
            raise ConnectionError("the first attempt fails after its notice")  # rolled back with it

    subscribed(Renamed, tell)
    user = UserFactory()
    user_rename(user_id=user.pk, name="赵六")
    today = timezone.localdate()
    assert deliver_outboxed_events() == ["retry"]
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert deliver_outboxed_events() == ["done"]  # and replayed once more, later still: nothing new
        tell(attempts[0])  # a second delivery past its receipt, say
    assert list(Notification.objects.values_list("due", flat=True)) == [today]
    assert attempts[0].occurred_on == today == timezone.localdate(attempts[0].occurred_at)


def test_a_notice_dated_the_day_it_is_sent_fails_the_replay_check_of_every_delivering_test(subscribed):
    from notifications.models import Kind, Notification
    from notifications.services import notify

    def tell(event):  # the defect: no due, so notify dates it today, and a replay tomorrow is a second notice
        notify(kind=Kind.GENERIC, recipient=User.objects.get(pk=event.user_id), key=event.event_id, title="x")

    subscribed(Renamed, tell)
    user = UserFactory()
    user_rename(user_id=user.pk, name="钱七")
    with pytest.raises(AssertionError, match="replayed 3 days later"):
        deliver_outboxed_events()
    assert Notification.objects.count() == 1  # the replay's notice rolled back
