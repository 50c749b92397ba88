"""Every write on proposals and public-opinion reports: one function per action, locked, checked, audited.

Each service locks the row it changes (``select_for_update``), checks the state inside the lock, so two
staff pressing "file" at once get one filing and one clear refusal, and records the transition with
``record_event`` (the proposal page's timeline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.events import actor_id, publish, publish_many
from core.exceptions import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from core.parsing import as_id
from core.services import audit_event, not_an_api_action, record_event, record_events
from core.uploads import validate_upload
from groups.access import scope_of
from groups.events import DutyRecordChanged
from groups.models import ActivityGroup, ConstituentContact, HandlingUnit, Member, PublicMessage
from proposals import similarity
from proposals.deadlines import add_months, add_working_days, settings_for
from proposals.events import (
    CoAuthorsInvited,
    CosignAnswered,
    CosignersInvited,
    ProposalAssigned,
    ProposalClosed,
    ProposalFiled,
    ProposalKeyMarked,
    ProposalMerged,
    ProposalNotFiled,
    ProposalReopened,
    ProposalReplied,
    ProposalReturned,
    ProposalsExcellentRated,
    ReportAccepted,
    ReportAdopted,
    ReportDeclined,
    ReportInstructed,
    ReportsCompiled,
)
from proposals.models import (
    Adoption,
    Assignment,
    Attachment,
    CoAuthorInvitation,
    CoHandlerOpinion,
    ContactRecord,
    CoSigner,
    Feedback,
    ImplementationEntry,
    Instruction,
    Level,
    NotFilingGround,
    OpinionReport,
    Proposal,
    ProposalSettings,
    Reply,
    ReportIssue,
    ResultCode,
    SupervisionNote,
)

S = Proposal.State
BATCH_LIMIT = 200  # the most proposals one batch action takes (a page of the review queue is 50)


# --- helpers --------------------------------------------------------------------------------------


def _lock(proposal_id: int, expected_state: str | None = None) -> Proposal:
    """Lock the proposal row; with ``expected_state`` (the state the user's page showed), refuse if someone
    else moved it meanwhile, so an action is never applied to a state the user did not see."""
    try:
        proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
    except Proposal.DoesNotExist:
        raise DomainError(_("This proposal does not exist.")) from None
    _check_expected(proposal, expected_state)
    return proposal


def _check_expected(proposal: Proposal, expected_state: str | None) -> None:
    if expected_state and proposal.state != expected_state:
        raise ConcurrentEdit(
            _(
                "Someone else has just acted on this proposal: it is now “%(state)s”. Your action was not carried "
                "out; check the current state before acting again."
            )
            % {"state": proposal.get_state_display()}
        )


def _require_state(proposal: Proposal, *states, message: str) -> None:
    if proposal.state not in states:
        raise InvalidTransition(message)


def _require_staff(actor, committee_id: int) -> None:
    if not scope_of(actor).is_staff_of(committee_id):
        raise NotPermitted(_("Only the proposal committee's staff may do this."))


def _require_lead_proposer(actor, proposal: Proposal) -> None:
    if scope_of(actor).member_id != proposal.lead_proposer_id:
        raise NotPermitted(_("Only the lead proposer may do this."))


def _move(proposal: Proposal, to: str, *, actor, verb: str, comment: str = "", fields=(), data=None) -> Proposal:
    """Change the state, save the given fields with it and append the transition to the timeline."""
    before = proposal.state
    proposal.state = to
    proposal.save(update_fields=["state", "updated_at", *fields])
    record_event(proposal, actor=actor, verb=verb, from_state=before, to_state=to, comment=comment, data=data)
    return proposal


def _lock_settings(committee_id: int) -> ProposalSettings:
    """The committee's settings row doubles as the lock for its year's serial numbers."""
    settings_for(committee_id)
    return ProposalSettings.objects.select_for_update().get(committee_id=committee_id)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _check_dated(value, *, after: date | None, message: str, field: str = "date", today: date | None = None) -> None:
    """A dated fact follows the fact it answers (``after``: the earliest allowed day, shown in ``message`` as
    ``%(date)s``) and has happened already: neither before it nor in the future."""
    if not isinstance(value, date):
        raise DomainError({field: _("Enter the date.")})
    if value > _today(today):
        raise DomainError({field: _("The date cannot be later than today.")})
    if after is not None and value < after:
        raise DomainError({field: message % {"date": formats.date_format(after)}})


def _day(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


# --- drafting and co-signing ----------------------------------------------------------------------

DRAFT_FIELDS = ("title", "analysis", "suggestions", "category", "kind", "during_plenary", "party", "is_public")


def _check_draft(member: Member, data: dict, cosigner_ids) -> dict:
    errors = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("Enter the title (案由).")
    if not (data.get("suggestions") or "").strip():
        errors["suggestions"] = _("Enter at least one concrete suggestion.")
    if data.get("category") not in dict(Proposal._meta.get_field("category").choices):
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
    *, actor, data: dict, cosigner_ids=(), proposal_id: int | None = None, attachments=(), today: date | None = None
) -> Proposal:
    """Create or change a draft proposal and invite its co-signers."""
    scope = scope_of(actor)
    if not scope.member_id:
        raise NotPermitted(_("Only a member can draft a proposal."))
    member = Member.objects.get(pk=scope.member_id)
    cosigner_ids = [int(i) for i in cosigner_ids]
    _check_draft(member, data, cosigner_ids)
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
        record_event(proposal, actor=actor, verb="drafted", to_state=S.DRAFT)
    else:
        proposal = _lock(proposal_id)
        _require_lead_proposer(actor, proposal)
        _require_state(proposal, S.DRAFT, message=_("Only a draft can be changed."))
        before = proposal.content_version()
        for k, v in values.items():
            setattr(proposal, k, v)
        # ``confirmed_cosigners`` is the database's (triggers): never written back from this instance.
        proposal.save(update_fields=[*values, "updated_at"])
        changed = [k for k in Proposal.CONTENT_FIELDS if before[k] != getattr(proposal, k)]
        record_event(proposal, actor=actor, verb="edited", data={"fields": changed} if changed else None)
    _invite(proposal, cosigner_ids, actor=actor, today=_today(today))  # a co-signer taken off is not asked again
    for upload in attachments:
        validate_upload(upload, model=Attachment, field="file", error_key="attachment")
        Attachment.objects.create(proposal=proposal, file=upload, name=upload.name[:200])
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


def _heard_draft(*, actor, text: str, topic: str, where: str, on: date) -> Proposal:
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


@transaction.atomic
def proposal_draft_from_message(*, message_id: int, actor) -> Proposal:
    """Turn a resident's message passed to the acting member into their proposal draft (已转为提案 on its page)."""
    message = PublicMessage.objects.select_for_update().filter(pk=message_id).first()
    member_id = scope_of(actor).member_id
    if (
        message is None
        or member_id is None
        or member_id not in {message.routed_member_id, getattr(message.contact, "member_id", None)}
    ):
        raise NotPermitted(_("Only the member the message was passed to may turn it into a proposal."))
    if message.state == PublicMessage.State.DISCARDED:
        raise InvalidTransition(_("A message set aside cannot become a proposal."))
    if Proposal.objects.filter(source_message_id=message.pk).exists():
        raise InvalidTransition(_("This message has already become a proposal."))
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
    record_event(message, actor=actor, verb="proposal_drafted", data={"proposal": proposal.pk})
    return proposal


@transaction.atomic
def proposal_draft_from_contact(*, contact_id: int, actor) -> Proposal:
    """Turn what a member heard in a contact with the people into their proposal draft, linked to the contact."""
    contact = ConstituentContact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None or contact.member_id != scope_of(actor).member_id:
        raise NotPermitted(_("Only the member who made the contact may turn it into a proposal."))
    if Proposal.objects.filter(source_contact_id=contact.pk).exists():
        raise InvalidTransition(_("This contact has already become a proposal."))
    proposal = _heard_draft(
        actor=actor, text=contact.raised, topic=contact.topic, where=contact.where, on=contact.contacted_on
    )
    proposal.source_contact = contact
    proposal.source_message_id = getattr(getattr(contact, "public_message", None), "pk", None)
    proposal.save(update_fields=["source_message", "source_contact", "updated_at"])
    record_event(contact, actor=actor, verb="proposal_drafted", data={"proposal": proposal.pk})
    return proposal


def _ask_cosigners_again(proposal: Proposal, changed: list[str], *, actor, today: date) -> None:
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
        proposal, actor=actor, verb="cosigners_asked_again", data={"members": list(members), "fields": changed}
    )
    publish(
        CosignersInvited(
            proposal_id=proposal.pk, member_ids=members, deadline=deadline, again=True, actor_id=actor_id(actor)
        )
    )


