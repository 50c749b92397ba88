"""Notices sent by event subscribers (proposals/subscribers.py): an assignment tells each assigned unit's users,
an invitation tells the invited co-signer — after commit, once, to them and no one else, with a link."""

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import formats, translation

from notifications.models import Kind, Notification
from proposals import services, subscribers
from proposals.models import Proposal
from tests import factories as f
from tests.events import deliver_outboxed_events

pytestmark = pytest.mark.django_db

DRAFT = {
    "title": "关于加快老旧小区加装电梯的建议",
    "analysis": "现状",
    "suggestions": "一、简化审批",
    "category": "urban",
    "kind": "member",
    "during_plenary": True,
}


def _day(value) -> str:
    with translation.override("zh-hans"):
        return formats.date_format(value, "DATE_FORMAT")


def test_an_assignment_tells_the_users_of_each_assigned_unit_and_no_one_else(world, walk):
    co_unit = f.HandlingUnitFactory(committee=world.district, name="东湖区民政局")
    co_users = [f.UserFactory(), f.UserFactory()]
    co_unit.users.add(*co_users)
    f.UserFactory()  # a bystander
    proposal = walk.assigned(co=[co_unit])
    assert not Notification.objects.filter(kind=Kind.PROPOSAL_ASSIGNED).exists()  # only once it commits

    assert deliver_outboxed_events() == ["done", "done"]  # filed (the proposer hears), then assigned
    notices = Notification.objects.filter(kind=Kind.PROPOSAL_ASSIGNED)
    assert {n.recipient for n in notices} == {world.unit_user, *co_users}  # not other_unit_user, staff, members
    assert len(notices) == 3
    lead = proposal.assignments.get(unit=world.unit)
    co = proposal.assignments.get(unit=co_unit)
    for notice in notices:
        assert notice.url == reverse("proposals:detail", args=[proposal.pk])
        assert notice.due == lead.reassign_until
        assert _day(lead.reassign_until) in notice.body  # the return window's end
    lead_notice = notices.get(recipient=world.unit_user)
    assert (
        lead_notice.target == lead and world.unit.name in lead_notice.title and _day(lead.due_date) in lead_notice.body
    )
    assert notices.filter(recipient=co_users[0]).get().target == co
    assert _day(co.due_date) in notices.get(recipient=co_users[0]).body
    assert lead_notice.title.startswith("提案")  # Chinese, whatever the request's language was


def test_a_failing_notice_leaves_the_assignment_in_place_and_is_sent_once_on_retry(world, walk):
    with mock.patch.object(subscribers, "notify_many", side_effect=RuntimeError("database hiccup")):
        proposal = walk.assigned()
        assert deliver_outboxed_events() == ["retry", "retry"]  # the filing's notice and the assignment's
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.ASSIGNED
    assert not Notification.objects.filter(kind=Kind.PROPOSAL_ASSIGNED).exists()
    assert deliver_outboxed_events() == ["done", "done"]  # the retries (their back-off ignored here)
    assert list(Notification.objects.filter(kind=Kind.PROPOSAL_ASSIGNED).values_list("recipient", flat=True)) == [
        world.unit_user.pk
    ]


def test_an_invitation_tells_each_invited_cosigner_once(world):
    invited = f.MembershipFactory(group=world.group, member__user=f.UserFactory()).member
    no_login = f.MembershipFactory(group=world.group).member
    proposal = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[invited.pk, no_login.pk])
    assert deliver_outboxed_events() == ["done"]
    notice = Notification.objects.get(kind=Kind.COSIGN_INVITED)
    invitation = proposal.cosigners.get(member=invited)
    assert (notice.recipient, notice.target, notice.due) == (invited.user, invitation, invitation.deadline)
    assert notice.url == reverse("proposals:detail", args=[proposal.pk])
    assert world.member_record.name in notice.title and _day(invitation.deadline) in notice.body

    later = f.MembershipFactory(group=world.group, member__user=f.UserFactory()).member
    services.proposal_save_draft(
        actor=world.member, data=DRAFT, proposal_id=proposal.pk, cosigner_ids=[invited.pk, no_login.pk, later.pk]
    )
    deliver_outboxed_events()
    assert sorted(Notification.objects.filter(kind=Kind.COSIGN_INVITED).values_list("recipient", flat=True)) == sorted(
        [invited.user.pk, later.user.pk]
    )  # the first invitee is not told again; the lead proposer never
