"""Review of a submitted proposal: filing, not filing (one or many at once) and merging."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import actor_id, publish, publish_many
from core.exceptions import DomainError, InvalidTransition
from core.models import User
from core.parsing import as_id
from core.services import audit_event, check_expected_state, lock, lock_many, record_event, record_events
from groups.access import require_staff
from proposals.events import (
    ProposalFiled,
    ProposalMerged,
    ProposalNotFiled,
)
from proposals.models import (
    NotFilingGround,
    OpinionReport,
    Proposal,
)
from proposals.services._common import (
    BATCH_LIMIT,
    _lock_settings,
    _move,
    _require_state,
)
from proposals.verbs import ProposalVerb

# --- review ---------------------------------------------------------------------------------------


@transaction.atomic
def proposal_start_review(*, proposal_id: int, actor: User, expected_state: str | None = None) -> Proposal:
    """Staff take a submitted proposal up for review 审查."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    require_staff(actor, proposal.committee_id)
    _require_state(
        proposal, Proposal.State.SUBMITTED, message=_("Only a submitted proposal can be taken up for review.")
    )
    return _move(proposal, Proposal.State.UNDER_REVIEW, actor=actor, verb=ProposalVerb.REVIEW_STARTED)


@transaction.atomic
def proposal_file(*, proposal_id: int, actor: User, expected_state: str | None = None) -> Proposal:
    """Accept a proposal for handling 立案 and give it the year's next serial number."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    require_staff(actor, proposal.committee_id)
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
        Proposal.State.FILED,
        actor=actor,
        verb=ProposalVerb.FILED,
        fields=["serial_number", "filed_at"],
        comment=proposal.number_display,
    )


def _grounds_by_committee(committee_ids: set[int]) -> dict[int, dict[int, NotFilingGround]]:
    """The grounds each committee may use (its own list, else the national one), in one query."""
    NotFilingGround.objects.ensure_national()
    rows = list(
        NotFilingGround.objects.filter(
            Q(committee__isnull=True) | Q(committee_id__in=list(committee_ids)), is_active=True
        )
    )
    national = {g.pk: g for g in rows if g.committee_id is None}
    return {c: {g.pk: g for g in rows if g.committee_id == c} or national for c in committee_ids}


def _check_ground(proposals: list[Proposal], ground_id: object, reason: str) -> NotFilingGround:
    """The chosen ground, if every proposal's committee uses it; its explanation, if it needs one."""
    allowed = _grounds_by_committee({p.committee_id for p in proposals})
    chosen = as_id(ground_id)
    ground = next(iter(allowed.values()), {}).get(chosen) if chosen else None
    if ground is None or any(ground.pk not in grounds for grounds in allowed.values()):
        raise DomainError({"ground": _("Choose a ground for not filing from the committee's published list.")})
    if ground.needs_explanation and not (reason or "").strip():
        raise DomainError({"reason": _("This ground needs an explanation in your own words; the proposer is told.")})
    return ground


def _check_all(proposals: list[Proposal], actor: User, check: Callable[[Proposal], object]) -> None:
    """A batch is all or nothing: the actor must be staff of every proposal's committee, and ``check`` must pass
    for each, or nothing is changed and every refusal is named."""
    for proposal in proposals:
        require_staff(actor, proposal.committee_id)
    refusals = []
    for proposal in proposals:
        try:
            check(proposal)
        except DomainError as exc:
            refusals.append(f"{proposal.number_display}《{proposal.title}》：{'；'.join(exc.messages)}")
    if refusals:
        raise InvalidTransition(_("Nothing was changed. %(refusals)s") % {"refusals": " ".join(refusals)})


