"""A notice at every hand-off of a proposal or an opinion report (proposals/subscribers.py): after commit, to exactly
the people concerned (never the one who acted), in Chinese, with a link to the page where they act."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from proposals import services
from proposals.models import CoSigner, OpinionReport
from tests import factories as f
from tests.events import deliver_outboxed_events
from tests.proposals.factories import TODAY, ground, pdf_upload

pytestmark = pytest.mark.django_db

DRAFT = {
    "title": "关于加快老旧小区加装电梯的建议",
    "analysis": "现状",
    "suggestions": "一、简化审批",
    "category": "urban",
    "kind": "member",
    "during_plenary": True,
}


def _member_with_login(world):
    return f.MembershipFactory(group=world.group, member__user=f.UserFactory()).member


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


def _with_cosigners(walk, world, *statuses):
    """A draft of ``world.member`` with one co-signer per status (each a member with a login)."""
    proposal = walk.draft()
    members = [_member_with_login(world) for _ in statuses]
    for member, status in zip(members, statuses, strict=True):
        CoSigner.objects.create(proposal=proposal, member=member, status=status, deadline=TODAY)
    return proposal, members


def _submit(walk, proposal):
    return services.proposal_submit(proposal_id=proposal.pk, actor=proposal.lead_proposer.user, today=walk.today)


def test_a_cosigner_s_answer_tells_the_lead_proposer_only(world):
    invited = _member_with_login(world)
    proposal = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[invited.pk])
    deliver_outboxed_events()
    invitation = proposal.cosigners.get(member=invited)
    services.cosign_respond(
        cosigner_id=invitation.pk, accept=False, actor=invited.user, today=invitation.invited_at.date()
    )
    [notice] = _told(Kind.COSIGN_ANSWERED)
    assert notice.recipient == world.member and notice.target == invitation
    assert notice.url == reverse("proposals:detail", args=[proposal.pk])
    assert notice.title == f"{invited.name} 已拒绝联名《{proposal.title}》"
    assert notice.body == "联名人均已答复，可以提交提案。"


def test_filing_tells_the_lead_proposer_and_the_confirmed_cosigners(world, walk):
    proposal, (confirmed, declined) = _with_cosigners(walk, world, CoSigner.Status.CONFIRMED, CoSigner.Status.DECLINED)
    _submit(walk, proposal)
    services.proposal_file(proposal_id=proposal.pk, actor=world.staff)
    notices = _told(Kind.PROPOSAL_FILED)
    assert {n.recipient for n in notices} == {world.member, confirmed.user}  # not the one who declined, not staff
    proposal.refresh_from_db()
    for notice in notices:
        assert notice.url == reverse("proposals:detail", args=[proposal.pk])
        assert notice.title.startswith("提案已立案：") and proposal.number_display in notice.title


def test_not_filing_tells_the_proposers_the_reason(world, walk):
    proposal = walk.submitted()
    services.proposal_reject(
        proposal_id=proposal.pk, actor=world.staff, ground_id=ground("超出"), reason="不属于政协履职范围"
    )
    [notice] = _told(Kind.PROPOSAL_NOT_FILED)
    assert notice.recipient == world.member
    assert (
        notice.title == f"《{proposal.title}》不予立案"
        and notice.body == "理由：超出本级政协职责范围的：不属于政协履职范围"
    )
    assert notice.url == reverse("proposals:detail", args=[proposal.pk])


def test_a_proposal_converted_into_a_report_links_the_proposers_to_the_report(world, walk):
    proposal = walk.submitted()
    services.proposal_reject(
        proposal_id=proposal.pk, actor=world.staff, ground_id=ground(), reason="宜作为社情民意报送", outcome="report"
    )
    [notice] = _told(Kind.PROPOSAL_CONVERTED)
    report = OpinionReport.objects.get(source_proposal=proposal)
    assert notice.recipient == world.member
    assert notice.url == reverse("proposals:report_detail", args=[report.pk])
    assert "转为社情民意信息" in notice.title and "宜作为社情民意报送" in notice.body
    assert not Notification.objects.filter(kind=Kind.PROPOSAL_NOT_FILED).exists()


def test_a_merge_tells_the_merged_proposal_s_proposers_into_which_proposal(world, walk):
    target = walk.filed()
    other = _member_with_login(world)
    proposal = walk.submitted(lead_proposer=other)
    deliver_outboxed_events()
    services.proposal_merge(proposal_id=proposal.pk, into_id=target.pk, actor=world.staff)
    [notice] = _told(Kind.PROPOSAL_MERGED)
    assert notice.recipient == other.user  # not the target's proposer
    assert target.number_display in notice.title and target.title in notice.title
    assert notice.url == reverse("proposals:detail", args=[proposal.pk])


def test_a_unit_returning_a_proposal_tells_the_committee_s_staff(world, walk):
    proposal = walk.assigned()
    deliver_outboxed_events()
    services.assignment_request_reassignment(
        assignment_id=walk.lead(proposal).pk, actor=world.unit_user, reason="不属于本单位职责", today=walk.today
    )
    [notice] = _told(Kind.PROPOSAL_RETURNED)
    assert notice.recipient == world.district_staff  # the proposal's committee; not the unit, not the proposer
    assert notice.title.startswith(world.unit.name + "退回提案") and "不属于本单位职责" in notice.body
    assert notice.url == reverse("proposals:detail", args=[proposal.pk])


def test_a_reply_tells_the_proposers_with_the_feedback_deadline(world, walk):
    proposal, (confirmed,) = _with_cosigners(walk, world, CoSigner.Status.CONFIRMED)
    _submit(walk, proposal)
    services.proposal_file(proposal_id=proposal.pk, actor=world.staff)
    services.proposal_assign(proposal_id=proposal.pk, actor=world.staff, lead_unit_id=world.unit.pk, today=walk.today)
    deliver_outboxed_events()
    services.proposal_reply(
        proposal_id=proposal.pk,
        actor=world.unit_user,
        text="已落实",
        result_code="A",
        signed_pdf=pdf_upload(),
        today=walk.today,
    )
    notices = _told(Kind.PROPOSAL_REPLIED)
    proposal.refresh_from_db()
    assert {n.recipient for n in notices} == {world.member, confirmed.user}  # not the unit that replied
    assert all(
        n.due == proposal.feedback_due and n.url == reverse("proposals:detail", args=[proposal.pk]) for n in notices
    )
    assert notices[0].title.startswith(world.unit.name + "已答复提案")


def test_an_unsatisfied_rating_tells_the_lead_unit_of_the_second_round(world, walk):
    proposal = walk.replied()
    deliver_outboxed_events()
    services.proposal_rate(
        proposal_id=proposal.pk, actor=world.member, rating="unsatisfied", comment="未回应第二条建议", today=walk.today
    )
    [notice] = _told(Kind.PROPOSAL_REOPENED)
    proposal.refresh_from_db()
    assert notice.recipient == world.unit_user and notice.due == proposal.reply_due
    assert "第 2 轮" in notice.title and "未回应第二条建议" in notice.body
    assert notice.url == reverse("proposals:detail", args=[proposal.pk])


def test_closing_tells_the_proposers_and_the_lead_unit(world, walk):
    proposal = walk.rated()
    deliver_outboxed_events()
    services.proposal_close(proposal_id=proposal.pk, actor=world.staff, today=walk.today)
    notices = _told(Kind.PROPOSAL_CLOSED)
    assert {n.recipient for n in notices} == {world.member, world.unit_user}
    assert all(n.url == reverse("proposals:detail", args=[proposal.pk]) for n in notices)
    assert notices[0].title.startswith("提案已办结：")


def test_marking_a_key_proposal_tells_the_supervising_leader_and_the_handling_units(world, walk):
    proposal = walk.assigned(co=[world.other_unit])
    leader = f.MemberFactory(committee=world.district, user=f.UserFactory())
    deliver_outboxed_events()
    services.proposal_mark_key(proposal_id=proposal.pk, actor=world.staff, is_key=True, leader_id=leader.pk)
    notices = _told(Kind.PROPOSAL_KEY_MARKED)
    assert {n.recipient for n in notices} == {leader.user, world.unit_user, world.other_unit_user}
    assert all(n.url == reverse("proposals:detail", args=[proposal.pk]) for n in notices)
    assert next(n for n in notices if n.recipient == leader.user).title.startswith("请您督办重点提案")
    assert leader.name in next(n for n in notices if n.recipient == world.unit_user).body

    services.proposal_mark_key(proposal_id=proposal.pk, actor=world.staff, is_key=False)
    assert set(deliver_outboxed_events()) == {"done"}
    assert Notification.objects.filter(kind=Kind.PROPOSAL_KEY_MARKED).count() == 3  # unmarking tells no one


# --- opinion reports ------------------------------------------------------------------------------------------


def _report(world):
    report = services.report_submit(actor=world.member, title="关于社区养老服务的建议", content="内容")
    co_author = _member_with_login(world)
    report.co_authors.add(co_author)
    return report, co_author


def _authors_told(kind, report, world, co_author) -> list[Notification]:
    notices = _told(kind)
    assert {n.recipient for n in notices} == {world.member, co_author.user}  # not the staff who acted
    assert all(n.url == reverse("proposals:report_detail", args=[report.pk]) for n in notices)
    return notices


def test_accepting_a_report_tells_its_authors(world):
    report, co_author = _report(world)
    services.report_accept(report_id=report.pk, actor=world.staff)
    notices = _authors_told(Kind.REPORT_ACCEPTED, report, world, co_author)
    assert notices[0].title == f"信息已采纳：《{report.title}》"


def test_compiling_reports_into_an_issue_tells_each_report_s_authors(world):
    report, co_author = _report(world)
    services.report_accept(report_id=report.pk, actor=world.staff)
    deliver_outboxed_events()
    issue = services.issue_compile(
        committee_id=report.committee_id, actor=world.staff, report_ids=[report.pk], published_on=timezone.localdate()
    )
    notices = _authors_told(Kind.REPORT_COMPILED, report, world, co_author)
    assert notices[0].title == f"《{report.title}》已编入{issue}"


def test_an_adoption_tells_the_report_s_authors(world):
    report, co_author = _report(world)
    services.report_accept(report_id=report.pk, actor=world.staff)
    deliver_outboxed_events()
    services.report_record_adoption(report_id=report.pk, actor=world.staff, level="city", date=timezone.localdate())
    notices = _authors_told(Kind.REPORT_ADOPTED, report, world, co_author)
    assert "被市级采用" in notices[0].body


def test_an_instruction_tells_the_report_s_authors(world):
    report, co_author = _report(world)
    services.report_accept(report_id=report.pk, actor=world.staff)
    deliver_outboxed_events()
    services.report_record_instruction(
        report_id=report.pk,
        actor=world.staff,
        leader="张书记",
        level="city",
        date=timezone.localdate(),
        text="请民政局研究落实。",
    )
    notices = _authors_told(Kind.REPORT_INSTRUCTED, report, world, co_author)
    assert notices[0].title == f"张书记对《{report.title}》作出批示" and notices[0].body == "请民政局研究落实。"