def _invite(proposal: Proposal, cosigner_ids: list[int], *, actor, today: date) -> None:
    existing = set(proposal.cosigners.values_list("member_id", flat=True))
    proposal.cosigners.exclude(member_id__in=cosigner_ids).delete()
    new = [m for m in cosigner_ids if m not in existing]
    if not new:
        return
    deadline = add_working_days(proposal.committee_id, today, settings_for(proposal.committee_id).cosign_working_days)
    CoSigner.objects.bulk_create(CoSigner(proposal=proposal, member_id=m, deadline=deadline) for m in new)
    record_event(proposal, actor=actor, verb="cosigners_invited", data={"members": new})
    publish(
        CosignersInvited(proposal_id=proposal.pk, member_ids=tuple(new), deadline=deadline, actor_id=actor_id(actor))
    )


@transaction.atomic
def cosign_respond(
    *, cosigner_id: int, accept: bool, actor, today: date | None = None, seen: str | None = None
) -> CoSigner:
    """A member confirms or declines an invitation to co-sign 联名; with ``seen`` (the content digest of the
    version they read), an answer to a text the lead has changed since is refused."""
    # The proposal first, as every proposal service locks it: its state cannot change under the answer,
    # and the database's co-signer count (which updates the proposal row) waits for no one holding it.
    proposal = _lock(CoSigner.objects.values_list("proposal_id", flat=True).get(pk=cosigner_id))
    invitation = CoSigner.objects.select_for_update().get(pk=cosigner_id)
    invitation.proposal = proposal
    if scope_of(actor).member_id != invitation.member_id:
        raise NotPermitted(_("This invitation is addressed to another member."))
    if invitation.status != CoSigner.Status.INVITED or invitation.proposal.state != S.DRAFT:
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
    record_event(invitation.proposal, actor=actor, verb="cosign_confirmed" if accept else "cosign_declined")
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
    *, proposal_id: int, actor, expected_state: str | None = None, today: date | None = None
) -> Proposal:
    """The lead proposer submits a draft; unanswered invitations past their deadline lapse."""
    proposal = _lock(proposal_id, expected_state)
    _require_lead_proposer(actor, proposal)
    _require_state(proposal, S.DRAFT, message=_("Only a draft can be submitted."))
    today = _today(today)
    proposal.cosigners.filter(status=CoSigner.Status.INVITED, deadline__lt=today).update(status=CoSigner.Status.EXPIRED)
    waiting = list(proposal.cosigners.filter(status=CoSigner.Status.INVITED).values_list("member__name", flat=True))
    if waiting:
        raise InvalidTransition(_("Waiting for co-signers to confirm: %(names)s.") % {"names": "、".join(waiting)})
    proposal.submitted_at = timezone.now()
    proposal = _move(proposal, S.SUBMITTED, actor=actor, verb="submitted", fields=["submitted_at"])
    similarity.refresh_hints(proposal)  # the review queue's "likely duplicates", in the same transaction
    return proposal


# --- review ---------------------------------------------------------------------------------------


@transaction.atomic
def proposal_start_review(*, proposal_id: int, actor, expected_state: str | None = None) -> Proposal:
    """Staff take a submitted proposal up for review 审查."""
    proposal = _lock(proposal_id, expected_state)
    _require_staff(actor, proposal.committee_id)
    _require_state(proposal, S.SUBMITTED, message=_("Only a submitted proposal can be taken up for review."))
    return _move(proposal, S.UNDER_REVIEW, actor=actor, verb="review_started")


@transaction.atomic
def proposal_file(*, proposal_id: int, actor, expected_state: str | None = None) -> Proposal:
    """Accept a proposal for handling 立案 and give it the year's next serial number."""
    proposal = _lock(proposal_id, expected_state)
    _require_staff(actor, proposal.committee_id)
    _require_state(proposal, *Proposal.REVIEW_STATES, message=_("Only a submitted proposal can be filed."))
    # The committee's settings row is the serial-number lock: two filings in one committee queue here.
    _lock_settings(proposal.committee_id)
    top = Proposal.objects.filter(committee_id=proposal.committee_id, year=proposal.year).aggregate(
        m=Max("serial_number")
    )["m"]
    proposal.serial_number = (top or 0) + 1
    proposal.filed_at = timezone.now()
    publish(
        ProposalFiled(
            committee_id=proposal.committee_id,
            on=timezone.localdate(),
            proposal_id=proposal.pk,
            actor_id=actor_id(actor),
        )
    )
    return _move(
        proposal,
        S.FILED,
        actor=actor,
        verb="filed",
        fields=["serial_number", "filed_at"],
        comment=proposal.number_display,
    )


def _grounds_by_committee(committee_ids) -> dict[int, dict[int, NotFilingGround]]:
    """The grounds each committee may use (its own list, else the national one), in one query."""
    NotFilingGround.objects.ensure_national()
    rows = list(
        NotFilingGround.objects.filter(
            Q(committee__isnull=True) | Q(committee_id__in=list(committee_ids)), is_active=True
        )
    )
    national = {g.pk: g for g in rows if g.committee_id is None}
    return {c: {g.pk: g for g in rows if g.committee_id == c} or national for c in committee_ids}


def _check_ground(proposals, ground_id, reason: str) -> NotFilingGround:
    """The chosen ground, if every proposal's committee uses it; its explanation, if it needs one."""
    allowed = _grounds_by_committee({p.committee_id for p in proposals})
    ground = next(iter(allowed.values()), {}).get(as_id(ground_id)) if ground_id else None
    if ground is None or any(ground.pk not in grounds for grounds in allowed.values()):
        raise DomainError({"ground": _("Choose a ground for not filing from the committee's published list.")})
    if ground.needs_explanation and not (reason or "").strip():
        raise DomainError({"reason": _("This ground needs an explanation in your own words; the proposer is told.")})
    return ground


