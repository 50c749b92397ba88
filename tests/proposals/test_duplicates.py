"""Likely duplicates among a session's proposals: pg_trgm on PostgreSQL, character bigrams elsewhere."""

import pytest
from django.urls import reverse

from proposals import selectors, services
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def test_the_most_similar_proposal_of_the_same_session_comes_first(world):
    d = world.district
    mine = ProposalFactory(committee=d, state="submitted", title="关于加快老旧小区加装电梯的建议")
    close = ProposalFactory(committee=d, state="filed", serial_number=1, title="关于推进老旧小区加装电梯工作的建议")
    ProposalFactory(committee=d, state="filed", serial_number=2, title="关于老旧小区改造的建议")
    ProposalFactory(committee=d, state="filed", serial_number=3, title="关于发展数字经济的建议")
    ProposalFactory(committee=d, year=2025, state="filed", serial_number=1, title="关于加快老旧小区加装电梯的建议")
    ProposalFactory(committee=world.other, state="filed", serial_number=1, title="关于加快老旧小区加装电梯的建议")
    ProposalFactory(committee=d, state="draft", title="关于加快老旧小区加装电梯的建议")
    found = selectors.similar_proposals(mine)
    assert found[0].proposal == close and 0 < found[0].score <= 1
    assert all(s.proposal.committee_id == d.pk and s.proposal.year == 2026 for s in found)
    assert "数字经济" not in " ".join(s.proposal.title for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_staff_see_duplicates_on_the_review_page_and_merge_from_there(world, client_for, walk):
    target = walk.filed(title="关于推进老旧小区加装电梯工作的建议")
    p = walk.submitted(title="关于加快老旧小区加装电梯的建议")
    client = client_for(world.staff)
    body = client.get(reverse("proposals:detail", args=[p.pk])).content.decode()
    assert "<mark>老旧小区加装电梯</mark>" in body and target.number_display in body and "并入此案" in body
    client.post(reverse("proposals:act", args=[p.pk, "merge"]), {"into": target.pk})
    p.refresh_from_db()
    assert p.state == "merged" and p.merged_into == target


def test_the_trigram_index_exists_on_postgresql_only(db):
    from django.db import connection

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "proposals_proposal")
    assert ("proposals_proposal_title_trgm" in indexes) == (connection.vendor == "postgresql")


def test_merging_keeps_the_merged_proposer_informed(world, walk):
    target = walk.assigned(lead_proposer=world.convener_member)
    p = walk.submitted()
    services.proposal_merge(proposal_id=p.pk, into_id=target.pk, actor=world.staff)
    from proposals.models import Proposal

    assert Proposal.objects.visible_to(world.member).filter(pk=target.pk).exists()


def test_the_review_queue_flags_proposals_with_likely_duplicates(world, client_for, walk):
    walk.filed(title="关于推进老旧小区加装电梯工作的建议")
    flagged = walk.submitted(title="关于加快老旧小区加装电梯的建议")
    alone = walk.submitted(title="关于发展数字经济促进产业升级的建议")
    page = client_for(world.staff).get(reverse("proposals:review")).context["page_obj"]
    rows = {p.pk: p for p in page}
    assert rows[flagged.pk].duplicates == 1 and rows[flagged.pk].best_score >= 0.4
    assert rows[alone.pk].duplicates == 0
