"""Every transition, legal and illegal, through the services; deadlines from configuration."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.services import events_for
from proposals import services
from proposals.models import Assignment, CoSigner, Holiday, OpinionReport, Proposal, ProposalSettings, Reply
from tests import factories as f
from tests.proposals.factories import TODAY, ground, pdf_upload

pytestmark = pytest.mark.django_db
S = Proposal.State


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


DRAFT = {
    "title": "关于加快老旧小区加装电梯的建议",
    "analysis": "现状",
    "suggestions": "一、简化审批",
    "category": "urban",
    "kind": "member",
    "during_plenary": True,
}


def test_a_member_drafts_with_cosigners_who_are_invited(world):
    peer = f.MembershipFactory(group=world.group).member
    p = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[peer.pk], today=TODAY)
    assert p.state == S.DRAFT and p.committee == world.district and p.lead_proposer == world.member_record
    inv = p.cosigners.get()
    assert inv.status == CoSigner.Status.INVITED and inv.deadline == date(2026, 3, 5)  # 3 working days


def test_a_cosigner_from_another_committee_is_refused_and_nothing_saved(world):
    with pytest.raises(DomainError) as exc:
        services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[world.outsider_member.pk])
    assert "同一政协" in messages(exc.value) or "委员" in messages(exc.value)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("missing", ["title", "suggestions", "category"])
def test_missing_required_fields_are_refused(world, missing):
    with pytest.raises(DomainError) as exc:
        services.proposal_save_draft(actor=world.member, data={**DRAFT, missing: ""})
    assert missing in exc.value.error_dict
    assert not Proposal.objects.exists()


def test_a_collective_proposal_needs_its_submitting_body(world):
    with pytest.raises(DomainError):
        services.proposal_save_draft(actor=world.member, data={**DRAFT, "kind": "collective"})
    p = services.proposal_save_draft(
        actor=world.member, data={**DRAFT, "kind": "collective", "group_id": world.group.pk}
    )
    assert p.submitter_display == world.group.name


def test_submission_waits_for_invited_cosigners_until_their_deadline(world, walk):
    p = walk.draft()
    peer = f.MembershipFactory(group=world.group).member
    CoSigner.objects.create(proposal=p, member=peer, deadline=date(2026, 3, 5))
    with pytest.raises(InvalidTransition) as exc:
        services.proposal_submit(proposal_id=p.pk, actor=world.member, today=TODAY)
    assert peer.name in messages(exc.value)
    services.proposal_submit(proposal_id=p.pk, actor=world.member, today=date(2026, 3, 6))
    assert p.cosigners.get().status == CoSigner.Status.EXPIRED


def test_a_cosigner_confirms_and_then_sees_the_proposal(world, walk, client_for):
    p = walk.draft()
    peer_user = f.UserFactory()
    peer = f.MembershipFactory(group=world.group, member__user=peer_user).member
    inv = CoSigner.objects.create(proposal=p, member=peer, deadline=date(2026, 3, 5))
    with pytest.raises(DomainError):
        services.cosign_respond(cosigner_id=inv.pk, accept=True, actor=world.member, today=TODAY)
    services.cosign_respond(cosigner_id=inv.pk, accept=True, actor=peer_user, today=TODAY)
    assert Proposal.objects.visible_to(peer_user).filter(pk=p.pk).exists()
    services.proposal_submit(proposal_id=p.pk, actor=world.member, today=TODAY)


def test_only_the_lead_proposer_submits(world, walk):
    p = walk.draft()
    with pytest.raises(NotPermitted):
        services.proposal_submit(proposal_id=p.pk, actor=world.convener, today=TODAY)


def test_the_whole_chain_records_every_transition(world, walk):
    p = walk.closed()
    assert p.state == S.CLOSED and p.serial_number == 1
    steps = [(e.from_state, e.to_state, e.actor) for e in events_for(p) if e.to_state]
    assert steps == [
        ("draft", "submitted", world.member),
        ("submitted", "filed", world.staff),
        ("filed", "assigned", world.staff),
        ("assigned", "replied", world.unit_user),
        ("replied", "rated", world.member),
        ("rated", "closed", world.staff),
    ]


def test_serial_numbers_count_up_per_committee_and_year(world, walk):
    a, b = walk.filed(), walk.filed()
    c = walk.filed(year=2027)
    assert (a.serial_number, b.serial_number, c.serial_number) == (1, 2, 1)


@pytest.mark.parametrize("action", ["file", "reject", "merge", "start_review"])
def test_review_actions_refuse_a_draft(world, walk, action):
    p, target = walk.draft(), walk.filed()
    call = {
        "file": lambda: services.proposal_file(proposal_id=p.pk, actor=world.staff),
        "reject": lambda: services.proposal_reject(
            proposal_id=p.pk, actor=world.staff, ground_id=ground(), reason="涉及个人事务"
        ),
        "merge": lambda: services.proposal_merge(proposal_id=p.pk, into_id=target.pk, actor=world.staff),
        "start_review": lambda: services.proposal_start_review(proposal_id=p.pk, actor=world.staff),
    }[action]
    with pytest.raises(InvalidTransition) as exc:
        call()
    assert exc.value.messages[0] and any("\u4e00" <= ch <= "\u9fff" for ch in messages(exc.value))
    p.refresh_from_db()
    assert p.state == S.DRAFT


def test_staff_of_another_committee_cannot_file(world, walk):
    p = walk.submitted()
    with pytest.raises(NotPermitted):
        services.proposal_file(proposal_id=p.pk, actor=world.other_staff)
    assert Proposal.objects.get(pk=p.pk).state == S.SUBMITTED


def test_filing_twice_files_once(world, walk):
    """Two staff press 立案 at the same moment: the second, locked behind the first, sees it filed."""
    p = walk.submitted()
    services.proposal_start_review(proposal_id=p.pk, actor=world.staff)
    services.proposal_file(proposal_id=p.pk, actor=world.district_staff)
    with pytest.raises(InvalidTransition):
        services.proposal_file(proposal_id=p.pk, actor=world.staff)
    assert Proposal.objects.get(pk=p.pk).serial_number == 1


def test_not_filing_needs_a_reason_and_can_become_a_report(world, walk):
    p = walk.submitted()
    with pytest.raises(DomainError) as exc:
        services.proposal_reject(proposal_id=p.pk, actor=world.staff, ground_id=None, reason=" ")
    assert "理由" in messages(exc.value)
    services.proposal_reject(
        proposal_id=p.pk, actor=world.staff, ground_id=ground(), reason="建议不具体", outcome="report"
    )
    p.refresh_from_db()
    assert p.state == S.NOT_FILED and p.opinion_report.author == world.member_record


def test_merged_proposers_see_the_filed_proposal_and_its_answer(world, walk):
    target = walk.filed(lead_proposer=world.convener_member)
    p = walk.submitted()
    services.proposal_merge(proposal_id=p.pk, into_id=target.pk, actor=world.staff)
    p.refresh_from_db()
    assert p.state == S.MERGED and p.merged_into == target
    assert Proposal.objects.visible_to(world.member).filter(pk=target.pk).exists()


def test_merging_into_an_unfiled_proposal_is_refused(world, walk):
    p, other = walk.submitted(), walk.submitted()
    with pytest.raises(InvalidTransition):
        services.proposal_merge(proposal_id=p.pk, into_id=other.pk, actor=world.staff)


def test_assignment_deadlines_come_from_the_committee_rules(world, walk):
    p = walk.assigned(co=[world.other_unit])
    lead, co = walk.lead(p), p.assignments.get(role="co")
    assert p.state == S.ASSIGNED and p.reply_due == date(2026, 8, 2)  # plenary: 5 months
    assert lead.reassign_until == date(2026, 3, 16)  # 10 working days
    assert co.due_date == date(2026, 4, 1)  # co-handler opinion: 30 days
    between = walk.filed(during_plenary=False)
    services.proposal_assign(proposal_id=between.pk, actor=world.staff, lead_unit_id=world.unit.pk, today=TODAY)
    assert Proposal.objects.get(pk=between.pk).reply_due == date(2026, 6, 2)


def test_a_deadline_beyond_the_hard_limit_is_refused(world, walk):
    p = walk.filed()
    with pytest.raises(DomainError):
        services.proposal_assign(
            proposal_id=p.pk, actor=world.staff, lead_unit_id=world.unit.pk, due_date=date(2026, 10, 1), today=TODAY
        )
    assert not Assignment.objects.exists()


def test_assigning_a_unit_of_another_committee_is_refused(world, walk):
    p = walk.filed()
    alien = f.HandlingUnitFactory(committee=world.other)
    with pytest.raises(DomainError):
        services.proposal_assign(proposal_id=p.pk, actor=world.staff, lead_unit_id=alien.pk, today=TODAY)


def test_working_days_skip_holidays_and_count_adjusted_weekends(world):
    from proposals.deadlines import add_working_days

    c = world.district.pk
    assert add_working_days(c, date(2026, 4, 30), 1) == date(2026, 5, 1)
    Holiday.objects.bulk_create([Holiday(committee_id=c, date=date(2026, 5, d)) for d in (1, 4, 5)])
    Holiday.objects.create(committee_id=c, date=date(2026, 5, 9), kind=Holiday.Kind.WORKDAY)  # a Saturday
    assert add_working_days(c, date(2026, 4, 30), 1) == date(2026, 5, 6)
    assert add_working_days(c, date(2026, 5, 8), 1) == date(2026, 5, 9)
    assert add_working_days(world.other.pk, date(2026, 4, 30), 1) == date(2026, 5, 1)


def test_reassignment_within_the_window_returns_it_to_staff(world, walk):
    p = walk.assigned()
    with pytest.raises(DomainError):
        services.assignment_request_reassignment(assignment_id=walk.lead(p).pk, actor=world.unit_user, reason="")
    services.assignment_request_reassignment(
        assignment_id=walk.lead(p).pk, actor=world.unit_user, reason="不属于本单位职责", today=date(2026, 3, 16)
    )
    p.refresh_from_db()
    assert p.state == S.FILED and p.lead_unit is None
    assert not Proposal.objects.visible_to(world.unit_user).filter(pk=p.pk).exists()


def test_reassignment_after_the_window_is_refused(world, walk):
    p = walk.assigned()
    with pytest.raises(InvalidTransition) as exc:
        services.assignment_request_reassignment(
            assignment_id=walk.lead(p).pk, actor=world.unit_user, reason="不属于本单位职责", today=date(2026, 3, 17)
        )
    assert "2026-03-16" in messages(exc.value)


def test_another_unit_cannot_act_on_the_assignment(world, walk):
    p = walk.assigned()
    with pytest.raises(NotPermitted):
        services.contact_record(
            assignment_id=walk.lead(p).pk, actor=world.other_unit_user, date=TODAY, way="phone", with_whom="张委员"
        )


def test_a_contact_record_starts_handling(world, walk):
    p = walk.assigned()
    services.contact_record(
        assignment_id=walk.lead(p).pk,
        actor=world.unit_user,
        date=TODAY,
        way="visit",
        with_whom="提案人",
        notes="上门沟通",
    )
    assert Proposal.objects.get(pk=p.pk).state == S.HANDLING


def test_a_cohandler_sends_its_opinion(world, walk):
    p = walk.assigned(co=[world.other_unit])
    co = p.assignments.get(role="co")
    services.cohandler_opinion_send(assignment_id=co.pk, actor=world.other_unit_user, text="同意主办单位意见")
    with pytest.raises(DomainError):
        services.cohandler_opinion_send(assignment_id=walk.lead(p).pk, actor=world.unit_user, text="x")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("result_code", {"result_code": ""}),
        ("result_code", {"result_code": "Z"}),
        ("signed_pdf", {"signed_pdf": pdf_upload("reply.pdf", b"GIF89a not a pdf")}),
        ("signed_pdf", {"signed_pdf": None}),
        ("text", {"text": ""}),
    ],
)
def test_a_bad_reply_is_refused_and_nothing_saved(world, walk, field, kwargs):
    p = walk.assigned()
    args = {"text": "答复", "result_code": "A", "signed_pdf": pdf_upload(), **kwargs}
    with pytest.raises(DomainError) as exc:
        services.proposal_reply(proposal_id=p.pk, actor=world.unit_user, today=TODAY, **args)
    assert field in exc.value.error_dict
    assert not Reply.objects.exists() and Proposal.objects.get(pk=p.pk).state == S.ASSIGNED


def test_only_the_lead_unit_replies(world, walk):
    p = walk.assigned(co=[world.other_unit])
    with pytest.raises(NotPermitted):
        services.proposal_reply(
            proposal_id=p.pk,
            actor=world.other_unit_user,
            text="答复",
            result_code="A",
            signed_pdf=pdf_upload(),
            today=TODAY,
        )


def test_a_late_reply_is_counted_as_late(world, walk):
    p = walk.assigned()
    services.proposal_reply(
        proposal_id=p.pk,
        actor=world.unit_user,
        text="答复",
        result_code="B",
        signed_pdf=pdf_upload(),
        today=date(2026, 8, 3),
    )
    p.refresh_from_db()
    assert p.replied_on_time is False and p.result_code == "B" and p.feedback_due == date(2026, 8, 24)


def test_a_rating_by_someone_other_than_the_lead_proposer_is_refused(world, walk):
    p = walk.replied()
    for who in (world.convener, world.staff, world.unit_user):
        with pytest.raises(NotPermitted) as exc:
            services.proposal_rate(proposal_id=p.pk, actor=who, rating="satisfied", today=TODAY)
        assert "领衔" in messages(exc.value) or "提案人" in messages(exc.value)
    assert Proposal.objects.get(pk=p.pk).state == S.REPLIED


def test_unsatisfied_opens_a_second_round_with_a_new_deadline(world, walk):
    p = walk.replied()
    with pytest.raises(DomainError):
        services.proposal_rate(proposal_id=p.pk, actor=world.member, rating="unsatisfied", comment="", today=TODAY)
    services.proposal_rate(
        proposal_id=p.pk, actor=world.member, rating="unsatisfied", comment="未解决实际问题", today=TODAY
    )
    p.refresh_from_db()
    assert (p.state, p.round, p.reply_due, p.first_rating) == (S.HANDLING, 2, date(2026, 5, 2), "unsatisfied")
    assert walk.lead(p).due_date == date(2026, 5, 2)
    services.proposal_reply(
        proposal_id=p.pk, actor=world.unit_user, text="再次答复", result_code="A", signed_pdf=pdf_upload(), today=TODAY
    )
    services.proposal_rate(proposal_id=p.pk, actor=world.member, rating="satisfied", today=TODAY)
    p.refresh_from_db()
    assert (p.state, p.rating, p.first_rating, p.replies.count()) == (S.RATED, "satisfied", "unsatisfied", 2)


def test_rating_after_the_feedback_window_is_refused_and_staff_may_close(world, walk):
    p = walk.replied()
    with pytest.raises(InvalidTransition):
        services.proposal_close(proposal_id=p.pk, actor=world.staff, today=TODAY)
    late = date(2026, 3, 24)
    with pytest.raises(InvalidTransition):
        services.proposal_rate(proposal_id=p.pk, actor=world.member, rating="satisfied", today=late)
    assert services.proposal_close(proposal_id=p.pk, actor=world.staff, today=late).state == S.CLOSED


def test_implementation_is_tracked_after_closing(world, walk):
    p = walk.rated()
    with pytest.raises(InvalidTransition):
        services.implementation_add(proposal_id=p.pk, actor=world.staff, text="进展", date=TODAY)
    services.proposal_close(proposal_id=p.pk, actor=world.staff, today=TODAY)
    services.implementation_add(proposal_id=p.pk, actor=world.unit_user, text="已完成一期工程", date=TODAY)
    with pytest.raises(NotPermitted):
        services.implementation_add(
            proposal_id=p.pk, actor=world.unit_user, text="全部完成", date=TODAY, completes=True
        )
    services.implementation_add(proposal_id=p.pk, actor=world.staff, text="全部完成", date=TODAY, completes=True)
    assert Proposal.objects.get(pk=p.pk).implemented_on == TODAY


def test_key_proposals_get_a_supervising_leader_and_notes(world, walk):
    p = walk.assigned()
    with pytest.raises(InvalidTransition):
        services.supervision_note_add(proposal_id=p.pk, actor=world.staff, text="督办", date=TODAY)
    with pytest.raises(DomainError):
        services.proposal_mark_key(proposal_id=p.pk, actor=world.staff, is_key=True, leader_id=world.outsider_member.pk)
    services.proposal_mark_key(proposal_id=p.pk, actor=world.staff, is_key=True, leader_id=world.convener_member.pk)
    services.supervision_note_add(proposal_id=p.pk, actor=world.staff, text="召开督办座谈会", date=timezone.localdate())
    p.refresh_from_db()
    assert p.is_key and p.supervising_leader == world.convener_member and p.supervision_notes.count() == 1


def test_settings_are_data(world, walk):
    ProposalSettings.objects.create(committee=world.district, reply_months_plenary=4, reassignment_working_days=5)
    p = walk.assigned()
    assert p.reply_due == date(2026, 7, 2) and walk.lead(p).reassign_until == date(2026, 3, 9)


# --- reports ----------------------------------------------------------------------------------------


def test_a_report_is_submitted_accepted_compiled_adopted_and_instructed(world):
    peer_user = f.UserFactory()
    peer = f.MembershipFactory(group=world.group, member__user=peer_user).member
    r = services.report_submit(
        actor=world.member,
        title="关于校园周边交通拥堵的反映",
        content="上下学高峰拥堵",
        co_author_ids=[peer.pk],
        today=TODAY,
    )
    assert r.state == OpinionReport.State.DRAFT and not r.co_authors.exists()  # the co-author confirms first
    services.coauthor_respond(invitation_id=r.invitations.get().pk, accept=True, actor=peer_user, today=TODAY)
    r = services.report_submit_draft(report_id=r.pk, actor=world.member, today=TODAY)
    assert r.state == OpinionReport.State.SUBMITTED and list(r.co_authors.all()) == [peer]
    services.report_accept(report_id=r.pk, actor=world.staff)
    issue = services.issue_compile(
        committee_id=world.district.pk, actor=world.staff, report_ids=[r.pk], published_on=timezone.localdate()
    )
    second = services.report_submit(actor=world.member, title="二", content="内容")
    services.report_accept(report_id=second.pk, actor=world.staff)
    issue2 = services.issue_compile(
        committee_id=world.district.pk, actor=world.staff, report_ids=[second.pk], published_on=timezone.localdate()
    )
    assert (issue.number, issue2.number) == (1, 2)
    services.report_record_adoption(
        report_id=r.pk, actor=world.staff, level="city", date=timezone.localdate(), adopted_by="市政协"
    )
    with pytest.raises(DomainError):
        services.report_record_adoption(report_id=r.pk, actor=world.staff, level="city", date=timezone.localdate())
    services.report_record_instruction(
        report_id=r.pk,
        actor=world.staff,
        leader="王市长",
        level="city",
        date=timezone.localdate(),
        text="请交通局研究解决",
    )
    r.refresh_from_db()
    assert r.state == OpinionReport.State.COMPILED and r.adoptions.count() == 1 and r.instructions.count() == 1


def test_a_report_decline_needs_a_reason_and_only_staff_decide(world):
    r = services.report_submit(actor=world.member, title="标题", content="内容")
    with pytest.raises(NotPermitted):
        services.report_accept(report_id=r.pk, actor=world.member)
    with pytest.raises(NotPermitted):
        services.report_accept(report_id=r.pk, actor=world.other_staff)
    with pytest.raises(DomainError):
        services.report_decline(report_id=r.pk, actor=world.staff, reason="")
    services.report_decline(report_id=r.pk, actor=world.staff, reason="内容重复")
    with pytest.raises(InvalidTransition):
        services.report_accept(report_id=r.pk, actor=world.staff)


def test_a_report_needs_title_and_content(world):
    with pytest.raises(DomainError) as exc:
        services.report_submit(actor=world.member, title="", content="")
    assert set(exc.value.error_dict) == {"title", "content"}
    assert not OpinionReport.objects.exists()


def test_a_members_record_counts_led_cosigned_and_reports(world, walk):
    from proposals import selectors

    walk.filed()
    walk.submitted()
    walk.draft()
    co = walk.filed(lead_proposer=world.convener_member)
    CoSigner.objects.create(proposal=co, member=world.member_record, deadline=TODAY, status="confirmed")
    r = services.report_submit(actor=world.member, title="标题", content="内容", today=TODAY)
    services.report_accept(report_id=r.pk, actor=world.staff)
    services.report_record_adoption(report_id=r.pk, actor=world.staff, level="city", date=timezone.localdate())
    record = selectors.member_record(world.member_record.pk, 2026)
    assert record == {
        "led": 2,
        "led_filed": 1,
        "led_key": 0,
        "cosigned": 1,
        "cosigned_filed": 1,
        "reports": 1,
        "reports_adopted": 1,
        "reports_instructed": 0,
    }