def _check_all(proposals, actor, check) -> None:
    """A batch is all or nothing: the actor must be staff of every proposal's committee, and ``check`` must pass
    for each, or nothing is changed and every refusal is named."""
    for proposal in proposals:
        _require_staff(actor, proposal.committee_id)
    refusals = []
    for proposal in proposals:
        try:
            check(proposal)
        except DomainError as exc:
            refusals.append(f"{proposal.number_display}《{proposal.title}》：{'；'.join(exc.messages)}")
    if refusals:
        raise InvalidTransition(_("Nothing was changed. %(refusals)s") % {"refusals": " ".join(refusals)})


def _lock_many(proposal_ids) -> list[Proposal]:
    """Lock a batch's proposals in id order (two batches cannot deadlock); an id not found refuses the batch."""
    proposal_ids = list(proposal_ids)
    ids = sorted({as_id(i) for i in proposal_ids} - {None})
    if not ids:
        raise DomainError({"proposals": _("Select at least one proposal.")})
    if len(ids) > BATCH_LIMIT:
        raise DomainError({"proposals": _("Select at most %(n)s proposals at a time.") % {"n": BATCH_LIMIT}})
    proposals = list(Proposal.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(proposals) != len(ids) or len(ids) != len(proposal_ids):
        raise DomainError({"proposals": _("A selected proposal does not exist or was selected twice.")})
    return proposals


def _not_file(proposals: list[Proposal], *, actor, ground: NotFilingGround, reason: str, outcome: str) -> None:
    """Not file the (locked, checked) proposals with one ground: one update, one audit row and one event each,
    converted into reports in one insert."""
    text = f"{ground.text}：{reason.strip()}" if (reason or "").strip() else ground.text
    now = timezone.now()
    Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        state=S.NOT_FILED, not_filed_reason=text, not_filed_ground=ground, not_filed_outcome=outcome, updated_at=now
    )
    rows = []
    for p in proposals:
        rows.append(
            audit_event(
                p,
                actor=actor,
                verb="not_filed",
                from_state=p.state,
                to_state=S.NOT_FILED,
                comment=text,
                data={"ground": ground.pk},
            )
        )
        p.state, p.not_filed_reason, p.not_filed_ground, p.not_filed_outcome, p.updated_at = (
            S.NOT_FILED,
            text,
            ground,
            outcome,
            now,
        )
    reports = {}
    if outcome == Proposal.Outcome.REPORT:
        created = OpinionReport.objects.bulk_create(
            OpinionReport(
                committee_id=p.committee_id,
                year=p.year,
                author_id=p.lead_proposer_id,
                title=p.title,
                content=f"{p.analysis}\n\n{p.suggestions}".strip(),
                source_proposal=p,
            )
            for p in proposals
        )
        reports = {r.source_proposal_id: r for r in created}
        rows += [audit_event(r, actor=actor, verb="converted_from_proposal", to_state=r.state) for r in created]
    record_events(rows)
    publish_many(
        [
            ProposalNotFiled(
                proposal_id=p.pk,
                outcome=outcome,
                report_id=reports[p.pk].pk if p.pk in reports else None,
                actor_id=actor_id(actor),
            )
            for p in proposals
        ]
    )


def _check_not_fileable(proposal: Proposal) -> None:
    _require_state(proposal, *Proposal.REVIEW_STATES, message=_("Only a submitted proposal can be refused."))


def _check_outcome(outcome: str) -> None:
    if outcome not in Proposal.Outcome.values:
        raise DomainError({"outcome": _("Choose what happens to the proposal instead.")})


@transaction.atomic
def proposal_reject(
    *,
    proposal_id: int,
    actor,
    ground_id: int | None,
    reason: str = "",
    outcome: str = "",
    expected_state: str | None = None,
) -> Proposal:
    """Do not file 不予立案, on a published ground (with an explanation) told to the proposer; optionally convert it."""
    proposal = _lock(proposal_id, expected_state)
    _require_staff(actor, proposal.committee_id)
    _check_not_fileable(proposal)
    _check_outcome(outcome)
    ground = _check_ground([proposal], ground_id, reason)
    _not_file([proposal], actor=actor, ground=ground, reason=reason, outcome=outcome)
    return proposal


@transaction.atomic
def proposals_reject_many(
    *, proposal_ids, actor, ground_id: int | None, reason: str = "", outcome: str = ""
) -> list[Proposal]:
    """Not file 不予立案 many proposals on one published ground, all or none: each gets its audit row and its
    proposers the same notice as for one; a fixed number of queries whatever the batch's size."""
    proposals = _lock_many(proposal_ids)
    _check_outcome(outcome)
    _check_all(proposals, actor, _check_not_fileable)
    ground = _check_ground(proposals, ground_id, reason)
    _not_file(proposals, actor=actor, ground=ground, reason=reason, outcome=outcome)
    return proposals


