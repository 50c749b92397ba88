"""``Proposal.confirmed_cosigners`` is kept by the database (migration proposals/0006), on SQLite and
PostgreSQL alike: whatever writes the co-signer rows, and whatever the application writes back."""

from datetime import date

import pytest

from proposals import services
from proposals.models import CoSigner, Proposal
from tests import factories as f
from tests.proposals.factories import TODAY, ProposalFactory

pytestmark = pytest.mark.django_db
S = CoSigner.Status


def count(proposal) -> int:
    return Proposal.objects.values_list("confirmed_cosigners", flat=True).get(pk=proposal.pk)


def invite(proposal, world, n=1):
    return [
        CoSigner.objects.create(
            proposal=proposal, member=f.MembershipFactory(group=world.group).member, deadline=date(2026, 3, 5)
        )
        for _ in range(n)
    ]


def test_confirmations_through_the_service_are_counted(world, walk):
    p = walk.draft()
    peer_user = f.UserFactory()
    peer = f.MembershipFactory(group=world.group, member__user=peer_user).member
    first = CoSigner.objects.create(proposal=p, member=peer, deadline=date(2026, 3, 5))
    other = invite(p, world)[0]
    assert count(p) == 0  # invited is not confirmed
    services.cosign_respond(cosigner_id=first.pk, accept=True, actor=peer_user, today=TODAY)
    assert count(p) == 1
    CoSigner.objects.filter(pk=other.pk).update(status=S.DECLINED)
    assert count(p) == 1
    services.proposal_submit(proposal_id=p.pk, actor=world.member, today=TODAY)
    assert count(p) == 1


def test_every_kind_of_write_to_the_cosigners_keeps_the_count(world, walk):
    p, q = walk.draft(), walk.draft()
    rows = invite(p, world, 3)
    CoSigner.objects.filter(proposal=p).update(status=S.CONFIRMED)  # one statement, three rows
    assert count(p) == 3
    rows[0].status = S.DECLINED
    rows[0].save()
    assert count(p) == 2
    CoSigner.objects.filter(pk=rows[1].pk).update(proposal=q)  # moved to another proposal
    assert (count(p), count(q)) == (1, 1)
    rows[2].delete()
    assert count(p) == 0
    CoSigner.objects.bulk_create(
        [
            CoSigner(
                proposal=q,
                member=f.MembershipFactory(group=world.group).member,
                deadline=date(2026, 3, 5),
                status=S.CONFIRMED,
            )
            for _ in range(2)
        ]
    )
    assert count(q) == 3
    q.delete()  # cascades to its co-signers: nothing left to count, nothing fails
    assert not CoSigner.objects.filter(proposal_id=q.pk).exists()


def test_what_the_application_writes_into_the_count_is_corrected(world, walk):
    p = walk.draft()
    stale = Proposal.objects.get(pk=p.pk)  # read before the co-signers confirm
    CoSigner.objects.filter(pk__in=[c.pk for c in invite(p, world, 2)]).update(status=S.CONFIRMED)
    stale.title = "关于加快老旧小区加装电梯的建议（修改稿）"
    stale.save()  # writes its stale count of 0 back with the title
    assert count(p) == 2
    Proposal.objects.filter(pk=p.pk).update(confirmed_cosigners=7)
    assert count(p) == 2
    made = ProposalFactory(committee=world.district, lead_proposer=world.member_record, confirmed_cosigners=5)
    assert count(made) == 0  # a new proposal has no co-signers yet
