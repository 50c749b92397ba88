"""Consultation outcomes 协商成果: evaluation, assignment to a unit, its progress and reply, review, publishing, follow-up, proposals drafted from them, and the overdue flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consultations.events import OutcomeAssigned, OutcomePublished, OutcomeReplied
from consultations.models import (
    Attendance,
    ConsultationSession,
    Outcome,
    OutcomeEntry,
)
from consultations.services._common import _after_public_change, _require_topic_editor
from consultations.verbs import ConsultationVerb
from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, not_an_api_action, record_event
from groups.access import require_staff, scope_of
from groups.models import HandlingUnit

# --- outcomes 协商成果 ----------------------------------------------------------------------------


@transaction.atomic
def outcome_create(*, session_id: int, title: str, content: str, actor: User) -> Outcome:
    """Record a concrete suggestion coming out of a held session."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if session.state != ConsultationSession.State.HELD:
        raise InvalidTransition(_("Outcomes are recorded for a held session."))
    if not title.strip() or not content.strip():
        raise DomainError(_("Enter the outcome's title and suggestion."))
    outcome = Outcome.objects.create(
        committee_id=session.committee_id, session=session, title=title.strip(), content=content.strip()
    )
    record_event(outcome, actor=actor, verb=ConsultationVerb.CREATED, to_state=outcome.state)
    return outcome


def _transition(
    outcome: Outcome,
    *,
    actor: User,
    to: str,
    allowed: tuple[str, ...],
    message: str,
    verb: ConsultationVerb,
    comment: str = "",
    fields: tuple[str, ...] = (),
    data: dict[str, Any] | None = None,
) -> Outcome:
    if outcome.state not in allowed:
        raise InvalidTransition(message)
    old = outcome.state
    outcome.state = to
    outcome.save(update_fields=["state", "updated_at", *fields])
    record_event(outcome, actor=actor, verb=verb, from_state=old, to_state=to, comment=comment, data=data)
    return outcome


# 评: each decision's state and verb (a merge names the outcome it goes into besides)
EVALUATIONS = {
    "adopt": (Outcome.State.ADOPTED, ConsultationVerb.ADOPTED),
    "decline": (Outcome.State.DECLINED, ConsultationVerb.DECLINED),
    "merge": (Outcome.State.MERGED, ConsultationVerb.MERGED),
}


@transaction.atomic
def outcome_evaluate(
    *, outcome_id: int, decision: str, actor: User, comment: str = "", merge_into_id: int | None = None
) -> Outcome:
    """评: staff adopt the outcome, merge it into another, or decline it with a reason."""
    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    if decision not in EVALUATIONS:
        raise DomainError(_("Choose adopt, merge or decline."))
    comment = comment.strip()
    outcome.evaluation_comment = comment
    if decision == "decline" and not comment:
        raise DomainError(_("Give a reason for declining."))
    fields: tuple[str, ...] = ("evaluation_comment",)
    data: dict[str, Any] | None = None
    if decision == "merge":
        outcome.merged_into = _merge_target(outcome, merge_into_id)
        fields, data = ("evaluation_comment", "merged_into"), {"into": outcome.merged_into.pk}
    to, verb = EVALUATIONS[decision]
    return _transition(
        outcome,
        actor=actor,
        to=to,
        allowed=(Outcome.State.PENDING,),
        message=_("Only an outcome awaiting evaluation can be evaluated."),
        verb=verb,
        comment=comment,
        fields=fields,
        data=data,
    )


def _merge_target(outcome: Outcome, merge_into_id: int | None) -> Outcome:
    """Another outcome of the same committee, neither merged nor declined."""
    target = (
        Outcome.objects.filter(pk=merge_into_id, committee_id=outcome.committee_id).first() if merge_into_id else None
    )
    if target is None or target.pk == outcome.pk:
        raise DomainError(_("Choose another outcome of the same committee to merge into."))
    if target.state in (Outcome.State.MERGED, Outcome.State.DECLINED):
        raise DomainError(_("An outcome cannot be merged into a merged or declined one."))
    return target