@transaction.atomic
def proposal_merge(*, proposal_id: int, into_id: int, actor, expected_state: str | None = None) -> Proposal:
    """Merge 并案 a proposal into a filed one on the same matter; its proposer still gets the answer."""
    if proposal_id == into_id:
        raise DomainError(_("A proposal cannot be merged into itself."))
    first, second = sorted([proposal_id, into_id])  # lock in id order so two merges cannot deadlock
    locked = {p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    proposal, target = locked.get(proposal_id), locked.get(into_id)
    if proposal is None or target is None:
        raise DomainError(_("This proposal does not exist."))
    _check_expected(proposal, expected_state)
    _require_staff(actor, proposal.committee_id)
    _require_state(proposal, *Proposal.REVIEW_STATES, message=_("Only a submitted proposal can be merged."))
    if target.committee_id != proposal.committee_id or target.year != proposal.year:
        raise DomainError(_("Proposals can only be merged within the same committee and session."))
    if target.state not in Proposal.MERGE_TARGET_STATES:
        raise InvalidTransition(_("A proposal can only be merged into a filed one."))
    proposal.merged_into = target
    _move(proposal, S.MERGED, actor=actor, verb="merged", fields=["merged_into"], comment=str(target))
    record_event(target, actor=actor, verb="merged_in", comment=str(proposal), data={"proposal": proposal.pk})
    publish(ProposalMerged(proposal_id=proposal.pk, into_id=target.pk, actor_id=actor_id(actor)))
    return proposal


# --- assignment and handling ----------------------------------------------------------------------


def _check_assignable(proposal: Proposal) -> None:
    _require_state(proposal, S.FILED, message=_("Only a filed proposal can be assigned."))


def _assign(proposals: list[Proposal], *, actor, lead_unit_id, co_unit_ids, due_date: date | None, today: date) -> None:
    """Hand the (locked, checked) proposals to the same units, deadlines from each committee's rules: the
    assignments in one insert, one update per deadline, one audit row and one event per proposal."""
    lead_unit_id = as_id(lead_unit_id)
    co_unit_ids = list(dict.fromkeys(u for u in (as_id(c) for c in co_unit_ids) if u and u != lead_unit_id))
    wanted = {lead_unit_id, *co_unit_ids}
    units = dict(
        HandlingUnit.objects.filter(pk__in=[u for u in wanted if u], is_active=True).values_list("pk", "committee_id")
    )
    committees = {p.committee_id for p in proposals}
    if len(committees) > 1:
        raise DomainError(
            {
                "proposals": _(
                    "Proposals of different committees cannot be assigned together: choose one committee's proposals."
                )
            }
        )
    if not lead_unit_id or set(units) != wanted or set(units.values()) != committees:
        raise DomainError({"lead_unit": _("Choose handling units of this committee.")})
    (committee_id,) = committees
    rules = settings_for(committee_id)
    window = add_working_days(committee_id, today, rules.reassignment_working_days)
    rows, events, audit, dues = [], [], [], {}
    for proposal in proposals:
        months = rules.reply_months_plenary if proposal.during_plenary else rules.reply_months_between_sessions
        due = due_date or add_months(today, months)
        if due > add_months(today, rules.reply_months_max) or due <= today:
            raise DomainError(
                {
                    "due_date": _("The reply deadline must fall after today and within %(m)s months.")
                    % {"m": rules.reply_months_max}
                }
            )
        opinion_due = min(due, date.fromordinal(today.toordinal() + rules.cohandler_opinion_days))
        rows.append(
            Assignment(
                proposal=proposal,
                unit_id=lead_unit_id,
                role=Assignment.Role.LEAD,
                assigned_on=today,
                due_date=due,
                reassign_until=window,
            )
        )
        rows += [
            Assignment(
                proposal=proposal,
                unit_id=u,
                role=Assignment.Role.CO,
                assigned_on=today,
                due_date=opinion_due,
                reassign_until=window,
            )
            for u in co_unit_ids
        ]
        dues.setdefault(due, []).append(proposal.pk)
        events.append(
            ProposalAssigned(
                proposal_id=proposal.pk,
                committee_id=proposal.committee_id,
                lead_unit_id=lead_unit_id,
                co_unit_ids=tuple(co_unit_ids),
                reply_due=due,
                opinion_due=opinion_due,
                return_until=window,
                actor_id=actor_id(actor),
            )
        )
        audit.append(
            audit_event(
                proposal,
                actor=actor,
                verb="assigned",
                from_state=proposal.state,
                to_state=S.ASSIGNED,
                data={"lead": lead_unit_id, "co": co_unit_ids, "due": due.isoformat()},
            )
        )
        proposal.state, proposal.lead_unit_id, proposal.reply_due = S.ASSIGNED, lead_unit_id, due
    Assignment.objects.bulk_create(rows)
    now = timezone.now()
    for due, ids in dues.items():
        Proposal.objects.filter(pk__in=ids).update(
            state=S.ASSIGNED, lead_unit_id=lead_unit_id, reply_due=due, updated_at=now
        )
    record_events(audit)
    publish_many(events)


@transaction.atomic
def proposal_assign(
    *,
    proposal_id: int,
    actor,
    lead_unit_id: int,
    co_unit_ids=(),
    due_date: date | None = None,
    today: date | None = None,
    expected_state: str | None = None,
) -> Proposal:
    """Hand a filed proposal to one lead unit and any co-handlers 交办, with deadlines from the rules."""
    proposal = _lock(proposal_id, expected_state)
    _require_staff(actor, proposal.committee_id)
    _check_assignable(proposal)
    _assign(
        [proposal],
        actor=actor,
        lead_unit_id=lead_unit_id,
        co_unit_ids=co_unit_ids,
        due_date=due_date,
        today=_today(today),
    )
    return proposal


@transaction.atomic
def proposals_assign_many(
    *, proposal_ids, actor, lead_unit_id: int, co_unit_ids=(), due_date: date | None = None, today: date | None = None
) -> list[Proposal]:
    """Hand many filed proposals of one committee to the same lead unit and co-handlers 交办, all or none: each
    gets its audit row and its units the same notice as for one; a fixed number of queries."""
    proposals = _lock_many(proposal_ids)
    _check_all(proposals, actor, _check_assignable)
    _assign(
        proposals,
        actor=actor,
        lead_unit_id=lead_unit_id,
        co_unit_ids=co_unit_ids,
        due_date=due_date,
        today=_today(today),
    )
    return proposals


def _lock_assignment(assignment_id: int, actor, expected_state: str | None = None) -> tuple[Assignment, Proposal]:
    try:
        assignment = Assignment.objects.select_for_update().get(pk=assignment_id, is_active=True)
    except Assignment.DoesNotExist:
        raise DomainError(_("This assignment does not exist or was withdrawn.")) from None
    if assignment.unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("Only the assigned unit may do this."))
    return assignment, _lock(assignment.proposal_id, expected_state)


@transaction.atomic
def assignment_request_reassignment(
    *, assignment_id: int, actor, reason: str, today: date | None = None, expected_state: str | None = None
) -> Assignment:
    """A unit returns a proposal that is not its business 退回, within the window; staff reassign it."""
    assignment, proposal = _lock_assignment(assignment_id, actor, expected_state)
    _require_state(
        proposal,
        *Proposal.HANDLING_STATES,
        message=_("Reassignment can only be asked for while the proposal is being handled."),
    )
    if not (reason or "").strip():
        raise DomainError({"reason": _("Say why the proposal is not your unit's business.")})
    if _today(today) > assignment.reassign_until:
        raise InvalidTransition(_("The reassignment window closed on %(d)s.") % {"d": assignment.reassign_until})
    assignment.is_active = False
    assignment.reassignment_reason = reason.strip()
    assignment.reassignment_requested_at = timezone.now()
    assignment.save(update_fields=["is_active", "reassignment_reason", "reassignment_requested_at"])
    if assignment.role == Assignment.Role.LEAD:
        proposal.assignments.filter(is_active=True).update(is_active=False)
        proposal.lead_unit, proposal.reply_due = None, None
        _move(
            proposal,
            S.FILED,
            actor=actor,
            verb="reassignment_requested",
            comment=assignment.reassignment_reason,
            fields=["lead_unit", "reply_due"],
            data={"unit": assignment.unit_id},
        )
    else:
        record_event(
            proposal,
            actor=actor,
            verb="reassignment_requested",
            comment=assignment.reassignment_reason,
            data={"unit": assignment.unit_id},
        )
    publish(
        ProposalReturned(
            proposal_id=proposal.pk,
            committee_id=proposal.committee_id,
            assignment_id=assignment.pk,
            unit_id=assignment.unit_id,
            lead=assignment.role == Assignment.Role.LEAD,
            actor_id=actor_id(actor),
        )
    )
    return assignment


@transaction.atomic
def contact_record(
    *, assignment_id: int, actor, date: date, way: str, with_whom: str, notes: str = "", today: date | None = None
) -> ContactRecord:
    """The unit records its contact with the proposer 沟通 (dated between its assignment and today); the first
    contact starts handling."""
    assignment, proposal = _lock_assignment(assignment_id, actor)
    _require_state(proposal, *Proposal.HANDLING_STATES, message=_("Contact is recorded while the proposal is handled."))
    if way not in ContactRecord.Way.values or not (with_whom or "").strip():
        raise DomainError(_("Give the way of contact and with whom."))
    _check_dated(
        date,
        after=assignment.assigned_on,
        today=today,
        message=_("The contact cannot be dated before the proposal was assigned (%(date)s)."),
    )
    record = ContactRecord.objects.create(
        assignment=assignment, date=date, way=way, with_whom=with_whom.strip(), notes=notes, created_by=actor
    )
    if proposal.state == S.ASSIGNED:
        _move(proposal, S.HANDLING, actor=actor, verb="handling_started", comment=str(record))
    else:
        record_event(proposal, actor=actor, verb="contacted", comment=str(record))
    return record


