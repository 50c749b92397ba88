"""Key proposals 重点提案 with their supervision notes, and excellent proposals 优秀提案, one or a batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition
from core.models import User
from core.services import audit_event, events_for, lock, lock_many, record_event, record_events
from groups.access import require_staff, scope_of
from groups.models import Member
from proposals.events import (
    ProposalKeyMarked,
    ProposalsExcellentRated,
)
from proposals.models import (
    Proposal,
    SupervisionNote,
)
from proposals.services._common import _check_dated, _day
from proposals.verbs import ProposalVerb


def _key_day(proposal: Proposal) -> date | None:
    """The day a key proposal's bonus is dated on duty records (as ``assessments.sources`` dates it: the latest
    ``key_marked`` of its audit trail, else its filing day)."""
    marked = events_for(proposal).filter(verb=ProposalVerb.KEY_MARKED).last()
    return _day(marked.created_at if marked else proposal.filed_at)


@transaction.atomic
def proposal_mark_key(*, proposal_id: int, actor: User, is_key: bool, leader_id: int | None = None) -> Proposal:
    """Mark a filed proposal as key 重点提案 with its supervising leader 督办领导, or unmark it."""
    proposal = lock(Proposal, proposal_id)
    require_staff(actor, proposal.committee_id)
    if proposal.state not in Proposal.PUBLIC_STATES:
        raise InvalidTransition(_("Only a filed proposal can be a key proposal."))
    if is_key and (
        leader_id is None or not Member.objects.filter(pk=leader_id, committee_id=proposal.committee_id).exists()
    ):
        raise DomainError({"leader": _("Choose the supervising leader from the committee's members.")})
    was_on = _key_day(proposal) if proposal.is_key else None  # the bonus leaves that day (unmarked, or marked anew)
    proposal.is_key, proposal.supervising_leader_id = is_key, leader_id if is_key else None
    proposal.save(update_fields=["is_key", "supervising_leader", "updated_at"])
    record_event(proposal, actor=actor, verb=ProposalVerb.KEY_MARKED if is_key else ProposalVerb.KEY_UNMARKED)
    publish(
        ProposalKeyMarked(
            committee_id=proposal.committee_id,
            on=timezone.localdate(),
            more_days=((proposal.committee_id, was_on),) if was_on else (),
            proposal_id=proposal.pk,
            is_key=is_key,
            leader_id=proposal.supervising_leader_id,
            actor_id=actor_id(actor),
        )
    )
    return proposal


@transaction.atomic
def proposal_mark_excellent(*, proposal_id: int, actor: User, now: datetime | None = None) -> Proposal:
    """Mark a filed proposal as an excellent proposal 优秀提案 (its authors earn the excellent bonus)."""
    return _one(proposal_id, proposal_mark_excellent_many(proposal_ids=[proposal_id], actor=actor, now=now))


@transaction.atomic
def proposal_unmark_excellent(*, proposal_id: int, actor: User, now: datetime | None = None) -> Proposal:
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


def _lock_sorted(proposal_ids: Iterable[int], actor: User, check: Callable[[Proposal], object]) -> BatchOutcome:
    """Lock the proposals (in pk order) and sort them into those ``check`` and the staff rule let through
    and those they refuse."""
    outcome = BatchOutcome()
    for proposal in lock_many(Proposal, proposal_ids, partial=True):
        try:
            require_staff(actor, proposal.committee_id)
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
def proposal_mark_excellent_many(
    *, proposal_ids: Iterable[int], actor: User, now: datetime | None = None
) -> BatchOutcome:
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
    record_events(audit_event(p, actor=actor, verb=ProposalVerb.EXCELLENT_MARKED) for p in outcome.done)
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
def proposal_unmark_excellent_many(
    *, proposal_ids: Iterable[int], actor: User, now: datetime | None = None
) -> BatchOutcome:
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
            verb=ProposalVerb.EXCELLENT_UNMARKED,
            data={"marked_at": m.isoformat() if (m := marked[p.pk]) else None},
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
    *, proposal_id: int, actor: User, text: str, date: date, today: date | None = None
) -> SupervisionNote:
    """Record the supervising leader's note on a key proposal (by the leader, or staff on their behalf), dated
    between its filing and today."""
    proposal = lock(Proposal, proposal_id)
    if not (proposal.supervising_leader_id and scope_of(actor).member_id == proposal.supervising_leader_id):
        require_staff(actor, proposal.committee_id)
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
    record_event(proposal, actor=actor, verb=ProposalVerb.SUPERVISED, comment=note.text)
    return note