@transaction.atomic
def outcome_assign(
    *, outcome_id: int, unit: HandlingUnit | None, deadline: dt.date | None, actor: User, now: dt.datetime | None = None
) -> Outcome:
    """交: hand an adopted outcome to its responsible unit with a deadline."""
    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    if outcome.state != Outcome.State.ADOPTED:
        raise InvalidTransition(_("Only an adopted outcome can be handed to a unit."))
    if unit is None:
        raise DomainError(_("Choose the responsible unit before handing the outcome over."))
    if unit.committee_id != outcome.committee_id:
        raise DomainError(_("The unit belongs to another committee."))
    now = now or timezone.now()
    if deadline is None or deadline < timezone.localdate(now):
        raise DomainError({"deadline": _("The deadline must be today or later.")})
    outcome.unit, outcome.deadline, outcome.assigned_at = unit, deadline, now
    _transition(
        outcome,
        actor=actor,
        to=Outcome.State.ASSIGNED,
        allowed=(Outcome.State.ADOPTED,),
        message="",
        verb=ConsultationVerb.ASSIGNED,
        fields=("unit", "deadline", "assigned_at"),
        data={"unit": unit.pk, "deadline": deadline.isoformat()},
    )
    publish(OutcomeAssigned(outcome_id=outcome.pk, unit_id=unit.pk, deadline=deadline, actor_id=actor_id(actor)))
    return outcome


def _require_unit(actor: User, outcome: Outcome) -> None:
    if outcome.unit_id is None or outcome.unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("This outcome has not been handed to your unit."))


@transaction.atomic
def outcome_progress(*, outcome_id: int, text: str, actor: User) -> OutcomeEntry:
    """办: the unit records how handling is going."""
    outcome = lock(Outcome, outcome_id)
    if outcome.state not in (Outcome.State.ASSIGNED, Outcome.State.HANDLING):
        raise InvalidTransition(_("Progress is recorded while the outcome is being handled."))
    _require_unit(actor, outcome)
    if not text.strip():
        raise DomainError(pgettext("consultation", "Describe the progress."))
    entry = OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.PROGRESS, text=text.strip(), author=actor
    )
    if outcome.state == Outcome.State.ASSIGNED:
        _transition(
            outcome,
            actor=actor,
            to=Outcome.State.HANDLING,
            allowed=(Outcome.State.ASSIGNED,),
            message="",
            verb=ConsultationVerb.PROGRESS,
            comment=entry.text,
        )
    else:
        record_event(outcome, actor=actor, verb=ConsultationVerb.PROGRESS, comment=entry.text)
    return entry


@transaction.atomic
def outcome_supervise(*, outcome_id: int, text: str, actor: User) -> OutcomeEntry:
    """督: staff or a leader of the committee leave a supervision note."""
    outcome = lock(Outcome, outcome_id)
    if not scope_of(actor).can_read_committee(outcome.committee_id):
        raise NotPermitted(_("Only staff or leaders of this committee may supervise."))
    if outcome.state not in (Outcome.State.ASSIGNED, Outcome.State.HANDLING, Outcome.State.REPLIED):
        raise InvalidTransition(_("Only an outcome at a unit can be supervised."))
    if not text.strip():
        raise DomainError(_("Write the supervision note."))
    entry = OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.SUPERVISION, text=text.strip(), author=actor
    )
    record_event(
        outcome,
        actor=actor,
        verb=ConsultationVerb.SUPERVISED,
        comment=entry.text,
        data={"overdue": outcome.is_overdue()},
    )
    return entry


