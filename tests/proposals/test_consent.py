"""Consent holds only for the text that was agreed to: co-signers and co-authors confirm the version they read.

A lead proposer's change to what a co-signer confirmed (any content field, a new attachment) after the
confirmation asks them again; an answer given to an older version is refused; no door but the lead's draft
form changes a proposal's content. A report's co-authors are invited and confirm before the report is
submitted, as a proposal's co-signers do.
"""

from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exceptions import ConcurrentEdit, InvalidTransition, NotPermitted
from core.models import AuditEvent
from core.services import events_for
from notifications.models import Notification
from proposals import services
from proposals.models import CoAuthorInvitation, CoSigner, OpinionReport, Proposal
from tests import factories as f
from tests.events import deliver_outboxed_events
from tests.proposals.factories import TODAY

pytestmark = pytest.mark.django_db
S = Proposal.State

DRAFT = {
    "title": "关于加快老旧小区加装电梯的建议",
    "analysis": "现状",
    "suggestions": "一、简化审批",
    "category": "urban",
    "kind": "member",
    "during_plenary": True,
    "is_public": True,
}


@pytest.fixture
def peer(world):
    """A member of the district with a login, to co-sign or co-author."""
    user = f.UserFactory()
    return f.MembershipFactory(group=world.group, member__user=user).member


def confirmed_draft(world, peer, **data):
    p = services.proposal_save_draft(actor=world.member, data={**DRAFT, **data}, cosigner_ids=[peer.pk], today=TODAY)
    services.cosign_respond(
        cosigner_id=p.cosigners.get().pk, accept=True, actor=peer.user, today=TODAY, seen=p.content_digest()
    )
    assert Proposal.objects.get(pk=p.pk).confirmed_cosigners == 1
    return p


def edit(world, p, peer, today=TODAY, attachments=(), **changes):
    return services.proposal_save_draft(
        actor=world.member,
        proposal_id=p.pk,
        data={**DRAFT, **changes},
        cosigner_ids=[peer.pk],
        attachments=attachments,
        today=today,
    )


# --- proposals: an edit after confirmation asks again -------------------------------------------------


def test_a_leads_edit_after_confirmation_asks_the_cosigner_again_and_blocks_the_old_confirmation(world, peer):
    p = confirmed_draft(world, peer)
    edit(world, p, peer, suggestions="一、取消补贴", today=date(2026, 3, 4))
    invitation = p.cosigners.get()
    assert invitation.status == CoSigner.Status.INVITED and invitation.responded_at is None
    assert invitation.deadline == date(2026, 3, 9)  # a fresh deadline: 3 working days from the edit
    assert Proposal.objects.get(pk=p.pk).confirmed_cosigners == 0  # the database's count follows
    with pytest.raises(InvalidTransition) as exc:
        services.proposal_submit(proposal_id=p.pk, actor=world.member, today=date(2026, 3, 4))
    assert peer.name in " ".join(exc.value.messages)
    asked = [e for e in events_for(p) if e.verb == "cosigners_asked_again"]
    assert len(asked) == 1 and asked[0].data == {"members": [peer.pk], "fields": ["suggestions"]}
    deliver_outboxed_events()  # the notices go after commit, through the outbox (core.events)
    notice = Notification.objects.filter(recipient=peer.user).latest("pk")
    assert p.title in notice.title and "重新确认" in notice.title
    assert notice.url == reverse("proposals:detail", args=[p.pk]) and notice.due == date(2026, 3, 9)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "关于暂缓加装电梯的建议"},
        {"analysis": "另一种现状"},
        {"suggestions": "一、取消补贴"},
        {"category": "economy"},
        {"is_public": False},
    ],
    ids=lambda c: next(iter(c)),
)
def test_every_content_field_a_cosigner_confirmed_counts_as_a_change(world, peer, change):
    p = confirmed_draft(world, peer)
    edit(world, p, peer, **change)
    assert p.cosigners.get().status == CoSigner.Status.INVITED


def test_a_new_attachment_counts_as_a_change(world, peer):
    p = confirmed_draft(world, peer)
    edit(world, p, peer, attachments=[SimpleUploadedFile("附件.pdf", b"%PDF-1.4\n%%EOF\n")])
    assert p.cosigners.get().status == CoSigner.Status.INVITED