@transaction.atomic
def proposal_start_handling(*, proposal_id: int, actor, expected_state: str | None = None) -> Proposal:
    """The lead unit acknowledges the assignment and starts handling 办理."""
    proposal = _lock(proposal_id, expected_state)
    if proposal.lead_unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("Only the lead unit may do this."))
    _require_state(proposal, S.ASSIGNED, message=_("Only an assigned proposal can be taken up."))
    return _move(proposal, S.HANDLING, actor=actor, verb="handling_started")


@transaction.atomic
def cohandler_opinion_send(*, assignment_id: int, actor, text: str) -> CoHandlerOpinion:
    """A co-handling unit sends its opinion to the lead unit."""
    assignment, proposal = _lock_assignment(assignment_id, actor)
    if assignment.role != Assignment.Role.CO:
        raise DomainError(_("Only a co-handling unit sends an opinion."))
    _require_state(proposal, *Proposal.HANDLING_STATES, message=_("The proposal is not being handled."))
    if not (text or "").strip():
        raise DomainError({"text": _("Enter the opinion.")})
    opinion = CoHandlerOpinion.objects.create(assignment=assignment, text=text.strip(), created_by=actor)
    record_event(proposal, actor=actor, verb="cohandler_opinion", data={"unit": assignment.unit_id})
    return opinion


@not_an_api_action("a check of the reply's upload inside proposal_reply")
def check_pdf(upload) -> None:
    """A signed reply must be a real PDF (the file starts with ``%PDF-``) within the size limit."""
    if upload is None:
        raise DomainError({"signed_pdf": _("Attach the signed reply as a PDF.")})
    validate_upload(upload, model=Reply, field="signed_pdf", error_key="signed_pdf")


@transaction.atomic
def proposal_reply(
    *,
    proposal_id: int,
    actor,
    text: str,
    result_code: str,
    signed_pdf,
    today: date | None = None,
    expected_state: str | None = None,
) -> Reply:
    """The lead unit answers 答复 with its text, signed PDF and result code; the feedback window opens."""
    proposal = _lock(proposal_id, expected_state)
    if proposal.lead_unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("Only the lead unit may reply."))
    _require_state(proposal, *Proposal.HANDLING_STATES, message=_("Only a proposal being handled can be answered."))
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("Enter the reply.")
    codes = set(
        ResultCode.objects.filter(committee_id=proposal.committee_id, is_active=True).values_list("code", flat=True)
    )
    if result_code not in codes:
        errors["result_code"] = _("Choose a result code from the committee's list.")
    if errors:
        raise DomainError(errors)
    check_pdf(signed_pdf)
    today = _today(today)
    on_time = today <= proposal.reply_due
    reply = Reply.objects.create(
        proposal=proposal,
        unit_id=proposal.lead_unit_id,
        round=proposal.round,
        text=text.strip(),
        signed_pdf=signed_pdf,
        result_code=result_code,
        replied_on=today,
        on_time=on_time,
        created_by=actor,
    )
    rules = settings_for(proposal.committee_id)
    proposal.result_code = result_code
    proposal.feedback_due = add_working_days(proposal.committee_id, today, rules.feedback_working_days)
    if proposal.round == 1:
        proposal.replied_on_time = on_time
    _move(
        proposal,
        S.REPLIED,
        actor=actor,
        verb="replied",
        comment=result_code,
        fields=["result_code", "feedback_due", "replied_on_time"],
        data={"round": proposal.round},
    )
    publish(
        ProposalReplied(
            proposal_id=proposal.pk,
            reply_id=reply.pk,
            round=proposal.round,
            feedback_due=proposal.feedback_due,
            actor_id=actor_id(actor),
        )
    )
    return reply


@transaction.atomic
def proposal_rate(
    *,
    proposal_id: int,
    actor,
    rating: str,
    comment: str = "",
    today: date | None = None,
    expected_state: str | None = None,
) -> Feedback:
    """The lead proposer rates the reply 反馈; 不满意 sends it back for another round with a new deadline."""
    proposal = _lock(proposal_id, expected_state)
    _require_lead_proposer(actor, proposal)
    _require_state(proposal, S.REPLIED, message=_("Only a replied proposal can be rated."))
    if rating not in Proposal.Rating.values:
        raise DomainError({"rating": _("Choose satisfied, basically satisfied or unsatisfied.")})
    today = _today(today)
    if proposal.feedback_due and today > proposal.feedback_due:
        raise InvalidTransition(_("The feedback window closed on %(d)s.") % {"d": proposal.feedback_due})
    if rating == Proposal.Rating.UNSATISFIED and not (comment or "").strip():
        raise DomainError({"comment": _("Say what is unsatisfactory, so the unit can do better.")})
    feedback = Feedback.objects.create(proposal=proposal, round=proposal.round, rating=rating, comment=comment.strip())
    proposal.rating = rating
    if proposal.round == 1:
        proposal.first_rating = rating
    fields = ["rating", "first_rating"]
    if rating != Proposal.Rating.UNSATISFIED:
        _move(proposal, S.RATED, actor=actor, verb="rated", comment=feedback.get_rating_display(), fields=fields)
        return feedback
    rules = settings_for(proposal.committee_id)
    proposal.round += 1
    proposal.reply_due = add_months(today, rules.second_round_months)
    proposal.assignments.filter(is_active=True, role=Assignment.Role.LEAD).update(due_date=proposal.reply_due)
    _move(
        proposal,
        S.HANDLING,
        actor=actor,
        verb="reopened",
        comment=comment.strip(),
        fields=[*fields, "round", "reply_due"],
        data={"round": proposal.round, "due": proposal.reply_due.isoformat()},
    )
    publish(
        ProposalReopened(
            proposal_id=proposal.pk, round=proposal.round, reply_due=proposal.reply_due, actor_id=actor_id(actor)
        )
    )
    return feedback


@transaction.atomic
def proposal_close(
    *, proposal_id: int, actor, expected_state: str | None = None, today: date | None = None
) -> Proposal:
    """Staff close 办结 a rated proposal, or a replied one whose feedback window has passed."""
    proposal = _lock(proposal_id, expected_state)
    _require_staff(actor, proposal.committee_id)
    lapsed = proposal.state == S.REPLIED and proposal.feedback_due and _today(today) > proposal.feedback_due
    if proposal.state != S.RATED and not lapsed:
        raise InvalidTransition(_("Only a rated proposal, or one whose feedback window has passed, can be closed."))
    proposal.closed_at = timezone.now()
    publish(ProposalClosed(proposal_id=proposal.pk, actor_id=actor_id(actor)))
    return _move(proposal, S.CLOSED, actor=actor, verb="closed", fields=["closed_at"])


