"""Residents rate the consultation outcome their message became (issue 20, item 7): the tracking page shows the
published outcome, its reply and follow-up (no names), takes one rating per message with the mailbox's defences,
audited; staff read the ratings; a dissatisfied one is a to-do until the resident is answered again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import Outcome, OutcomeEntry, OutcomeRating
from consultations.services import dissatisfied_outcome_messages, outcome_rate
from core.exceptions import InvalidTransition
from core.models import AuditEvent
from tests.activities.test_mailbox import ADDRESS, point, solved, submit  # noqa: F401  (point: a fixture)
from tests.consultations.factories import SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db


def became_topic(world, message, *, published=True):
    topic = TopicFactory(committee=message.committee, source_message=message)
    session = SessionFactory(committee=message.committee, topic=topic, is_published=True)
    outcome = handed_outcome(
        world.unit,
        session=session,
        state=Outcome.State.PUBLISHED if published else Outcome.State.HANDLING,
        reply="已完成电梯加装选址",
        replied_at=timezone.now(),
    )
    OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.FOLLOW_UP, text="第一部电梯已开工", author=world.staff
    )
    OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.PROGRESS, text="内部进度：王科长", author=world.staff
    )
    return outcome


def form(rating="satisfied", comment="", **kw) -> dict:
    challenge = solved()
    return {
        "orate-rating": rating,
        "orate-comment": comment,
        "orate-website": "",
        "orate-token": challenge["token"],
        "orate-answer": challenge["answer"],
        **kw,
    }


def rate(client, message, data, address=ADDRESS):
    return client.post(reverse("consultations:track_rate", args=[message.tracking_code]), data, REMOTE_ADDR=address)


def test_the_tracking_page_shows_the_outcome_and_takes_one_rating(world, point):  # noqa: F811
    message = submit(point)
    became_topic(world, message)
    client = Client()
    track = reverse("activities:mailbox_track", args=[message.tracking_code])
    page = client.get(track).content.decode()
    assert 'data-testid="became-outcome"' in page and "已完成电梯加装选址" in page and "第一部电梯已开工" in page
    assert "王科长" not in page  # internal progress notes are not public
    assert 'data-testid="outcome-rating-form"' in page
    response = rate(client, message, form("unsatisfied", "进度太慢"))
    assert response.status_code == 302 and response["Location"].endswith("?outcome_rated=1")
    rating = OutcomeRating.objects.get()
    assert (rating.message, rating.rating, rating.comment) == (message, "unsatisfied", "进度太慢")
    assert ADDRESS not in rating.client_key
    assert AuditEvent.objects.filter(verb="outcome_rated", object_id=str(message.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="outcome-rating"' in page and 'data-testid="outcome-rating-form"' not in page
    rate(client, message, form("satisfied"))  # a second try changes nothing
    assert OutcomeRating.objects.get().rating == "unsatisfied"
    with pytest.raises(InvalidTransition):
        outcome_rate(code=message.tracking_code, rating="satisfied", client_address="192.0.2.1")


def test_nothing_to_rate_before_an_outcome_is_published(world, point):  # noqa: F811
    message = submit(point)
    became_topic(world, message, published=False)
    page = Client().get(reverse("activities:mailbox_track", args=[message.tracking_code])).content.decode()
    assert 'data-testid="became-outcome"' not in page and 'data-testid="outcome-rating-form"' not in page
    assert rate(Client(), message, form()).status_code == 302
    with pytest.raises(InvalidTransition):
        outcome_rate(code=message.tracking_code, rating="satisfied", client_address=ADDRESS)
    assert not OutcomeRating.objects.exists()


@pytest.mark.parametrize("change", [{"orate-answer": "99"}, {"orate-website": "http://spam"}, {"orate-rating": "x"}])
def test_the_challenge_and_the_honeypot_guard_the_rating(world, point, change):  # noqa: F811
    message = submit(point)
    became_topic(world, message)
    assert rate(Client(), message, form(**change)).status_code == 400
    assert not OutcomeRating.objects.exists()


def test_the_rate_limit_per_address_applies(world, point, settings):  # noqa: F811
    settings.MAILBOX_PER_ADDRESS_PER_HOUR = 1
    first, second = submit(point, address="198.51.100.1"), submit(point, address="198.51.100.2")
    became_topic(world, first), became_topic(world, second)
    assert rate(Client(), first, form()).status_code == 302
    assert rate(Client(), second, form()).status_code == 400
    assert OutcomeRating.objects.count() == 1


def test_staff_see_the_rating_and_a_dissatisfied_one_is_a_todo_until_answered_again(world, point, client_for):  # noqa: F811
    from cppcc_portal.workbench.todos import BY_SLUG

    message = submit(point)
    became_topic(world, message)
    outcome_rate(code=message.tracking_code, rating="unsatisfied", comment="没有落实", client_address=ADDRESS)
    page = client_for(world.district_staff).get(reverse("activities:message_ratings")).content.decode()
    assert 'data-outcome-rating="unsatisfied"' in page and "没有落实" in page
    assert (
        "data-outcome-rating"
        not in client_for(world.other_staff).get(reverse("activities:message_ratings")).content.decode()
    )
    todo = BY_SLUG["outcome-dissatisfied"]
    assert list(todo.query([world.district.pk], timezone.localdate())) == [message]
    assert todo.row(message).url == reverse("activities:message_detail", args=[message.pk])
    message.answered_at = timezone.now()
    message.save(update_fields=["answered_at"])
    assert not dissatisfied_outcome_messages().exists()


def test_the_tracking_page_takes_a_fixed_number_of_queries(world, point, django_assert_max_num_queries):  # noqa: F811
    message = submit(point)
    for _n in range(1):
        became_topic(world, message)
    client = Client()
    track = reverse("activities:mailbox_track", args=[message.tracking_code])
    client.get(track)
    with django_assert_max_num_queries(12) as few:
        client.get(track)
    for _n in range(3):
        became_topic(world, message)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(track).content.decode().count('data-testid="became-outcome"') == 4


def test_a_dissatisfied_outcome_rating_tells_the_member_the_message_was_passed_to_exactly_once(
    world,
    point,  # noqa: F811
    client_for,
):
    import time_machine

    from activities.services import mailbox
    from consultations.events import OutcomeRatedDissatisfied
    from consultations.subscribers import tell_handler_outcome_dissatisfied
    from notifications.models import Kind, Notification
    from tests.events import deliver_outboxed_events

    message = submit(point)
    mailbox.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    outcome = became_topic(world, message)
    deliver_outboxed_events()
    rated = outcome_rate(code=message.tracking_code, rating="unsatisfied", comment="电梯还没装", client_address=ADDRESS)
    assert not Notification.objects.filter(kind=Kind.OUTCOME_DISSATISFIED).exists()  # after commit, not before
    assert deliver_outboxed_events() == ["done"]
    assert deliver_outboxed_events() == []
    notes = list(Notification.objects.filter(kind=Kind.OUTCOME_DISSATISFIED))
    assert [n.recipient for n in notes] == [world.member]
    assert "电梯还没装" in notes[0].body and outcome.session.topic.title in notes[0].title
    assert notes[0].title.startswith("群众对协商成果不满意")
    assert client_for(world.member).get(notes[0].url).status_code == 200
    event = OutcomeRatedDissatisfied(
        message_id=message.pk, committee_id=message.committee_id, rating_id=rated.pk, actor_id=None
    )
    with time_machine.travel(timezone.now() + timezone.timedelta(days=2)):
        tell_handler_outcome_dissatisfied(event)  # a retry, days later, adds nothing
    tell_handler_outcome_dissatisfied(event)
    assert Notification.objects.filter(kind=Kind.OUTCOME_DISSATISFIED).count() == 1


def test_a_dissatisfied_outcome_rating_of_a_message_passed_to_a_group_tells_its_conveners(world, point):  # noqa: F811
    from activities.services import mailbox
    from notifications.models import Kind, Notification
    from tests.events import deliver_outboxed_events

    message = submit(point)
    mailbox.message_route(message_id=message.pk, actor=world.staff, group_id=world.group.pk)
    became_topic(world, message)
    outcome_rate(code=message.tracking_code, rating="unsatisfied", client_address=ADDRESS)
    deliver_outboxed_events()
    notes = Notification.objects.filter(kind=Kind.OUTCOME_DISSATISFIED)
    assert [n.recipient for n in notes] == [world.convener]
    assert notes[0].body == "请再看一下这条留言及其协商成果，并答复群众。"


@pytest.mark.parametrize("grade", ["satisfied", "basic"])
def test_a_satisfied_outcome_rating_tells_nobody(world, point, grade):  # noqa: F811
    from activities.services import mailbox
    from notifications.models import Notification
    from tests.events import deliver_outboxed_events

    message = submit(point)
    mailbox.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    became_topic(world, message)
    deliver_outboxed_events()
    before = Notification.objects.count()
    outcome_rate(code=message.tracking_code, rating=grade, client_address=ADDRESS)
    assert deliver_outboxed_events() == []
    assert Notification.objects.count() == before