def test_saving_the_same_text_again_keeps_the_confirmation(world, peer):
    p = confirmed_draft(world, peer)
    edit(world, p, peer, during_plenary=False)  # when it is submitted is no part of what was endorsed
    assert p.cosigners.get().status == CoSigner.Status.CONFIRMED
    services.proposal_submit(proposal_id=p.pk, actor=world.member, today=TODAY)
    assert Proposal.objects.get(pk=p.pk).confirmed_cosigners == 1


def test_a_cosigner_taken_off_while_editing_is_not_asked_again(world, peer):
    p = confirmed_draft(world, peer)
    services.proposal_save_draft(
        actor=world.member, proposal_id=p.pk, data={**DRAFT, "title": "新标题"}, cosigner_ids=[], today=TODAY
    )
    assert not p.cosigners.exists() and not Notification.objects.filter(recipient=peer.user).exists()
    assert Proposal.objects.get(pk=p.pk).confirmed_cosigners == 0


def test_a_declined_cosigner_is_not_asked_again(world, peer):
    p = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[peer.pk], today=TODAY)
    services.cosign_respond(cosigner_id=p.cosigners.get().pk, accept=False, actor=peer.user, today=TODAY)
    edit(world, p, peer, title="新标题")
    assert p.cosigners.get().status == CoSigner.Status.DECLINED
    assert not AuditEvent.objects.filter(verb="cosigners_asked_again").exists()


def test_the_draft_page_edit_asks_the_cosigner_again(world, peer, client_for):
    p = confirmed_draft(world, peer)
    response = client_for(world.member).post(
        reverse("proposals:edit", args=[p.pk]),
        {**DRAFT, "title": "关于暂缓加装电梯的建议", "cosigners": [peer.pk], "submit": "1"},
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == S.DRAFT and p.title == "关于暂缓加装电梯的建议"  # saved, but not submitted
    assert p.cosigners.get().status == CoSigner.Status.INVITED and p.confirmed_cosigners == 0


def test_a_confirmation_of_the_text_before_the_change_is_refused(world, peer):
    p = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[peer.pk], today=TODAY)
    read = p.content_digest()
    edit(world, p, peer, suggestions="一、取消补贴")
    with pytest.raises(ConcurrentEdit):
        services.cosign_respond(cosigner_id=p.cosigners.get().pk, accept=True, actor=peer.user, today=TODAY, seen=read)
    assert p.cosigners.get().status == CoSigner.Status.INVITED
    services.cosign_respond(
        cosigner_id=p.cosigners.get().pk,
        accept=True,
        actor=peer.user,
        today=TODAY,
        seen=Proposal.objects.get(pk=p.pk).content_digest(),
    )
    assert Proposal.objects.get(pk=p.pk).confirmed_cosigners == 1


def test_the_invitation_page_confirms_only_the_version_shown(world, peer, client_for):
    p = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[peer.pk], today=TODAY)
    invitation = p.cosigners.get()
    client = client_for(peer.user)
    page = client.get(reverse("proposals:mine")).content.decode()
    assert f'name="seen" value="{p.content_digest()}"' in page
    client.post(reverse("proposals:cosign", args=[invitation.pk, "confirm"]), {"seen": "0" * 16})
    assert CoSigner.objects.get(pk=invitation.pk).status == CoSigner.Status.INVITED
    client.post(reverse("proposals:cosign", args=[invitation.pk, "confirm"]))  # no version named: refused too
    assert CoSigner.objects.get(pk=invitation.pk).status == CoSigner.Status.INVITED


JSON = "application/json"