@transaction.atomic
def implementation_add(
    *, proposal_id: int, actor, text: str, date: date, completes: bool = False, today: date | None = None
) -> ImplementationEntry:
    """Record progress 落实 on a closed proposal (dated between its first reply and today); staff may mark it
    implemented."""
    proposal = _lock(proposal_id)
    scope = scope_of(actor)
    if not (scope.is_staff_of(proposal.committee_id) or proposal.lead_unit_id in scope.unit_ids):
        raise NotPermitted(_("Only staff or the lead unit may record implementation."))
    _require_state(proposal, S.CLOSED, message=_("Implementation is tracked after the proposal is closed."))
    if proposal.implemented_on:
        raise InvalidTransition(_("This proposal is already marked implemented."))
    if completes and not scope.is_staff_of(proposal.committee_id):
        raise NotPermitted(_("Only staff mark a proposal implemented."))
    if not (text or "").strip():
        raise DomainError({"text": _("Describe the progress.")})
    replied = proposal.replies.order_by("replied_on").values_list("replied_on", flat=True).first()
    _check_dated(
        date,
        after=replied or _day(proposal.filed_at),
        today=today,
        message=_("Implementation cannot be dated before the proposal was replied to (%(date)s)."),
    )
    entry = ImplementationEntry.objects.create(
        proposal=proposal, date=date, text=text.strip(), completes=completes, created_by=actor
    )
    if completes:
        proposal.implemented_on = date
        proposal.save(update_fields=["implemented_on", "updated_at"])
    record_event(proposal, actor=actor, verb="implemented" if completes else "implementation_progress", comment=text)
    return entry


@transaction.atomic
def proposal_mark_key(*, proposal_id: int, actor, is_key: bool, leader_id: int | None = None) -> Proposal:
    """Mark a filed proposal as key 重点提案 with its supervising leader 督办领导, or unmark it."""
    proposal = _lock(proposal_id)
    _require_staff(actor, proposal.committee_id)
    if proposal.state not in Proposal.PUBLIC_STATES:
        raise InvalidTransition(_("Only a filed proposal can be a key proposal."))
    if is_key and not Member.objects.filter(pk=leader_id, committee_id=proposal.committee_id).exists():
        raise DomainError({"leader": _("Choose the supervising leader from the committee's members.")})
    proposal.is_key, proposal.supervising_leader_id = is_key, leader_id if is_key else None
    proposal.save(update_fields=["is_key", "supervising_leader", "updated_at"])
    record_event(proposal, actor=actor, verb="key_marked" if is_key else "key_unmarked")
    publish(
        ProposalKeyMarked(
            committee_id=proposal.committee_id,
            on=timezone.localdate(),
            proposal_id=proposal.pk,
            is_key=is_key,
            leader_id=proposal.supervising_leader_id,
            actor_id=actor_id(actor),
        )
    )
    return proposal


@transaction.atomic
def proposal_mark_excellent(*, proposal_id: int, actor, now=None) -> Proposal:
    """Mark a filed proposal as an excellent proposal 优秀提案 (its authors earn the excellent bonus)."""
    return _one(proposal_id, proposal_mark_excellent_many(proposal_ids=[proposal_id], actor=actor, now=now))


@transaction.atomic
def proposal_unmark_excellent(*, proposal_id: int, actor, now=None) -> Proposal:
    """Withdraw the excellent-proposal rating (the bonus disappears from the day it was marked)."""
    return _one(proposal_id, proposal_unmark_excellent_many(proposal_ids=[proposal_id], actor=actor, now=now))


@dataclass
class BatchOutcome:
    """What a batch action did: the proposals changed, and why each of the others was refused."""

    done: list[Proposal] = field(default_factory=list)
    refused: dict[Proposal, DomainError] = field(default_factory=dict)


def _one(proposal_id: int, outcome: BatchOutcome) -> Proposal:
    """A batch of one as the single action: the proposal changed, or its refusal raised."""
    if outcome.done:
        return outcome.done[0]
    if outcome.refused:
        raise next(iter(outcome.refused.values()))
    raise DomainError(_("This proposal does not exist."))


def _lock_sorted(proposal_ids, actor, check) -> BatchOutcome:
    """Lock the proposals (in pk order) and sort them into those ``check`` and the staff rule let through
    and those they refuse."""
    outcome = BatchOutcome()
    for proposal in Proposal.objects.select_for_update().filter(pk__in=list(proposal_ids)).order_by("pk"):
        try:
            _require_staff(actor, proposal.committee_id)
            check(proposal)
        except DomainError as exc:
            outcome.refused[proposal] = exc
        else:
            outcome.done.append(proposal)
    return outcome


def _check_markable(proposal: Proposal) -> None:
    if proposal.state not in Proposal.PUBLIC_STATES:
        raise InvalidTransition(_("Only a filed proposal can be rated excellent."))
    if proposal.is_excellent:
        raise InvalidTransition(_("This proposal is already rated excellent."))


def _check_unmarkable(proposal: Proposal) -> None:
    if not proposal.is_excellent:
        raise InvalidTransition(_("This proposal is not rated excellent."))


@transaction.atomic
def proposal_mark_excellent_many(*, proposal_ids, actor, now=None) -> BatchOutcome:
    """Rate many filed proposals excellent at once (the admin's action; the single action is a batch of one):
    audit row per proposal, stale roll-ups, a fixed number of queries; a proposal that may not be rated is
    left as it is and its refusal returned."""
    outcome, now = _lock_sorted(proposal_ids, actor, _check_markable), now or timezone.now()
    marker = actor if actor is not None and actor.is_authenticated else None
    Proposal.objects.filter(pk__in=[p.pk for p in outcome.done]).update(
        is_excellent=True, excellent_marked_at=now, excellent_marked_by=marker, updated_at=now
    )
    for proposal in outcome.done:
        proposal.is_excellent, proposal.excellent_marked_at, proposal.excellent_marked_by = True, now, marker
        proposal.updated_at = now
    record_events(audit_event(p, actor=actor, verb="excellent_marked") for p in outcome.done)
    publish(
        ProposalsExcellentRated(
            proposal_ids=tuple(p.pk for p in outcome.done),
            excellent=True,
            actor_id=actor_id(actor),
            more_days=tuple((p.committee_id, timezone.localtime(now).date()) for p in outcome.done),
        )
    )
    return outcome


@transaction.atomic
def proposal_unmark_excellent_many(*, proposal_ids, actor, now=None) -> BatchOutcome:
    """Withdraw the excellent rating of many proposals at once; the bonus goes from the day each was marked."""
    outcome, now = _lock_sorted(proposal_ids, actor, _check_unmarkable), now or timezone.now()
    marked = {p.pk: p.excellent_marked_at for p in outcome.done}
    Proposal.objects.filter(pk__in=list(marked)).update(
        is_excellent=False, excellent_marked_at=None, excellent_marked_by=None, updated_at=now
    )
    for proposal in outcome.done:
        proposal.is_excellent, proposal.excellent_marked_at, proposal.excellent_marked_by = False, None, None
        proposal.updated_at = now
    record_events(
        audit_event(
            p,
            actor=actor,
            verb="excellent_unmarked",
            data={"marked_at": marked[p.pk].isoformat() if marked[p.pk] else None},
        )
        for p in outcome.done
    )
    publish(
        ProposalsExcellentRated(
            proposal_ids=tuple(p.pk for p in outcome.done),
            excellent=False,
            actor_id=actor_id(actor),
            more_days=tuple(
                (p.committee_id, timezone.localtime(marked[p.pk]).date() if marked[p.pk] else timezone.localdate())
                for p in outcome.done
            ),
        )
    )
    return outcome


