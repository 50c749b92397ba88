"""Excellent proposals 优秀提案 rated and withdrawn many at a time from the admin, in a fixed number of queries."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from assessments.models import RollupRun
from core.models import AuditEvent
from proposals import services
from proposals.models import Proposal
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db

ACTION_QUERIES = 20  # the most an excellent action runs, whatever the number of proposals selected
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _filed(world, n, **kw):
    kw.setdefault("committee", world.district)
    kw.setdefault("lead_proposer", world.member_record)
    start = Proposal.objects.count()
    return [ProposalFactory(state=Proposal.State.FILED, serial_number=start + i + 1, **kw) for i in range(n)]


def _events(verb):
    return AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Proposal), verb=verb)


def _run(world, quarter):
    return RollupRun.objects.create(committee=world.district, year=2026, quarter=quarter, status=RollupRun.Status.DONE)


def test_marking_many_rates_the_filed_ones_and_says_why_not_the_others(world, walk):
    good = _filed(world, 2)
    draft, already = walk.submitted(), _filed(world, 1)[0]
    services.proposal_mark_excellent(proposal_id=already.pk, actor=world.staff)
    q1, q2 = _run(world, 1), _run(world, 2)
    marked_at = datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI)

    with translation.override("zh-hans"):
        outcome = services.proposal_mark_excellent_many(
            proposal_ids=[p.pk for p in [*good, draft, already]], actor=world.district_staff, now=marked_at
        )

    assert sorted(p.pk for p in outcome.done) == sorted(p.pk for p in good)
    refused = {p.pk: "；".join(refusal.messages) for p, refusal in outcome.refused.items()}
    assert "立案" in refused[draft.pk] and "已" in refused[already.pk]
    for p in good:
        p.refresh_from_db()
        assert p.is_excellent and p.excellent_marked_at == marked_at and p.excellent_marked_by == world.district_staff
    assert not Proposal.objects.get(pk=draft.pk).is_excellent
    events = _events("excellent_marked").filter(object_id__in=[str(p.pk) for p in good])
    assert events.count() == 2 and {e.actor for e in events} == {world.district_staff}
    assert {e.object_repr for e in events} == {str(p) for p in good}
    assert RollupRun.objects.get(pk=q1.pk).is_stale and RollupRun.objects.get(pk=q2.pk).is_stale


def test_withdrawing_many_stales_the_quarters_they_were_marked_in(world):
    early, late = _filed(world, 2)
    services.proposal_mark_excellent(
        proposal_id=early.pk, actor=world.staff, now=datetime(2026, 2, 10, tzinfo=SHANGHAI)
    )
    services.proposal_mark_excellent(proposal_id=late.pk, actor=world.staff, now=datetime(2026, 8, 10, tzinfo=SHANGHAI))
    never = _filed(world, 1)[0]
    q1 = _run(world, 1)

    outcome = services.proposal_unmark_excellent_many(
        proposal_ids=[early.pk, late.pk, never.pk], actor=world.district_staff
    )

    assert {p.pk for p in outcome.done} == {early.pk, late.pk} and list(outcome.refused) == [never]
    assert not Proposal.objects.filter(is_excellent=True).exists()
    assert not Proposal.objects.filter(excellent_marked_by__isnull=False).exists()
    event = _events("excellent_unmarked").get(object_id=str(early.pk))
    assert event.data["marked_at"].startswith("2026-02-")
    assert RollupRun.objects.get(pk=q1.pk).is_stale  # the bonus leaves the quarter it was counted in


def test_staff_of_another_committee_change_nothing(world):
    proposals = _filed(world, 2)
    outcome = services.proposal_mark_excellent_many(proposal_ids=[p.pk for p in proposals], actor=world.other_staff)
    assert not outcome.done and len(outcome.refused) == 2
    assert not Proposal.objects.filter(is_excellent=True).exists() and not _events("excellent_marked").exists()


def test_the_admin_actions_report_each_refusal_and_the_count(world, walk, client_for):
    good, draft = _filed(world, 1)[0], walk.submitted()
    client = client_for(world.district_staff)
    url = reverse("admin:proposals_proposal_changelist")
    response = client.post(
        url,
        {"action": "mark_excellent_selected", "_selected_action": [good.pk, draft.pk], "confirmed": "yes"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any(str(draft) in m and "立案" in m for m in shown), shown
    assert any("1" in m and "优秀" in m for m in shown), shown
    assert Proposal.objects.get(pk=good.pk).is_excellent and not Proposal.objects.get(pk=draft.pk).is_excellent


@pytest.mark.parametrize("n", [5, 200])
def test_the_admin_actions_run_a_fixed_number_of_queries(
    world, client_for, n, django_assert_max_num_queries, one_statement_per_bulk_write
):
    proposals = _filed(world, n)
    _run(world, 4)
    client = client_for(world.district_staff)
    url = reverse("admin:proposals_proposal_changelist")
    selected = [p.pk for p in proposals]
    with django_assert_max_num_queries(ACTION_QUERIES):
        client.post(url, {"action": "mark_excellent_selected", "_selected_action": selected, "confirmed": "yes"})
    assert Proposal.objects.filter(is_excellent=True).count() == n
    with django_assert_max_num_queries(ACTION_QUERIES):
        client.post(url, {"action": "unmark_excellent_selected", "_selected_action": selected})
    assert not Proposal.objects.filter(is_excellent=True).exists()
    assert _events("excellent_marked").count() == _events("excellent_unmarked").count() == n
