"""Two staff act on one proposal at the same moment: the row lock lets exactly one of them through.

Runs with real threads and transactions on SQLite (IMMEDIATE transactions queue writers) and on
PostgreSQL (``select_for_update`` blocks the second transaction until the first commits).
"""

import threading

import pytest
from django.db import connection

from core.exceptions import InvalidTransition
from proposals import services
from proposals.models import Proposal
from tests.proposals.factories import ground

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads started together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_staff_filing_at_once_file_it_once(world, walk):
    p = walk.submitted()
    results = race(
        lambda: services.proposal_file(proposal_id=p.pk, actor=world.staff),
        lambda: services.proposal_file(proposal_id=p.pk, actor=world.district_staff),
    )
    assert sorted(type(r).__name__ for r in results) == ["InvalidTransition", "Proposal"]
    assert Proposal.objects.get(pk=p.pk).serial_number == 1


def test_two_proposals_filed_at_once_get_different_serial_numbers(world, walk):
    a, b = walk.submitted(), walk.submitted()
    results = race(
        lambda: services.proposal_file(proposal_id=a.pk, actor=world.staff),
        lambda: services.proposal_file(proposal_id=b.pk, actor=world.district_staff),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(Proposal.objects.values_list("serial_number", flat=True)) == [1, 2]


def test_filing_and_refusing_at_once_leave_one_outcome(world, walk):
    p, g = walk.submitted(), ground()
    results = race(
        lambda: services.proposal_file(proposal_id=p.pk, actor=world.staff),
        lambda: services.proposal_reject(proposal_id=p.pk, actor=world.district_staff, ground_id=g, reason="重复"),
    )
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1
    assert Proposal.objects.get(pk=p.pk).state in ("filed", "not_filed")


@pytest.mark.parametrize("attempt", range(3))
def test_a_cosigner_confirming_while_the_lead_submits_gives_one_consistent_outcome(world, walk, attempt):
    """Both lock the proposal first, so neither waits on the other in a circle (the database's co-signer
    count updates the proposal row): the answer lands before the submission or is refused after it."""
    from datetime import date

    from proposals.models import CoSigner
    from tests import factories as f

    p = walk.draft()
    peer_user = f.UserFactory()
    peer = f.MembershipFactory(group=world.group, member__user=peer_user).member
    invitation = CoSigner.objects.create(proposal=p, member=peer, deadline=date(2026, 3, 5))
    results = race(
        lambda: services.cosign_respond(
            cosigner_id=invitation.pk, accept=True, actor=peer_user, today=date(2026, 3, 5)
        ),
        lambda: services.proposal_submit(proposal_id=p.pk, actor=world.member, today=date(2026, 3, 6)),
    )
    assert not any(isinstance(r, Exception) and not isinstance(r, InvalidTransition) for r in results), results
    p.refresh_from_db()
    invitation.refresh_from_db()
    assert p.state == Proposal.State.SUBMITTED
    confirmed = not isinstance(results[0], Exception)
    assert invitation.status == (CoSigner.Status.CONFIRMED if confirmed else CoSigner.Status.EXPIRED)
    assert p.confirmed_cosigners == int(confirmed)