@transaction.atomic
def supervision_note_add(
    *, proposal_id: int, actor, text: str, date: date, today: date | None = None
) -> SupervisionNote:
    """Record the supervising leader's note on a key proposal (by the leader, or staff on their behalf), dated
    between its filing and today."""
    proposal = _lock(proposal_id)
    if not (proposal.supervising_leader_id and scope_of(actor).member_id == proposal.supervising_leader_id):
        _require_staff(actor, proposal.committee_id)
    if not proposal.is_key:
        raise InvalidTransition(_("Supervision notes belong to key proposals."))
    if not (text or "").strip():
        raise DomainError({"text": _("Enter the note.")})
    _check_dated(
        date,
        after=_day(proposal.filed_at),
        today=today,
        message=_("A supervision note cannot be dated before the proposal was filed (%(date)s)."),
    )
    note = SupervisionNote.objects.create(proposal=proposal, text=text.strip(), date=date, created_by=actor)
    record_event(proposal, actor=actor, verb="supervised", comment=note.text)
    return note


# --- public-opinion reports -----------------------------------------------------------------------

R = OpinionReport.State


def _lock_report(report_id: int, actor) -> OpinionReport:
    try:
        report = OpinionReport.objects.select_for_update().get(pk=report_id)
    except OpinionReport.DoesNotExist:
        raise DomainError(_("This report does not exist.")) from None
    _require_staff(actor, report.committee_id)
    return report


@transaction.atomic
def report_submit(
    *, actor, title: str, content: str, co_author_ids=(), group_id: int | None = None, today: date | None = None
) -> OpinionReport:
    """A member (alone or with others) or a group's convener writes a public-opinion report 社情民意: alone it is
    submitted at once; named co-authors are invited first and it stays a draft until the author submits it
    (``report_submit_draft``) once they have answered, as a proposal waits for its co-signers."""
    scope = scope_of(actor)
    if not scope.member_id:
        raise NotPermitted(_("Only a member can submit a public-opinion report."))
    member = Member.objects.get(pk=scope.member_id)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter the title.")
    if not (content or "").strip():
        errors["content"] = _("Enter the content.")
    co_author_ids = sorted({int(i) for i in co_author_ids} - {member.pk})
    if co_author_ids and Member.objects.filter(
        pk__in=co_author_ids, committee_id=member.committee_id, status=Member.Status.ACTIVE
    ).count() != len(co_author_ids):
        errors["co_authors"] = _("Every co-author must be a member of the same committee.")
    if group_id and int(group_id) not in scope.convened_group_ids:
        errors["group"] = _("Only the group's convener can submit in its name.")
    if errors:
        raise DomainError(errors)
    state = R.DRAFT if co_author_ids else R.SUBMITTED
    report = OpinionReport.objects.create(
        committee_id=member.committee_id,
        year=_today(today).year,
        author=member,
        group_id=group_id,
        title=title.strip(),
        content=content.strip(),
        state=state,
    )
    record_event(report, actor=actor, verb="drafted" if co_author_ids else "submitted", to_state=state)
    if co_author_ids:
        _invite_coauthors(report, co_author_ids, actor=actor, today=_today(today))
    return report


def _invite_coauthors(report: OpinionReport, member_ids: list[int], *, actor, today: date) -> None:
    deadline = add_working_days(report.committee_id, today, settings_for(report.committee_id).cosign_working_days)
    invitations = CoAuthorInvitation.objects.bulk_create(
        CoAuthorInvitation(report=report, member_id=m, deadline=deadline) for m in member_ids
    )
    record_event(report, actor=actor, verb="coauthors_invited", data={"members": member_ids})
    publish(
        CoAuthorsInvited(
            report_id=report.pk,
            member_ids=tuple(i.member_id for i in invitations),
            deadline=deadline,
            actor_id=actor_id(actor),
        )
    )


def _lock_report_row(report_id: int) -> OpinionReport:
    try:
        return OpinionReport.objects.select_for_update().get(pk=report_id)
    except OpinionReport.DoesNotExist:
        raise DomainError(_("This report does not exist.")) from None


@transaction.atomic
def coauthor_respond(
    *, invitation_id: int, accept: bool, actor, today: date | None = None, seen: str | None = None
) -> CoAuthorInvitation:
    """A member named as co-author confirms or declines 联名; only a confirmed co-author is one (and scores).
    With ``seen`` (the digest of the text they read), a confirmation of a text changed since is refused."""
    report = _lock_report_row(CoAuthorInvitation.objects.values_list("report_id", flat=True).get(pk=invitation_id))
    invitation = CoAuthorInvitation.objects.select_for_update().get(pk=invitation_id)
    if scope_of(actor).member_id != invitation.member_id:
        raise NotPermitted(_("This invitation is addressed to another member."))
    if invitation.status != CoAuthorInvitation.Status.INVITED or report.state != R.DRAFT:
        raise InvalidTransition(_("This invitation has already been answered or the report was submitted."))
    if _today(today) > invitation.deadline:
        raise InvalidTransition(_("The time to confirm this invitation has passed."))
    if accept and seen is not None and seen != report.content_digest():
        raise ConcurrentEdit(_("The report was changed after you opened it. Read it again before answering."))
    invitation.status = CoAuthorInvitation.Status.CONFIRMED if accept else CoAuthorInvitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    if accept:
        report.co_authors.add(invitation.member_id)
    record_event(
        report,
        actor=actor,
        verb="coauthor_confirmed" if accept else "coauthor_declined",
        data={"member": invitation.member_id},
    )
    return invitation


@transaction.atomic
def report_submit_draft(*, report_id: int, actor, today: date | None = None) -> OpinionReport:
    """The author submits a report once its co-authors have answered; unanswered invitations past their deadline
    lapse, and only the co-authors who confirmed are on it."""
    report = _lock_report_row(report_id)
    if scope_of(actor).member_id != report.author_id:
        raise NotPermitted(_("Only the report's author may do this."))
    if report.state != R.DRAFT:
        raise InvalidTransition(_("Only a report waiting for its co-authors can be submitted."))
    invitations = report.invitations.select_for_update()
    invitations.filter(status=CoAuthorInvitation.Status.INVITED, deadline__lt=_today(today)).update(
        status=CoAuthorInvitation.Status.EXPIRED
    )
    waiting = list(invitations.filter(status=CoAuthorInvitation.Status.INVITED).values_list("member__name", flat=True))
    if waiting:
        raise InvalidTransition(_("Waiting for co-authors to confirm: %(names)s.") % {"names": "、".join(waiting)})
    # The report counts as submitted from now (its ``created_at`` is the submission moment).
    report.created_at = timezone.now()
    return _move_report(report, R.SUBMITTED, actor=actor, verb="submitted", fields=["created_at"])