def _lock_many(proposal_ids: Iterable[object]) -> list[Proposal]:
    """Lock a batch's proposals in id order (two batches cannot deadlock); an id not found refuses the batch."""
    proposal_ids = list(proposal_ids)
    ids = sorted({i for i in map(as_id, proposal_ids) if i is not None})
    if not ids:
        raise DomainError({"proposals": _("Select at least one proposal.")})
    if len(ids) > BATCH_LIMIT:
        raise DomainError({"proposals": _("Select at most %(n)s proposals at a time.") % {"n": BATCH_LIMIT}})
    twice_or_missing = DomainError({"proposals": _("A selected proposal does not exist or was selected twice.")})
    if len(ids) != len(proposal_ids):
        raise twice_or_missing
    return lock_many(Proposal, ids, missing=twice_or_missing)


def _not_file(proposals: list[Proposal], *, actor: User, ground: NotFilingGround, reason: str, outcome: str) -> None:
    """Not file the (locked, checked) proposals with one ground: one update, one audit row and one event each,
    converted into reports in one insert."""
    text = f"{ground.text}：{reason.strip()}" if (reason or "").strip() else ground.text
    now = timezone.now()
    Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        state=Proposal.State.NOT_FILED,
        not_filed_reason=text,
        not_filed_ground=ground,
        not_filed_outcome=outcome,
        updated_at=now,
    )
    rows = []
    for p in proposals:
        rows.append(
            audit_event(
                p,
                actor=actor,
                verb=ProposalVerb.NOT_FILED,
                from_state=p.state,
                to_state=Proposal.State.NOT_FILED,
                comment=text,
                data={"ground": ground.pk},
            )
        )
        p.state, p.not_filed_reason, p.not_filed_ground, p.not_filed_outcome, p.updated_at = (
            Proposal.State.NOT_FILED,
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
        rows += [
            audit_event(r, actor=actor, verb=ProposalVerb.CONVERTED_FROM_PROPOSAL, to_state=r.state) for r in created
        ]
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
    actor: User,
    ground_id: int | None,
    reason: str = "",
    outcome: str = "",
    expected_state: str | None = None,
) -> Proposal:
    """Do not file 不予立案, on a published ground (with an explanation) told to the proposer; optionally convert it."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    require_staff(actor, proposal.committee_id)
    _check_not_fileable(proposal)
    _check_outcome(outcome)
    ground = _check_ground([proposal], ground_id, reason)
    _not_file([proposal], actor=actor, ground=ground, reason=reason, outcome=outcome)
    return proposal


@transaction.atomic
def proposals_reject_many(
    *, proposal_ids: Iterable[int | str], actor: User, ground_id: int | None, reason: str = "", outcome: str = ""
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
def proposal_merge(*, proposal_id: int, into_id: int, actor: User, expected_state: str | None = None) -> Proposal:
    """Merge 并案 a proposal into a filed one on the same matter; its proposer still gets the answer."""
    if proposal_id == into_id:
        raise DomainError(_("A proposal cannot be merged into itself."))
    # locked in id order, so two merges cannot deadlock
    locked = {p.pk: p for p in lock_many(Proposal, [proposal_id, into_id], partial=True)}
    proposal, target = locked.get(proposal_id), locked.get(into_id)
    if proposal is None or target is None:
        raise DomainError(_("This proposal does not exist."))
    check_expected_state(proposal, expected_state)
    require_staff(actor, proposal.committee_id)
    _require_state(proposal, *Proposal.REVIEW_STATES, message=_("Only a submitted proposal can be merged."))
    if target.committee_id != proposal.committee_id or target.year != proposal.year:
        raise DomainError(_("Proposals can only be merged within the same committee and session."))
    if target.state not in Proposal.MERGE_TARGET_STATES:
        raise InvalidTransition(_("A proposal can only be merged into a filed one."))
    proposal.merged_into = target
    _move(
        proposal,
        Proposal.State.MERGED,
        actor=actor,
        verb=ProposalVerb.MERGED,
        fields=["merged_into"],
        comment=str(target),
    )
    record_event(
        target, actor=actor, verb=ProposalVerb.MERGED_IN, comment=str(proposal), data={"proposal": proposal.pk}
    )
    publish(ProposalMerged(proposal_id=proposal.pk, into_id=target.pk, actor_id=actor_id(actor)))
    return proposal
