"""From what was heard to what is done 从群众呼声到提案、社情民意: a lead 线索 (or one message or contact) becomes a
member's proposal draft or public-opinion report draft, linked both ways (``source_lead``/``source_message``/
``source_contact``; the resident's tracking page reads the links back). The lead is locked and marked taken up by
``activities.services.leads.lead_take_up`` in the same transaction; the member who will write it is told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.events import HeardTakenUp
from activities.models import Lead
from activities.services.leads import lead_take_up
from activities.verbs import ActivitiesVerb
from core.events import actor_id, publish
from core.exceptions import DomainError
from core.models import User
from core.services import not_an_api_action, record_event
from groups.access import scope_of
from groups.models import Member
from groups.verbs import GroupsVerb
from proposals.models import OpinionReport, Proposal
from proposals.services._common import _today
from proposals.services.drafting import TOPIC_CATEGORY, _check_draft, _contact_source, _message_source
from proposals.verbs import ProposalVerb


def _writer(actor: User, committee_id: int, member_id: int | None) -> Member:
    """The member who will write it: the one named, else the actor (a convener or a member)."""
    member_id = member_id or scope_of(actor).member_id
    if member_id is None:
        raise DomainError({"member": _("Choose the member who will write it.")})
    member = (
        Member.objects.select_related("user")
        .filter(pk=member_id, committee_id=committee_id, status=Member.Status.ACTIVE)
        .first()
    )
    if member is None:
        raise DomainError({"member": _("The writer must be a serving member of the same committee.")})
    return member


@not_an_api_action("a read: the text of a lead's items, for the drafts made from it")
def lead_text(lead: Lead) -> str:
    """What the lead pooled, one line per item."""
    return Lead.objects.with_items().get(pk=lead.pk).text()


def _tell(*, what: str, title: str, url: str, users: Iterable[int | None], actor: User) -> None:
    publish(
        HeardTakenUp(
            what=what,
            title=title,
            url=url,
            user_ids=tuple(sorted({u for u in users if u})),
            actor_id=actor_id(actor),
        )
    )


@transaction.atomic
def proposal_draft_from_lead(
    *, lead_id: int, actor: User, member_id: int | None = None, today: date | None = None
) -> Proposal:
    """Turn a lead into a proposal draft of the member who will write it (the actor, or a member staff name)."""
    lead = lead_take_up(
        lead_id=lead_id,
        actor=actor,
        verb=ActivitiesVerb.BECAME_PROPOSAL,
        taken=Proposal.objects.filter(source_lead_id=lead_id),
    )
    member = _writer(actor, lead.committee_id, member_id)
    text = lead_text(lead)
    data = {
        "title": f"关于{lead.title}的提案"[:200],
        "analysis": f"群众反映：\n{text}",
        "suggestions": text,
        "category": TOPIC_CATEGORY.get(lead.category, "society"),
        "kind": Proposal.Kind.MEMBER,
    }
    _check_draft(member, data, [])
    proposal = Proposal.objects.create(
        committee_id=member.committee_id,
        lead_proposer=member,
        year=_today(today).year,
        source_lead=lead,
        **data,
    )
    record_event(
        proposal, actor=actor, verb=ProposalVerb.DRAFTED, to_state=Proposal.State.DRAFT, data={"lead": lead.pk}
    )
    _tell(
        what="proposal",
        title=proposal.title,
        url=reverse("proposals:edit", args=[proposal.pk]),
        users=[member.user_id, lead.created_by_id],
        actor=actor,
    )
    return proposal


@transaction.atomic
def report_draft_from_heard(
    *,
    actor: User,
    lead_id: int | None = None,
    message_id: int | None = None,
    contact_id: int | None = None,
    member_id: int | None = None,
    today: date | None = None,
) -> OpinionReport:
    """Turn a lead, a message or a contact into a public-opinion report draft 社情民意 of the member who writes it;
    they complete and submit it (``report_submit_draft``)."""
    if [lead_id, message_id, contact_id].count(None) != 2:
        raise DomainError(_("Choose one lead, message or contact."))
    links: dict[str, Any] = {}
    creator_id = None
    if lead_id is not None:
        lead = lead_take_up(
            lead_id=lead_id,
            actor=actor,
            verb=ActivitiesVerb.BECAME_REPORT,
            taken=OpinionReport.objects.filter(source_lead_id=lead_id),
        )
        member = _writer(actor, lead.committee_id, member_id)
        title, content, links, creator_id = (
            lead.title,
            f"群众反映：\n{lead_text(lead)}",
            {"source_lead": lead},
            lead.created_by_id,
        )
    elif message_id is not None:
        message = _message_source(
            message_id,
            actor,
            made=OpinionReport,
            refusals=(
                _("Only the member the message was passed to may turn it into a report."),
                _("A message set aside cannot become a report."),
                _("This message has already become a public-opinion report."),
            ),
        )
        member = _writer(actor, message.committee_id, None)
        on = timezone.localdate(message.created_at)
        title = " ".join(message.text.split())[:30]
        content = f"群众反映（{message.place.name}，{on:%Y-%m-%d}）：{message.text}"
        links = {"source_message": message, "source_contact_id": message.contact_id}
        record_event(message, actor=actor, verb=ActivitiesVerb.REPORT_DRAFTED)
    elif contact_id is not None:  # exactly one of the three is given (checked above)
        contact = _contact_source(
            contact_id,
            actor,
            made=OpinionReport,
            refusals=(
                _("Only the member who made the contact may turn it into a report."),
                _("This contact has already become a public-opinion report."),
            ),
        )
        member = _writer(actor, contact.committee_id, None)
        title = " ".join(contact.raised.split())[:30]
        content = f"群众反映（{contact.where}，{contact.contacted_on:%Y-%m-%d}）：{contact.raised}"
        links = {"source_contact": contact}
        record_event(contact, actor=actor, verb=GroupsVerb.REPORT_DRAFTED)
    report = OpinionReport.objects.create(
        committee_id=member.committee_id,
        year=_today(today).year,
        author=member,
        title=f"关于{title}的情况反映"[:200],
        content=content,
        state=OpinionReport.State.DRAFT,
        **links,
    )
    record_event(report, actor=actor, verb=ProposalVerb.DRAFTED, to_state=report.state)
    _tell(
        what="report",
        title=report.title,
        url=reverse("proposals:report_detail", args=[report.pk]),
        users=[member.user_id, creator_id],
        actor=actor,
    )
    return report
