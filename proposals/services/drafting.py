"""Drafting, co-signing and submitting a proposal, and drafts from what residents raised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import PublicMessage
from core.events import actor_id, publish
from core.exceptions import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, record_event
from core.uploads import validate_upload
from groups.access import scope_of
from groups.models import ActivityGroup, ConstituentContact, Member
from proposals import similarity
from proposals.deadlines import add_working_days, settings_for
from proposals.events import (
    CosignAnswered,
    CosignersInvited,
)
from proposals.models import (
    Attachment,
    Category,
    CoSigner,
    OpinionReport,
    Proposal,
)
from proposals.services._common import _move, _require_lead_proposer, _require_state, _today
from proposals.verbs import ProposalVerb

# --- drafting and co-signing ----------------------------------------------------------------------

DRAFT_FIELDS = ("title", "analysis", "suggestions", "category", "kind", "during_plenary", "party", "is_public")


def _check_draft(member: Member, data: dict[str, Any], cosigner_ids: list[int]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("Enter the title (案由).")
    if not (data.get("suggestions") or "").strip():
        errors["suggestions"] = _("Enter at least one concrete suggestion.")
    if data.get("category") not in Category.values:
        errors["category"] = _("Choose a category.")
    collective = data.get("kind") == Proposal.Kind.COLLECTIVE
    bodies = [data.get("group_id"), data.get("sector_id"), data.get("special_committee_id"), data.get("party")]
    if collective and not any(bodies):
        errors["kind"] = _("A collective proposal needs the group, sector, special committee or party submitting it.")
    if collective and cosigner_ids:
        errors["cosigners"] = _("A collective proposal has no co-signers.")
    if cosigner_ids:
        found = set(
            Member.objects.filter(
                pk__in=cosigner_ids, committee_id=member.committee_id, status=Member.Status.ACTIVE
            ).values_list("pk", flat=True)
        )
        if set(cosigner_ids) - found:
            errors["cosigners"] = _("Every co-signer must be a serving member of the same committee.")
        if member.pk in set(cosigner_ids):
            errors["cosigners"] = _("The lead proposer cannot co-sign their own proposal.")
    if (
        data.get("group_id")
        and not ActivityGroup.objects.filter(pk=data["group_id"], committee_id=member.committee_id).exists()
    ):
        errors["group"] = _("The group must belong to the same committee.")
    if errors:
        raise DomainError(errors)
    return data


@transaction.atomic
def proposal_save_draft(
    *,
    actor: User,
    data: dict[str, Any],
    cosigner_ids: Iterable[int | str] = (),
    proposal_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    today: date | None = None,
) -> Proposal:
    """Create or change a draft proposal and invite its co-signers."""
    scope = scope_of(actor)
    if not scope.member_id:
        raise NotPermitted(_("Only a member can draft a proposal."))
    member = Member.objects.get(pk=scope.member_id)
    member_ids = [int(i) for i in cosigner_ids]
    _check_draft(member, data, member_ids)
    values = {k: data[k] for k in DRAFT_FIELDS if k in data}
    values.update({k: data.get(k) for k in ("group_id", "sector_id", "special_committee_id")})
    changed = []
    if proposal_id is None:
        proposal = Proposal.objects.create(
            committee_id=member.committee_id,
            lead_proposer=member,
            year=data.get("year") or _today(today).year,
            **values,
        )
        record_event(proposal, actor=actor, verb=ProposalVerb.DRAFTED, to_state=Proposal.State.DRAFT)
    else:
        proposal = lock(Proposal, proposal_id)
        _require_lead_proposer(actor, proposal)
        _require_state(proposal, Proposal.State.DRAFT, message=_("Only a draft can be changed."))
        before = proposal.content_version()
        for k, v in values.items():
            setattr(proposal, k, v)
        # ``confirmed_cosigners`` is the database's (triggers): never written back from this instance.
        proposal.save(update_fields=[*values, "updated_at"])
        changed = [k for k in Proposal.CONTENT_FIELDS if before[k] != getattr(proposal, k)]
        record_event(proposal, actor=actor, verb=ProposalVerb.EDITED, data={"fields": changed} if changed else None)
    _invite(proposal, member_ids, actor=actor, today=_today(today))  # a co-signer taken off is not asked again
    for upload in attachments:
        validate_upload(upload, model=Attachment, field="file", error_key="attachment")
        Attachment.objects.create(proposal=proposal, file=upload, name=(upload.name or "")[:200])
    if proposal_id is not None and (changed or attachments):
        _ask_cosigners_again(
            proposal, [*changed, *(["attachments"] if attachments else [])], actor=actor, today=_today(today)
        )
    return proposal


# 从群众呼声到提案: what residents raised becomes a member's proposal draft, linked both ways.
TOPIC_CATEGORY = {
    "livelihood": "society",
    "economy": "economy",
    "governance": "society",
    "environment": "ecology",
    "education_health": "society",
    "other": "society",
}


def _heard_draft(*, actor: User, text: str, topic: str, where: str, on: date) -> Proposal:
    snippet = " ".join(text.split())[:30]
    return proposal_save_draft(
        actor=actor,
        data={
            "title": f"关于“{snippet}”的提案"[:200],
            "analysis": f"群众反映（{where}，{on:%Y-%m-%d}）：{text}",
            "suggestions": text,
            "category": TOPIC_CATEGORY.get(topic, "society"),
            "kind": Proposal.Kind.MEMBER,
        },
    )


def _message_source(
    message_id: int, actor: User, *, made: type[Proposal | OpinionReport], refusals: tuple[str, str, str]
) -> PublicMessage:
    """The resident's message ``message_id``, locked, that ``actor`` turns into a ``made`` (a proposal draft or a
    public-opinion report): refused unless it was passed to them (``refusals[0]``), is not set aside
    (``refusals[1]``) and has not become one already (``refusals[2]``), each in the words of what it would become."""
    message = PublicMessage.objects.select_for_update().filter(pk=message_id).first()
    member_id = scope_of(actor).member_id
    if (
        message is None
        or member_id is None
        or member_id not in {message.routed_member_id, getattr(message.contact, "member_id", None)}
    ):
        raise NotPermitted(refusals[0])
    if message.state == PublicMessage.State.DISCARDED:
        raise InvalidTransition(refusals[1])
    if made._default_manager.filter(source_message_id=message.pk).exists():
        raise InvalidTransition(refusals[2])
    return message


def _contact_source(
    contact_id: int, actor: User, *, made: type[Proposal | OpinionReport], refusals: tuple[str, str]
) -> ConstituentContact:
    """The contact ``contact_id``, locked, that ``actor`` turns into a ``made``: refused unless they made it
    (``refusals[0]``) and it has not become one already (``refusals[1]``)."""
    contact = ConstituentContact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None or contact.member_id != scope_of(actor).member_id:
        raise NotPermitted(refusals[0])
    if made._default_manager.filter(source_contact_id=contact.pk).exists():
        raise InvalidTransition(refusals[1])
    return contact


@transaction.atomic
def proposal_draft_from_message(*, message_id: int, actor: User) -> Proposal:
    """Turn a resident's message passed to the acting member into their proposal draft (已转为提案 on its page)."""
    message = _message_source(
        message_id,
        actor,
        made=Proposal,
        refusals=(
            _("Only the member the message was passed to may turn it into a proposal."),
            _("A message set aside cannot become a proposal."),
            _("This message has already become a proposal."),
        ),
    )
    proposal = _heard_draft(
        actor=actor,
        text=message.text,
        topic=message.category,
        where=message.place.name,
        on=timezone.localdate(message.created_at),
    )
    proposal.source_message = message
    proposal.source_contact_id = message.contact_id
    proposal.save(update_fields=["source_message", "source_contact", "updated_at"])
    record_event(message, actor=actor, verb=ProposalVerb.PROPOSAL_DRAFTED, data={"proposal": proposal.pk})
    return proposal