def test_the_api_answers_a_cosign_invitation_for_the_version_read(world, peer, client_for):
    p = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[peer.pk])
    client = client_for(peer.user)
    digest = client.get(f"/api/v1/proposals/{p.pk}/").json()["content_digest"]
    edit(world, p, peer, today=None, title="新标题")
    url = f"/api/v1/proposals/{p.pk}/cosign/"
    assert client.post(url, {"accept": True, "seen": digest}, content_type=JSON).status_code == 409
    body = client.get(f"/api/v1/proposals/{p.pk}/").json()
    response = client.post(url, {"accept": True, "seen": body["content_digest"]}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["confirmed_cosigners"] == 1
    assert client_for(world.convener).post(url, {"accept": True}, content_type=JSON).status_code in (403, 404)


def test_staff_cannot_rewrite_a_proposal_in_the_admin(world, peer, client_for):
    p = confirmed_draft(world, peer)
    url = reverse("admin:proposals_proposal_change", args=[p.pk])
    client = client_for(world.staff)
    assert client.get(url).status_code == 200
    client.post(url, {"title": "被改写的标题", "suggestions": "被改写的建议", "category": "economy", "_save": "1"})
    p.refresh_from_db()
    assert (p.title, p.suggestions, p.category) == (DRAFT["title"], DRAFT["suggestions"], DRAFT["category"])
    assert p.cosigners.get().status == CoSigner.Status.CONFIRMED
    readonly = site._registry[Proposal].get_readonly_fields(None, p)
    assert {"title", "analysis", "suggestions", "category", "kind", "is_public"} <= set(readonly)


# --- reports: co-authors confirm ---------------------------------------------------------------------


def report_with(world, peer, today=TODAY):
    return services.report_submit(
        actor=world.member,
        title="关于校园周边交通拥堵的反映",
        content="上下学高峰拥堵",
        co_author_ids=[peer.pk],
        today=today,
    )


def test_a_named_co_author_is_invited_and_is_no_co_author_until_confirming(world, peer):
    r = report_with(world, peer)
    assert r.state == OpinionReport.State.DRAFT and not r.co_authors.exists()
    invitation = r.invitations.get()
    assert invitation.member == peer and invitation.status == CoAuthorInvitation.Status.INVITED
    assert OpinionReport.objects.visible_to(peer.user).filter(pk=r.pk).exists()  # to read before answering
    deliver_outboxed_events()
    assert Notification.objects.filter(recipient=peer.user, url=reverse("proposals:report_detail", args=[r.pk]))
    with pytest.raises(InvalidTransition) as exc:
        services.report_submit_draft(report_id=r.pk, actor=world.member, today=TODAY)
    assert peer.name in " ".join(exc.value.messages)
    with pytest.raises(InvalidTransition):
        services.report_accept(report_id=r.pk, actor=world.staff)  # staff cannot take up a draft
    with pytest.raises(NotPermitted):
        services.coauthor_respond(invitation_id=invitation.pk, accept=True, actor=world.member, today=TODAY)
    services.coauthor_respond(
        invitation_id=invitation.pk, accept=True, actor=peer.user, today=TODAY, seen=r.content_digest()
    )
    services.report_submit_draft(report_id=r.pk, actor=world.member, today=TODAY)
    r.refresh_from_db()
    assert r.state == OpinionReport.State.SUBMITTED and list(r.co_authors.all()) == [peer]


def test_a_declined_or_lapsed_co_author_is_left_off_the_report(world, peer):
    other = f.MembershipFactory(group=world.group, member__user=f.UserFactory()).member
    r = services.report_submit(
        actor=world.member, title="标题", content="内容", co_author_ids=[peer.pk, other.pk], today=TODAY
    )
    services.coauthor_respond(
        invitation_id=r.invitations.get(member=peer).pk, accept=False, actor=peer.user, today=TODAY
    )
    assert not OpinionReport.objects.visible_to(peer.user).filter(pk=r.pk).exists()
    services.report_submit_draft(report_id=r.pk, actor=world.member, today=date(2026, 3, 20))  # other's lapsed
    r.refresh_from_db()
    assert r.state == OpinionReport.State.SUBMITTED and not r.co_authors.exists()
    assert r.invitations.get(member=other).status == CoAuthorInvitation.Status.EXPIRED
    with pytest.raises(InvalidTransition):  # too late to join a submitted report
        services.coauthor_respond(
            invitation_id=r.invitations.get(member=other).pk, accept=True, actor=other.user, today=TODAY
        )


def test_a_report_alone_is_submitted_at_once(world):
    r = services.report_submit(actor=world.member, title="标题", content="内容")
    assert r.state == OpinionReport.State.SUBMITTED and not r.invitations.exists()


def test_the_co_author_confirms_on_the_report_page_and_the_author_submits_there(world, peer, client_for):
    r = report_with(world, peer, today=None)
    invitation = r.invitations.get()
    client = client_for(peer.user)
    assert r.title in client.get(reverse("proposals:mine")).content.decode()
    page = client.get(reverse("proposals:report_detail", args=[r.pk])).content.decode()
    assert r.content in page and f'value="{r.content_digest()}"' in page
    client.post(reverse("proposals:coauthor_answer", args=[invitation.pk, "confirm"]), {"seen": "stale"})
    assert CoAuthorInvitation.objects.get(pk=invitation.pk).status == CoAuthorInvitation.Status.INVITED
    client.post(reverse("proposals:coauthor_answer", args=[invitation.pk, "confirm"]), {"seen": r.content_digest()})
    assert CoAuthorInvitation.objects.get(pk=invitation.pk).status == CoAuthorInvitation.Status.CONFIRMED
    author = client_for(world.member)
    assert 'data-action="report-submit"' in author.get(reverse("proposals:report_detail", args=[r.pk])).content.decode()
    author.post(reverse("proposals:report_act", args=[r.pk, "submit"]))
    assert OpinionReport.objects.get(pk=r.pk).state == OpinionReport.State.SUBMITTED
    # another member cannot answer someone else's invitation
    assert (
        client_for(world.convener)
        .post(reverse("proposals:coauthor_answer", args=[invitation.pk, "decline"]))
        .status_code
        == 404
    )


def test_the_staff_report_list_leaves_drafts_out(world, peer, client_for):
    r = report_with(world, peer)
    assert r.title not in client_for(world.staff).get(reverse("proposals:reports")).content.decode()


def test_the_api_invites_co_authors_who_confirm_before_submission(world, peer, client_for):
    author = client_for(world.member)
    created = author.post(
        "/api/v1/opinion-reports/", {"title": "标题", "content": "内容", "co_authors": [peer.pk]}, content_type=JSON
    )
    assert created.status_code == 201 and created.json()["state"] == "draft" and created.json()["co_authors"] == []
    pk = created.json()["id"]
    assert author.post(f"/api/v1/opinion-reports/{pk}/submit-draft/").status_code == 400  # waiting
    co = client_for(peer.user)
    body = co.get(f"/api/v1/opinion-reports/{pk}/").json()
    assert body["invitations"][0]["status"] == "invited"
    answer = co.post(
        f"/api/v1/opinion-reports/{pk}/co-authorship/",
        {"accept": True, "seen": body["content_digest"]},
        content_type=JSON,
    )
    assert answer.status_code == 200 and answer.json()["co_authors"] == [peer.pk]
    done = client_for(world.member).post(f"/api/v1/opinion-reports/{pk}/submit-draft/")
    assert done.status_code == 200 and done.json()["state"] == "submitted"


def test_the_api_refuses_co_authors_named_by_the_client_on_the_report(world, peer, client_for):
    """No API door writes a report's co-authors: only a confirmation puts a member there."""
    r = services.report_submit(actor=world.member, title="标题", content="内容")
    response = client_for(world.member).patch(
        f"/api/v1/opinion-reports/{r.pk}/", {"co_authors": [peer.pk]}, content_type=JSON
    )
    assert response.status_code == 405 and not r.co_authors.exists()


def test_staff_cannot_add_co_authors_or_rewrite_a_report_in_the_admin(world, peer, client_for):
    r = services.report_submit(actor=world.member, title="标题", content="内容")
    url = reverse("admin:proposals_opinionreport_change", args=[r.pk])
    client = client_for(world.staff)
    assert client.get(url).status_code == 200
    client.post(url, {"co_authors": [peer.pk], "title": "改写", "content": "改写", "_save": "1"})
    r.refresh_from_db()
    assert (r.title, r.content) == ("标题", "内容") and not r.co_authors.exists()


def test_a_staff_edit_keeps_the_text_before_in_the_audit_trail(world):
    r = services.report_submit(actor=world.member, title="标题", content="内容")
    services.report_edit(report_id=r.pk, actor=world.staff, title="标题（编辑）", content="内容（编辑）")
    edited = next(e for e in events_for(r) if e.verb == "edited")
    assert edited.data == {"before": {"title": "标题", "content": "内容"}}


def test_the_api_does_not_take_a_confirmation_without_the_digest_of_the_text_read(world, peer, client_for):
    """The page always sends what it showed; the API must too, or an old confirmation could pass unchecked."""
    p = services.proposal_save_draft(actor=world.member, data=DRAFT, cosigner_ids=[peer.pk])
    response = client_for(peer.user).post(f"/api/v1/proposals/{p.pk}/cosign/", {"accept": True}, content_type=JSON)
    assert response.status_code == 400 and "seen" in response.json()
    assert p.cosigners.get().status == CoSigner.Status.INVITED
