"""Residents rate how their answered message was handled (issue 20, item 7): once, by tracking code, with the
public form's defences; a dissatisfied rating is a to-do for staff and a notice to the member; staff see ratings
per member and group, each count the rows behind it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import MessageRating, PublicMessage
from activities.services import mailbox as svc
from core.exceptions import DomainError, InvalidTransition
from core.models import AuditEvent
from notifications.models import Kind, Notification
from tests.activities.test_mailbox import ADDRESS, point, solved, submit  # noqa: F401  (point: a fixture)
from tests.events import deliver_outboxed_events
from tests.test_figures_drilldown import assert_figures_add_up

pytestmark = pytest.mark.django_db


def answered(world, point, **kw) -> PublicMessage:  # noqa: F811
    message = submit(point, **kw)
    svc.message_route(message_id=message.pk, actor=world.convener, member_id=world.member_record.pk)
    return svc.message_answer(message_id=message.pk, actor=world.member, answer="已转交住建局，下月开工")


def rate_form(rating="satisfied", comment="", **kw) -> dict:
    challenge = solved()
    return {
        "rate-rating": rating,
        "rate-comment": comment,
        "rate-website": "",
        "rate-token": challenge["token"],
        "rate-answer": challenge["answer"],
        **kw,
    }


def rate_page(client, message, data, address=ADDRESS):
    return client.post(
        reverse("activities:mailbox_track_rate", args=[message.tracking_code]), data, REMOTE_ADDR=address
    )


def test_the_tracking_page_offers_a_rating_once_the_message_is_answered_and_takes_it_once(world, point):  # noqa: F811
    message = submit(point)
    client = Client()
    track = reverse("activities:mailbox_track", args=[message.tracking_code])
    assert 'data-testid="rating-form"' not in client.get(track).content.decode()  # not answered yet
    answered_message = answered(world, point, address="198.51.100.9")
    track = reverse("activities:mailbox_track", args=[answered_message.tracking_code])
    assert 'data-testid="rating-form"' in client.get(track).content.decode()
    response = rate_page(client, answered_message, rate_form("basic", "希望尽快落实"))
    assert response.status_code == 302
    rating = MessageRating.objects.get()
    assert (rating.message, rating.rating, rating.comment) == (answered_message, "basic", "希望尽快落实")
    assert ADDRESS not in rating.client_key
    assert AuditEvent.objects.filter(verb="rated", object_id=str(answered_message.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="message-rating"' in page and "基本满意" in page and 'data-testid="rating-form"' not in page
    rate_page(client, answered_message, rate_form("unsatisfied"))  # a second try changes nothing
    assert MessageRating.objects.get().rating == "basic"
    with pytest.raises(InvalidTransition):
        svc.message_rate(code=answered_message.tracking_code, rating="unsatisfied", client_address="192.0.2.1")


def test_a_message_not_answered_cannot_be_rated(world, point):  # noqa: F811
    message = submit(point)
    with pytest.raises(InvalidTransition):
        svc.message_rate(code=message.tracking_code, rating="satisfied", client_address=ADDRESS)
    assert rate_page(Client(), message, rate_form()).status_code == 302
    assert not MessageRating.objects.exists()


@pytest.mark.parametrize("change", [{"rate-answer": "99"}, {"rate-website": "http://spam"}, {"rate-rating": "great"}])
def test_the_challenge_and_the_honeypot_guard_the_rating(world, point, change):  # noqa: F811
    message = answered(world, point)
    assert rate_page(Client(), message, rate_form(**change)).status_code == 400
    assert not MessageRating.objects.exists()


def test_a_long_comment_is_refused(world, point):  # noqa: F811
    message = answered(world, point)
    with pytest.raises(DomainError):
        svc.message_rate(code=message.tracking_code, rating="basic", comment="长" * 501, client_address=ADDRESS)
    assert rate_page(Client(), message, rate_form(comment="长" * 501)).status_code == 400
    assert not MessageRating.objects.exists()


def test_ratings_from_one_address_stop_at_the_hourly_limit(world, point, settings):  # noqa: F811
    settings.MAILBOX_PER_ADDRESS_PER_HOUR = 2
    messages = [answered(world, point, address=f"198.51.100.{i}") for i in range(4)]
    for m in messages[:2]:
        svc.message_rate(code=m.tracking_code, rating="satisfied", client_address=ADDRESS)
    response = rate_page(Client(), messages[2], rate_form())
    assert response.status_code == 400 and "次数" in response.content.decode()
    assert MessageRating.objects.count() == 2
    svc.message_rate(code=messages[3].tracking_code, rating="satisfied", client_address="192.0.2.77")  # another one


def test_a_dissatisfied_rating_tells_the_member_and_is_a_staff_to_do_until_answered_again(
    world,
    point,  # noqa: F811
    client_for,
):
    from cppcc_portal.workbench import todos

    message = answered(world, point)
    svc.message_rate(code=message.tracking_code, rating="unsatisfied", comment="没有解决", client_address=ADDRESS)
    assert not Notification.objects.filter(kind=Kind.MAILBOX_DISSATISFIED).exists()
    deliver_outboxed_events()
    deliver_outboxed_events()
    notes = Notification.objects.filter(kind=Kind.MAILBOX_DISSATISFIED)
    assert [n.recipient for n in notes] == [world.member]
    assert "没有解决" in notes[0].body
    assert client_for(world.member).get(notes[0].url).status_code == 200
    assert dict((t.slug, n) for t, n in todos.counts(world.staff))["dissatisfied"] == 1
    assert dict((t.slug, n) for t, n in todos.counts(world.other_staff))["dissatisfied"] == 0
    page = client_for(world.staff).get(reverse("workbench:todo", args=["dissatisfied"])).content.decode()
    assert message.tracking_display in page
    detail = client_for(world.staff).get(reverse("activities:message_detail", args=[message.pk])).content.decode()
    assert 'data-testid="staff-rating"' in detail and "没有解决" in detail
    later = timezone.now() + timezone.timedelta(minutes=1)
    svc.message_answer(message_id=message.pk, actor=world.member, answer="已再次协调，本周施工", now=later)
    assert dict((t.slug, n) for t, n in todos.counts(world.staff))["dissatisfied"] == 0


def test_a_dissatisfied_rating_delivered_or_retried_days_later_is_one_notice_dated_the_day_of_the_rating(
    world,
    point,  # noqa: F811
):
    import time_machine

    from activities.events import PublicMessageDissatisfied
    from activities.subscribers import tell_answerer_dissatisfied

    message = answered(world, point)
    rated = svc.message_rate(code=message.tracking_code, rating="unsatisfied", client_address=ADDRESS)
    rated_on = timezone.localdate(rated.created_at)
    event = PublicMessageDissatisfied(
        message_id=message.pk, committee_id=message.committee_id, rating_id=rated.pk, actor_id=None
    )
    with time_machine.travel(timezone.now() + timezone.timedelta(days=2)):
        deliver_outboxed_events()  # the worker was down for two days
    with time_machine.travel(timezone.now() + timezone.timedelta(days=5)):
        tell_answerer_dissatisfied(event)  # delivered again, days later still
    assert list(Notification.objects.filter(kind=Kind.MAILBOX_DISSATISFIED).values_list("due", flat=True)) == [rated_on]


def test_a_satisfied_rating_tells_nobody(world, point):  # noqa: F811
    message = answered(world, point)
    svc.message_rate(code=message.tracking_code, rating="satisfied", client_address=ADDRESS)
    deliver_outboxed_events()
    assert not Notification.objects.filter(kind=Kind.MAILBOX_DISSATISFIED).exists()


@pytest.mark.parametrize("who", ["staff", "district_staff", "leader"])
def test_every_rating_count_per_member_and_group_is_the_rows_behind_it(world, point, client_for, who):  # noqa: F811
    for i, grade in enumerate(["satisfied", "satisfied", "basic", "unsatisfied"]):
        m = answered(world, point, address=f"198.51.100.{i}")
        svc.message_rate(code=m.tracking_code, rating=grade, client_address=f"198.51.100.{i}")
    grouped = submit(point, address="198.51.100.20")
    svc.message_route(message_id=grouped.pk, actor=world.staff, group_id=world.group.pk)
    svc.message_answer(message_id=grouped.pk, actor=world.convener, answer="组内讨论后答复")
    svc.message_rate(code=grouped.tracking_code, rating="unsatisfied", client_address="198.51.100.20")
    answered(world, point, address="198.51.100.30")  # answered, not rated: not counted
    year = timezone.localdate().year
    page = assert_figures_add_up(
        client_for(getattr(world, who)), f"{reverse('activities:message_ratings')}?year={year}", at_least=8
    )
    assert max(fig.value for fig in page.figures) == 5


def test_the_ratings_page_runs_a_fixed_number_of_queries(world, point, client_for, django_assert_max_num_queries):  # noqa: F811
    client = client_for(world.staff)
    m = answered(world, point, address="198.51.100.1")
    svc.message_rate(code=m.tracking_code, rating="basic", client_address="198.51.100.1")
    url = reverse("activities:message_ratings")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(2, 6):
        member = __import__("tests.factories", fromlist=["MembershipFactory"]).MembershipFactory(group=world.group)
        m = submit(point, address=f"198.51.100.{i}")
        svc.message_route(message_id=m.pk, actor=world.staff, member_id=member.member.pk)
        svc.message_answer(message_id=m.pk, actor=world.staff, answer="已答复")
        svc.message_rate(code=m.tracking_code, rating="unsatisfied", client_address=f"198.51.100.{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["member", "convener", "unit_user"])
def test_only_staff_and_leaders_see_the_ratings_page(world, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("activities:message_ratings")).status_code == 403
