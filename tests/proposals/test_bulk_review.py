"""Batch actions in the review queue (#18 item 5): assign many filed proposals, or not file many on one published
ground, all or none through one service each, with one audit row and the same notice per proposal as the single
action, in a number of queries that does not grow with the batch."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from core.exceptions import DomainError, NotPermitted
from core.models import AuditEvent, OutboxMessage
from notifications.models import Kind, Notification
from proposals import services
from proposals.models import Assignment, NotFilingGround, OpinionReport, Proposal
from tests.events import deliver_outboxed_events
from tests.proposals.factories import TODAY, ProposalFactory, ground

pytestmark = pytest.mark.django_db
S = Proposal.State


def _verbs(proposals, verb):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Proposal),
        verb=verb,
        object_id__in=[str(p.pk) for p in proposals],
    )


def _states(proposals):
    return {p.pk: Proposal.objects.get(pk=p.pk).state for p in proposals}


def test_assigning_many_hands_each_to_the_units_with_an_audit_row_and_the_units_notice(world, walk):
    filed = [walk.filed() for _ in range(3)]
    done = services.proposals_assign_many(
        proposal_ids=[p.pk for p in filed],
        actor=world.staff,
        lead_unit_id=world.unit.pk,
        co_unit_ids=[world.other_unit.pk],
        today=TODAY,
    )
    assert sorted(p.pk for p in done) == sorted(p.pk for p in filed)
    for p in filed:
        p.refresh_from_db()
        assert p.state == S.ASSIGNED and p.lead_unit == world.unit and p.reply_due
        assert set(p.assignments.values_list("unit_id", "role")) == {
            (world.unit.pk, "lead"),
            (world.other_unit.pk, "co"),
        }
    assert _verbs(filed, "assigned").count() == 3
    assert {e.actor for e in _verbs(filed, "assigned")} == {world.staff}
    deliver_outboxed_events()
    told = Notification.objects.filter(kind=Kind.PROPOSAL_ASSIGNED, recipient=world.unit_user)
    assert told.count() == 3  # as three single assignments would tell


def test_a_batch_with_one_proposal_that_may_not_be_assigned_changes_nothing(world, walk):
    filed = [walk.filed(), walk.filed()]
    waiting = walk.submitted()  # not filed yet
    batch = [*filed, waiting]
    before = OutboxMessage.objects.count()
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.proposals_assign_many(
            proposal_ids=[p.pk for p in batch], actor=world.staff, lead_unit_id=world.unit.pk, today=TODAY
        )
    message = "；".join(refused.value.messages)
    assert "未作任何更改" in message and waiting.title in message
    assert _states(batch) == {filed[0].pk: S.FILED, filed[1].pk: S.FILED, waiting.pk: S.SUBMITTED}
    assert not Assignment.objects.filter(proposal__in=batch).exists()
    assert not _verbs(batch, "assigned").exists() and OutboxMessage.objects.count() == before


def test_not_filing_many_records_the_ground_and_tells_each_proposer(world, walk):
    batch = [walk.submitted() for _ in range(3)]
    secret = ground("秘密")
    services.proposals_reject_many(
        proposal_ids=[p.pk for p in batch], actor=world.staff, ground_id=secret, reason="涉及未公开的规划数据"
    )
    for p in batch:
        p.refresh_from_db()
        assert p.state == S.NOT_FILED and p.not_filed_ground_id == secret
        assert p.not_filed_reason == "涉及党和国家秘密的：涉及未公开的规划数据"
    events = _verbs(batch, "not_filed")
    assert events.count() == 3 and {e.data["ground"] for e in events} == {secret}
    deliver_outboxed_events()
    notices = Notification.objects.filter(kind=Kind.PROPOSAL_NOT_FILED, recipient=world.member)
    assert notices.count() == 3 and all("涉及党和国家秘密的" in n.body for n in notices)


def test_not_filing_many_into_reports_converts_each(world, walk):
    batch = [walk.submitted() for _ in range(2)]
    services.proposals_reject_many(
        proposal_ids=[p.pk for p in batch], actor=world.staff, ground_id=ground(), outcome="report"
    )
    assert OpinionReport.objects.filter(source_proposal__in=batch).count() == 2
    deliver_outboxed_events()
    assert Notification.objects.filter(kind=Kind.PROPOSAL_CONVERTED).count() == 2


def test_a_batch_of_three_with_one_already_filed_is_not_filed_at_all(world, walk):
    batch = [walk.submitted(), walk.filed(), walk.submitted()]
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.proposals_reject_many(proposal_ids=[p.pk for p in batch], actor=world.staff, ground_id=ground())
    assert batch[1].title in "；".join(refused.value.messages)
    assert _states(batch) == {batch[0].pk: S.SUBMITTED, batch[1].pk: S.FILED, batch[2].pk: S.SUBMITTED}
    assert not _verbs(batch, "not_filed").exists()


def test_another_committees_staff_may_not_act_on_the_batch(world, walk):
    batch = [walk.submitted(), walk.submitted()]
    with pytest.raises(NotPermitted):
        services.proposals_reject_many(proposal_ids=[p.pk for p in batch], actor=world.other_staff, ground_id=ground())
    assert set(_states(batch).values()) == {S.SUBMITTED}


def test_a_ground_that_needs_an_explanation_refuses_without_one_in_chinese(world, walk):
    batch = [walk.submitted()]
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.proposals_reject_many(
            proposal_ids=[p.pk for p in batch], actor=world.staff, ground_id=ground(explained=True), reason=" "
        )
    assert "说明" in refused.value.message_dict["reason"][0]
    assert _states(batch) == {batch[0].pk: S.SUBMITTED}


def test_a_committee_with_its_own_grounds_uses_them_instead_of_the_national_list(world, walk):
    own = NotFilingGround.objects.create(committee=world.district, text="不属于本区政协职责范围的")
    proposal = walk.submitted()
    with pytest.raises(DomainError):
        services.proposal_reject(proposal_id=proposal.pk, actor=world.staff, ground_id=ground())
    services.proposal_reject(proposal_id=proposal.pk, actor=world.staff, ground_id=own.pk)
    assert Proposal.objects.get(pk=proposal.pk).not_filed_reason == own.text


# --- the page ---------------------------------------------------------------------------------------------------


def _post(client, data, **query):
    url = reverse("proposals:review_bulk")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, data)


def test_the_queue_page_not_files_the_ticked_proposals_after_the_confirmation(world, client_for, walk):
    batch = [walk.submitted() for _ in range(3)]
    client = client_for(world.staff)
    page = client.get(reverse("proposals:review")).content.decode()
    assert 'name="proposals"' in page and 'data-confirm="bulk_reject"' in page and "涉及党和国家秘密的" in page
    response = _post(
        client,
        {
            "proposals": [p.pk for p in batch],
            "action": "reject",
            "ground": ground("一案多事"),
            "reason": "",
            "outcome": "",
        },
    )
    assert response.status_code == 302
    assert set(_states(batch).values()) == {S.NOT_FILED}
    assert "已对 3 件提案不予立案" in client.get(response.url).content.decode()


def test_the_queue_page_refuses_a_wrong_batch_in_chinese_keeping_the_ticks(world, client_for, walk):
    batch = [walk.submitted(), walk.filed(), walk.submitted()]
    client = client_for(world.staff)
    response = _post(client, {"proposals": [p.pk for p in batch], "action": "reject", "ground": ground()})
    assert response.status_code == 400
    body = response.content.decode()
    assert "未作任何更改" in body and batch[1].title in body
    assert f'value="{batch[0].pk}" id="pick-{batch[0].pk}" checked' in body
    assert _states(batch) == {batch[0].pk: S.SUBMITTED, batch[1].pk: S.FILED, batch[2].pk: S.SUBMITTED}
    missing = _post(client, {"action": "reject", "ground": ground()})
    assert missing.status_code == 400 and "请至少选择一件提案" in missing.content.decode()


def test_the_waiting_list_assigns_the_ticked_proposals(world, client_for, walk):
    batch = [walk.filed() for _ in range(2)]
    client = client_for(world.staff)
    page = client.get(reverse("proposals:review"), {"state": "filed"}).content.decode()
    assert 'data-confirm="bulk_assign"' in page and world.unit.name in page
    response = _post(
        client, {"proposals": [p.pk for p in batch], "action": "assign", "lead_unit": world.unit.pk}, state="filed"
    )
    assert response.status_code == 302 and "state=filed" in response.url
    assert set(_states(batch).values()) == {S.ASSIGNED}
    refused = _post(client, {"proposals": [batch[0].pk], "action": "assign", "lead_unit": ""}, state="filed")
    assert refused.status_code == 400 and "承办单位" in refused.content.decode()


def _made(world, state, n):
    """Proposals made straight in ``state`` (quicker than walking them there: the similarity hints of a submission
    grow with the session)."""
    top = Proposal.objects.count()
    return [
        ProposalFactory(
            committee=world.district,
            lead_proposer=world.member_record,
            state=state,
            submitted_at=timezone.now(),
            serial_number=top + i + 1 if state == S.FILED else None,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("action", "state", "fields"),
    [
        ("reject", S.SUBMITTED, lambda world: {"ground": ground()}),
        ("assign", S.FILED, lambda world: {"lead_unit": world.unit.pk, "co_units": [world.other_unit.pk]}),
    ],
)
def test_the_batch_post_costs_the_same_queries_for_3_or_30_proposals(
    world, client_for, django_assert_max_num_queries, action, state, fields
):
    client = client_for(world.staff)
    data = {"action": action, **fields(world)}
    few, many = _made(world, state, 3), _made(world, state, 30)
    with django_assert_max_num_queries(30) as small:
        assert _post(client, {"proposals": [p.pk for p in few], **data}).status_code == 302
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert _post(client, {"proposals": [p.pk for p in many], **data}).status_code == 302
    assert len(set(_states(many).values())) == 1 and _states(many)[many[0].pk] != state


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_runs_both_batches_all_or_none(world, client_for, walk):
    client = client_for(world.staff)
    batch = [walk.submitted(), walk.submitted()]
    url = reverse("api:proposal-reject-many")
    wrong = client.post(url, {"proposals": [p.pk for p in batch], "ground": None}, content_type="application/json")
    assert wrong.status_code == 400 and "理由" in str(wrong.json())
    done = client.post(url, {"proposals": [p.pk for p in batch], "ground": ground()}, content_type="application/json")
    assert done.status_code == 200 and sorted(done.json()["done"]) == sorted(p.pk for p in batch)
    filed = [walk.filed(), walk.filed()]
    assigned = client.post(
        reverse("api:proposal-assign-many"),
        {"proposals": [p.pk for p in filed], "lead_unit": world.unit.pk},
        content_type="application/json",
    )
    assert assigned.status_code == 200 and set(_states(filed).values()) == {S.ASSIGNED}
    grounds = client.get(reverse("api:not-filing-ground-list")).json()
    assert any(g["text"] == "一案多事的" for g in grounds["results"])


def test_a_huge_or_foreign_id_in_the_batch_is_a_chinese_refusal_not_an_error(world, client_for, walk):
    mine = walk.submitted()
    client = client_for(world.staff)
    for bad in ("99999999999999999999", "²", "-1"):
        response = _post(client, {"proposals": [mine.pk, bad], "action": "reject", "ground": ground()})
        assert response.status_code == 400, bad
    assert Proposal.objects.get(pk=mine.pk).state == S.SUBMITTED