@transaction.atomic
def report_edit(*, report_id: int, actor, title: str, content: str) -> OpinionReport:
    """Staff edit a submitted report before compiling it (the text before is kept in the audit row)."""
    report = _lock_report(report_id, actor)
    if report.state not in (R.SUBMITTED, R.ACCEPTED):
        raise InvalidTransition(_("Only a submitted or accepted report can be edited."))
    if not (title or "").strip() or not (content or "").strip():
        raise DomainError(_("Enter the title and the content."))
    before = {"title": report.title, "content": report.content}
    report.title, report.content = title.strip(), content.strip()
    report.save(update_fields=["title", "content", "updated_at"])
    record_event(report, actor=actor, verb="edited", data={"before": before})
    return report


def _move_report(report, to, *, actor, verb, comment="", fields=()):
    before = report.state
    report.state = to
    report.save(update_fields=["state", "updated_at", *fields])
    record_event(report, actor=actor, verb=verb, from_state=before, to_state=to, comment=comment)
    return report


@transaction.atomic
def report_accept(*, report_id: int, actor) -> OpinionReport:
    """Staff accept a submitted report for compiling; from now on it counts on its authors' duty records
    (dated on its submission day, so the roll-ups from that quarter on go stale)."""
    report = _lock_report(report_id, actor)
    if report.state != R.SUBMITTED:
        raise InvalidTransition(_("Only a submitted report can be accepted or declined."))
    publish(
        ReportAccepted(
            committee_id=report.committee_id,
            on=timezone.localdate(report.created_at),
            report_id=report.pk,
            actor_id=actor_id(actor),
        )
    )
    return _move_report(report, R.ACCEPTED, actor=actor, verb="accepted")


@transaction.atomic
def report_decline(*, report_id: int, actor, reason: str) -> OpinionReport:
    """Staff decline a report, telling the author why."""
    report = _lock_report(report_id, actor)
    if report.state != R.SUBMITTED:
        raise InvalidTransition(_("Only a submitted report can be accepted or declined."))
    if not (reason or "").strip():
        raise DomainError({"reason": _("Give the reason for declining.")})
    report.decline_reason = reason.strip()
    publish(
        ReportDeclined(
            committee_id=report.committee_id, on=timezone.localdate(), report_id=report.pk, actor_id=actor_id(actor)
        )
    )
    return _move_report(
        report, R.DECLINED, actor=actor, verb="declined", comment=report.decline_reason, fields=["decline_reason"]
    )


@transaction.atomic
def issue_compile(
    *, committee_id: int, actor, report_ids, published_on: date, today: date | None = None
) -> ReportIssue:
    """Compile accepted reports into the year's next numbered issue 期."""
    _require_staff(actor, committee_id)
    reports = list(OpinionReport.objects.select_for_update().filter(pk__in=report_ids, committee_id=committee_id))
    if not reports or len(reports) != len(set(report_ids)):
        raise DomainError(_("Choose accepted reports of this committee."))
    if any(r.state != R.ACCEPTED for r in reports):
        raise InvalidTransition(_("Only accepted reports can be compiled."))
    _check_dated(
        published_on,
        field="published_on",
        after=max(_day(r.created_at) for r in reports),
        today=today,
        message=_("An issue cannot be published before a report in it was submitted (%(date)s)."),
    )
    _lock_settings(committee_id)
    year = published_on.year
    top = ReportIssue.objects.filter(committee_id=committee_id, year=year).aggregate(m=Max("number"))["m"]
    issue = ReportIssue.objects.create(
        committee_id=committee_id, year=year, number=(top or 0) + 1, published_on=published_on
    )
    for report in reports:
        report.issue = issue
        _move_report(report, R.COMPILED, actor=actor, verb="compiled", comment=str(issue), fields=["issue"])
    publish(
        ReportsCompiled(issue_id=issue.pk, report_ids=tuple(sorted(r.pk for r in reports)), actor_id=actor_id(actor))
    )
    return issue


@not_an_api_action("the date rule of adoptions and instructions, also run by the admin's inline rows")
def check_report_fact_date(report: OpinionReport, value, *, today: date | None = None) -> None:
    """An adoption or instruction follows the report's submission and has happened already (also checked on the
    admin's inline rows)."""
    _check_dated(
        value,
        after=_day(report.created_at),
        today=today,
        message=_("The date cannot be before the report was submitted (%(date)s)."),
    )


@transaction.atomic
def report_record_adoption(
    *, report_id: int, actor, level: str, date: date, adopted_by: str = "", today: date | None = None
) -> Adoption:
    """Record that a CPPCC at some level adopted 采用 the report (dated between its submission and today)."""
    report = _lock_report(report_id, actor)
    if report.state not in (R.ACCEPTED, R.COMPILED):
        raise InvalidTransition(_("Only an accepted report can be adopted."))
    if level not in Level.values:
        raise DomainError({"level": _("Choose the level.")})
    if report.adoptions.filter(level=level).exists():
        raise DomainError({"level": _("Adoption at this level is already recorded.")})
    check_report_fact_date(report, date, today=today)
    adoption = Adoption.objects.create(report=report, level=level, date=date, adopted_by=adopted_by)
    record_event(report, actor=actor, verb="adopted", comment=adoption.get_level_display())
    publish(
        ReportAdopted(
            committee_id=report.committee_id, on=date, report_id=report.pk, level=level, actor_id=actor_id(actor)
        )
    )
    return adoption


@transaction.atomic
def report_record_instruction(
    *, report_id: int, actor, leader: str, level: str, date: date, text: str, today: date | None = None
) -> Instruction:
    """Record a leader's written instruction 批示 on the report (dated between its submission and today)."""
    report = _lock_report(report_id, actor)
    if report.state not in (R.ACCEPTED, R.COMPILED):
        raise InvalidTransition(_("Only an accepted report can receive instructions."))
    if not (leader or "").strip() or not (text or "").strip() or level not in Level.values:
        raise DomainError(_("Give the leader, the level and the instruction."))
    check_report_fact_date(report, date, today=today)
    instruction = Instruction.objects.create(
        report=report, leader=leader.strip(), level=level, date=date, text=text.strip()
    )
    record_event(report, actor=actor, verb="instructed", comment=f"{instruction.leader}：{instruction.text[:50]}")
    publish(
        ReportInstructed(
            committee_id=report.committee_id, on=date, report_id=report.pk, level=level, actor_id=actor_id(actor)
        )
    )
    return instruction


# --- Records edited in the admin -------------------------------------------------------------------------------


def _counted_on(row) -> date | None:
    """The day a proposal, report, adoption or instruction entered the duty records (its quarter and later)."""
    from proposals.models import Adoption, Instruction, OpinionReport

    if isinstance(row, (Adoption, Instruction)):
        return row.date
    moment = row.created_at if isinstance(row, OpinionReport) else (row.submitted_at or row.created_at)
    return timezone.localtime(moment).date() if moment else None


def _records_changed(*, before, after) -> None:
    """An admin edit of a counted record: the quarters it counted in (before and after) go stale."""
    for row in (before, after):
        on = _counted_on(row) if row is not None else None
        if on is not None:
            committee_id = getattr(row, "committee_id", None) or (
                OpinionReport.objects.filter(pk=row.report_id).values_list("committee_id", flat=True).first()
            )
            if committee_id is not None:
                publish(DutyRecordChanged(committee_id=committee_id, on=on))


def _register_consequences() -> None:
    from core.services import on_record_write
    from proposals.models import Adoption, Instruction

    on_record_write(Proposal, OpinionReport, Adoption, Instruction)(_records_changed)


_register_consequences()