@transaction.atomic
def proposal_draft_from_contact(*, contact_id: int, actor: User) -> Proposal:
    """Turn what a member heard in a contact with the people into their proposal draft, linked to the contact."""
    contact = _contact_source(
        contact_id,
        actor,
        made=Proposal,
        refusals=(
            _("Only the member who made the contact may turn it into a proposal."),
            _("This contact has already become a proposal."),
        ),
    )
    proposal = _heard_draft(
        actor=actor, text=contact.raised, topic=contact.topic, where=contact.where, on=contact.contacted_on
    )
    proposal.source_contact = contact
    proposal.source_message_id = getattr(getattr(contact, "public_message", None), "pk", None)
    proposal.save(update_fields=["source_message", "source_contact", "updated_at"])
    record_event(contact, actor=actor, verb=ProposalVerb.PROPOSAL_DRAFTED, data={"proposal": proposal.pk})
    return proposal


def _ask_cosigners_again(proposal: Proposal, changed: list[str], *, actor: User, today: date) -> None:
    """The text a co-signer confirmed has changed: their confirmation no longer holds, so they are asked
    again (invitation back to pending with a fresh deadline, a notice, an audit row). The database trigger
    recounts ``confirmed_cosigners`` from the co-signer rows."""
    confirmed = list(proposal.cosigners.select_for_update().filter(status=CoSigner.Status.CONFIRMED).order_by("pk"))
    if not confirmed:
        return
    deadline = add_working_days(proposal.committee_id, today, settings_for(proposal.committee_id).cosign_working_days)
    CoSigner.objects.filter(pk__in=[c.pk for c in confirmed]).update(
        status=CoSigner.Status.INVITED, responded_at=None, deadline=deadline
    )
    proposal.refresh_from_db(fields=["confirmed_cosigners"])
    members = tuple(c.member_id for c in confirmed)
    record_event(
        proposal,
        actor=actor,
        verb=ProposalVerb.COSIGNERS_ASKED_AGAIN,
        data={"members": list(members), "fields": changed},
    )
    publish(
        CosignersInvited(
            proposal_id=proposal.pk, member_ids=members, deadline=deadline, again=True, actor_id=actor_id(actor)
        )
    )