@transaction.atomic
def outcome_reply(*, outcome_id: int, text: str, actor: User, now: dt.datetime | None = None) -> Outcome:
    """复: the assigned unit replies; whether it was on time is kept for the figures."""
    outcome = lock(Outcome, outcome_id)
    if outcome.state not in (Outcome.State.ASSIGNED, Outcome.State.HANDLING):
        raise InvalidTransition(_("Only an outcome being handled can be replied to."))
    _require_unit(actor, outcome)
    if not text.strip():
        raise DomainError(_("Write the reply."))
    now = now or timezone.now()
    outcome.reply, outcome.replied_at, outcome.replied_by = text.strip(), now, actor
    outcome.answered_on_time = outcome.deadline is None or timezone.localdate(now) <= outcome.deadline
    _transition(
        outcome,
        actor=actor,
        to=Outcome.State.REPLIED,
        allowed=(Outcome.State.ASSIGNED, Outcome.State.HANDLING),
        message="",
        verb=ConsultationVerb.REPLIED,
        fields=("reply", "replied_at", "replied_by", "answered_on_time"),
    )
    publish(OutcomeReplied(outcome_id=outcome.pk, committee_id=outcome.committee_id, actor_id=actor_id(actor)))
    return outcome


@transaction.atomic
def outcome_review(*, outcome_id: int, accept: bool, comment: str = "", actor: User) -> Outcome:
    """Staff review the reply: accept it, or return it to the unit with a comment."""
    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    msg = _("Only a replied outcome can be reviewed.")
    outcome.review_comment = comment.strip()
    if accept:
        return _transition(
            outcome,
            actor=actor,
            to=Outcome.State.REVIEWED,
            allowed=(Outcome.State.REPLIED,),
            message=msg,
            verb=ConsultationVerb.REVIEWED,
            comment=comment,
            fields=("review_comment",),
        )
    if not comment.strip():
        raise DomainError(_("Say why the reply is returned."))
    return _transition(
        outcome,
        actor=actor,
        to=Outcome.State.HANDLING,
        allowed=(Outcome.State.REPLIED,),
        message=msg,
        verb=ConsultationVerb.RETURNED,
        comment=comment,
        fields=("review_comment",),
    )


@transaction.atomic
def outcome_publish(*, outcome_id: int, actor: User, now: dt.datetime | None = None) -> Outcome:
    """公示: publish a reviewed outcome with its reply on the public page."""
    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    outcome.published_at = now or timezone.now()
    _transition(
        outcome,
        actor=actor,
        to=Outcome.State.PUBLISHED,
        allowed=(Outcome.State.REVIEWED,),
        verb=ConsultationVerb.PUBLISHED,
        message=_("Only an outcome whose reply has been reviewed can be published."),
        fields=("published_at",),
    )
    session = outcome.session
    if not session.is_published:  # an outcome is disclosed as part of its meeting
        ConsultationSession.objects.filter(pk=session.pk).update(is_published=True)
        record_event(session, actor=actor, verb=ConsultationVerb.PUBLISHED, comment=_("Published with its outcome."))
    publish(OutcomePublished(outcome_id=outcome.pk, actor_id=actor_id(actor)))
    _after_public_change(outcome.committee_id)
    return outcome


@transaction.atomic
def outcome_follow_up(*, outcome_id: int, text: str, actor: User) -> OutcomeEntry:
    """跟踪: staff note how the published outcome is being carried out."""
    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    if outcome.state != Outcome.State.PUBLISHED:
        raise InvalidTransition(_("Follow-up entries are added to a published outcome."))
    if not text.strip():
        raise DomainError(_("Write the follow-up note."))
    entry = OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.FOLLOW_UP, text=text.strip(), author=actor
    )
    record_event(outcome, actor=actor, verb=ConsultationVerb.FOLLOWED_UP, comment=entry.text)
    _after_public_change(outcome.committee_id)
    return entry


@transaction.atomic
def outcome_close(*, outcome_id: int, actor: User, comment: str = "", now: dt.datetime | None = None) -> Outcome:
    """Close a published outcome once it is done (事事见成效)."""
    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    outcome.closed_at = now or timezone.now()
    _transition(
        outcome,
        actor=actor,
        to=Outcome.State.CLOSED,
        allowed=(Outcome.State.PUBLISHED,),
        verb=ConsultationVerb.CLOSED,
        comment=comment,
        message=_("Only a published outcome can be closed."),
        fields=("closed_at",),
    )
    _after_public_change(outcome.committee_id)
    return outcome


DRAFTABLE_STATES = ("adopted", *Outcome.HANDED_OVER)


