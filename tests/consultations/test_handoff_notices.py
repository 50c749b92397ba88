"""Consultation outcome hand-offs (consultations/subscribers.py): handed to a unit tells its users, the reply tells the
committee's staff, publishing tells the unit and the members who were there — exactly those people, never the one who
acted, in Chinese, with a link to the page where they act (or read)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import Attendance, Outcome
from notifications.models import Kind, Notification
from tests import factories as f
from tests.consultations.factories import OutcomeFactory, handed_outcome
from tests.events import deliver_outboxed_events

pytestmark = pytest.mark.django_db
S = Outcome.State


def _told(kind) -> list[Notification]:
    """Deliver what is queued; the notices of ``kind``, each recipient once, each link a page its recipient opens."""
    assert not Notification.objects.filter(kind=kind).exists()  # nothing before the transition commits
    assert set(deliver_outboxed_events()) <= {"done"}
    notices = list(Notification.objects.filter(kind=kind).order_by("recipient_id"))
    assert len({n.recipient_id for n in notices}) == len(notices)
    for notice in notices:
        client = Client()
        client.force_login(notice.recipient)
        assert client.get(notice.url).status_code == 200, (notice.recipient, notice.url)
    return notices


def test_handing_an_outcome_to_a_unit_tells_that_unit_s_users_with_the_deadline(world):
    second = f.UserFactory()
    world.unit.users.add(second)
    outcome = OutcomeFactory(session__committee=world.district, state=S.ADOPTED, title="增设充电桩")
    deadline = timezone.localdate() + timedelta(days=30)
    services.outcome_assign(outcome_id=outcome.pk, unit=world.unit, deadline=deadline, actor=world.district_staff)
    notices = _told(Kind.OUTCOME_ASSIGNED)
    assert {n.recipient for n in notices} == {world.unit_user, second}  # not other_unit_user, not staff
    for notice in notices:
        assert notice.due == deadline and notice.url == reverse("consultations:outcome", args=[outcome.pk])
        assert notice.title == f"协商成果“增设充电桩”已交办{world.unit.name}"


def test_a_unit_s_reply_tells_the_committee_s_staff(world):
    outcome = handed_outcome(world.unit, title="增设充电桩")
    services.outcome_reply(outcome_id=outcome.pk, text="已建成二十个充电桩", actor=world.unit_user)
    [notice] = _told(Kind.OUTCOME_REPLIED)
    assert notice.recipient == world.district_staff  # the outcome's committee; not the unit, not other_staff
    assert notice.title == f"{world.unit.name}已答复协商成果“增设充电桩”"
    assert notice.url == reverse("consultations:outcome", args=[outcome.pk])


def test_publishing_tells_the_unit_and_the_members_present_at_the_session(world, client_for):
    outcome = handed_outcome(world.unit, state=S.REVIEWED, title="增设充电桩", reply="已建成")
    Attendance.objects.create(session=outcome.session, member=world.member_record, status=Attendance.Status.PRESENT)
    absent = f.MemberFactory(committee=world.district, user=f.UserFactory())
    Attendance.objects.create(session=outcome.session, member=absent, status=Attendance.Status.ABSENT)
    services.outcome_publish(outcome_id=outcome.pk, actor=world.district_staff)
    notices = _told(Kind.OUTCOME_PUBLISHED)
    assert {n.recipient for n in notices} == {world.unit_user, world.member}  # not the absent member, not staff
    by = {n.recipient: n for n in notices}
    assert by[world.unit_user].url == reverse("consultations:outcome", args=[outcome.pk])
    assert by[world.member].url == reverse("consultations:public_outcome", args=[world.district.code, outcome.pk])
    assert by[world.member].title == "协商成果已公示：“增设充电桩”"
    assert client_for(world.member).get(by[world.member].url).status_code == 200  # a member may read it there