def _invite(proposal: Proposal, cosigner_ids: list[int], *, actor: User, today: date) -> None:
    existing = set(proposal.cosigners.values_list("member_id", flat=True))
    proposal.cosigners.exclude(member_id__in=cosigner_ids).delete()
    new = [m for m in cosigner_ids if m not in existing]
    if not new:
        return
    deadline = add_working_days(proposal.committee_id, today, settings_for(proposal.committee_id).cosign_working_days)
    CoSigner.objects.bulk_create(CoSigner(proposal=proposal, member_id=m, deadline=deadline) for m in new)
    record_event(proposal, actor=actor, verb=ProposalVerb.COSIGNERS_INVITED, data={"members": new})
    publish(
        CosignersInvited(proposal_id=proposal.pk, member_ids=tuple(new), deadline=deadline, actor_id=actor_id(actor))
    )


@transaction.atomic
def cosign_respond(
    *, cosigner_id: int, accept: bool, actor: User, today: date | None = None, seen: str | None = None
) -> CoSigner:
    """A member confirms or declines an invitation to co-sign 联名; with ``seen`` (the content digest of the
    version they read), an answer to a text the lead has changed since is refused."""
    # The proposal first, as every proposal service locks it: its state cannot change under the answer,
    # and the database's co-signer count (which updates the proposal row) waits for no one holding it.
    proposal = lock(Proposal, CoSigner.objects.values_list("proposal_id", flat=True).get(pk=cosigner_id))
    invitation = lock(CoSigner, cosigner_id)
    invitation.proposal = proposal
    if scope_of(actor).member_id != invitation.member_id:
        raise NotPermitted(_("This invitation is addressed to another member."))
    if invitation.status != CoSigner.Status.INVITED or invitation.proposal.state != Proposal.State.DRAFT:
        raise InvalidTransition(_("This invitation has already been answered or the proposal was submitted."))
    if _today(today) > invitation.deadline:
        raise InvalidTransition(_("The time to confirm this invitation has passed."))
    if accept and seen is not None and seen != proposal.content_digest():
        raise ConcurrentEdit(
            _("The lead proposer changed the proposal after you opened it. Read it again before answering.")
        )
    invitation.status = CoSigner.Status.CONFIRMED if accept else CoSigner.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    record_event(
        invitation.proposal, actor=actor, verb=ProposalVerb.COSIGN_CONFIRMED if accept else ProposalVerb.COSIGN_DECLINED
    )
    publish(
        CosignAnswered(
            proposal_id=proposal.pk,
            cosigner_id=invitation.pk,
            member_id=invitation.member_id,
            accepted=accept,
            actor_id=actor_id(actor),
        )
    )
    return invitation


@transaction.atomic
def proposal_submit(
    *, proposal_id: int, actor: User, expected_state: str | None = None, today: date | None = None
) -> Proposal:
    """The lead proposer submits a draft; unanswered invitations past their deadline lapse."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    _require_lead_proposer(actor, proposal)
    _require_state(proposal, Proposal.State.DRAFT, message=_("Only a draft can be submitted."))
    today = _today(today)
    proposal.cosigners.filter(status=CoSigner.Status.INVITED, deadline__lt=today).update(status=CoSigner.Status.EXPIRED)
    waiting = list(proposal.cosigners.filter(status=CoSigner.Status.INVITED).values_list("member__name", flat=True))
    if waiting:
        raise InvalidTransition(_("Waiting for co-signers to confirm: %(names)s.") % {"names": "、".join(waiting)})
    proposal.submitted_at = timezone.now()
    proposal = _move(
        proposal, Proposal.State.SUBMITTED, actor=actor, verb=ProposalVerb.SUBMITTED, fields=["submitted_at"]
    )
    similarity.refresh_hints(proposal)  # the review queue's "likely duplicates", in the same transaction
    return proposal