@not_an_api_action("a read: whether the page offers drafting; outcome_draft_proposal checks the same rule")
def may_draft_proposal(user: User, outcome: Outcome) -> bool:
    """A member (a convener included) present at the outcome's session may draft a proposal from it."""
    member_id = scope_of(user).member_id
    return (
        member_id is not None
        and Attendance.objects.filter(
            session_id=outcome.session_id, member_id=member_id, status=Attendance.Status.PRESENT
        ).exists()
    )


@transaction.atomic
def outcome_draft_proposal(*, outcome_id: int, actor: User, category: str) -> Outcome:
    """Turn an adopted outcome into a proposal draft of the acting member, pre-filled and linked both ways."""
    from consultations.selectors import proposal_draft
    from proposals.models import Proposal
    from proposals.services import proposal_save_draft

    outcome = lock(Outcome, outcome_id)
    if not may_draft_proposal(actor, outcome):
        raise NotPermitted(_("Only a member who attended the session may draft a proposal from its outcome."))
    if outcome.state not in DRAFTABLE_STATES:
        raise InvalidTransition(_("Only an adopted outcome can become a proposal."))
    if outcome.proposal_id:
        raise InvalidTransition(_("This outcome is already linked to a proposal."))
    draft = proposal_draft(Outcome.objects.select_related("session").get(pk=outcome.pk))
    proposal = proposal_save_draft(
        actor=actor,
        data={
            "title": draft["title"][:200],
            "analysis": draft["case"],
            "suggestions": draft["suggestions"],
            "category": category,
            "kind": Proposal.Kind.MEMBER,
        },
    )
    outcome.proposal = proposal
    outcome.save(update_fields=["proposal", "updated_at"])
    record_event(
        outcome,
        actor=actor,
        verb=ConsultationVerb.PROPOSAL_DRAFTED,
        data={"proposal": proposal.pk},
        comment=proposal.title,
    )
    return outcome


@transaction.atomic
def outcome_link_proposal(*, outcome_id: int, proposal_id: int | None, actor: User) -> Outcome:
    """Link an outcome to the existing proposal it became, or remove the link (secretariat staff)."""
    from proposals.models import Proposal

    outcome = lock(Outcome, outcome_id)
    require_staff(actor, outcome.committee_id)
    proposal = None
    if proposal_id is not None:
        proposal = Proposal.objects.filter(pk=proposal_id, committee_id=outcome.committee_id).first()
        if proposal is None or proposal.state == Proposal.State.DRAFT:
            raise DomainError(_("Choose a submitted proposal of the same committee."))
    before = outcome.proposal_id
    outcome.proposal = proposal
    outcome.save(update_fields=["proposal", "updated_at"])
    record_event(
        outcome,
        actor=actor,
        verb=ConsultationVerb.LINKED_PROPOSAL if proposal else ConsultationVerb.UNLINKED_PROPOSAL,
        data={"from": before, "to": proposal_id},
        comment=proposal.title if proposal else "",
    )
    return outcome


@not_an_api_action("beat's daily task (consultations.tasks): marks outcomes past their deadline once")
@transaction.atomic
def outcomes_flag_overdue(*, today: dt.date | None = None) -> int:
    """督: mark each outcome that passed its deadline at the unit once per deadline (safe to run twice)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEvent

    today = today or timezone.localdate()
    overdue = list(Outcome.objects.overdue(today).select_for_update().only("pk", "title", "deadline").order_by("pk"))
    if not overdue:
        return 0
    seen = set(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Outcome),
            verb=ConsultationVerb.OVERDUE,
            object_id__in=[str(o.pk) for o in overdue],
        ).values_list("object_id", "comment")
    )
    flagged = 0
    for outcome in overdue:
        deadline = outcome.deadline.isoformat() if outcome.deadline else ""  # an overdue outcome has one
        if (str(outcome.pk), deadline) in seen:
            continue
        record_event(outcome, actor=None, verb=ConsultationVerb.OVERDUE, comment=deadline)
        flagged += 1
    return flagged
