"""Assignment to handling units and the handling itself: reassignment, contacts, replies, ratings, closing, implementation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import Event, actor_id, publish, publish_many
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent, User
from core.parsing import as_id
from core.services import audit_event, lock, not_an_api_action, record_event, record_events
from core.uploads import validate_upload
from groups.access import require_staff, scope_of
from groups.models import HandlingUnit
from proposals.deadlines import add_months, add_working_days, settings_for
from proposals.events import (
    ProposalAssigned,
    ProposalClosed,
    ProposalReopened,
    ProposalReplied,
    ProposalReturned,
)
from proposals.models import (
    Assignment,
    CoHandlerOpinion,
    ContactRecord,
    Feedback,
    ImplementationEntry,
    Proposal,
    Reply,
    ResultCode,
)
from proposals.services._common import (
    _check_dated,
    _day,
    _move,
    _require_lead_proposer,
    _require_state,
    _today,
)
from proposals.services.review import _check_all, _lock_many
from proposals.verbs import ProposalVerb

# --- assignment and handling ----------------------------------------------------------------------


def _check_assignable(proposal: Proposal) -> None:
    _require_state(proposal, Proposal.State.FILED, message=_("Only a filed proposal can be assigned."))


def _assign(
    proposals: list[Proposal],
    *,
    actor: User,
    lead_unit_id: object,
    co_unit_ids: Iterable[object],
    due_date: date | None,
    today: date,
) -> None:
    """Hand the (locked, checked) proposals to the same units, deadlines from each committee's rules: the
    assignments in one insert, one update per deadline, one audit row and one event per proposal."""
    lead_id = as_id(lead_unit_id)
    co_ids = [u for u in dict.fromkeys(as_id(c) for c in co_unit_ids) if u and u != lead_id]
    wanted = {lead_id, *co_ids}
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
    if not lead_id or set(units) != wanted or set(units.values()) != committees:
        raise DomainError({"lead_unit": _("Choose handling units of this committee.")})
    (committee_id,) = committees
    rules = settings_for(committee_id)
    window = add_working_days(committee_id, today, rules.reassignment_working_days)
    rows: list[Assignment] = []
    events: list[Event] = []
    audit: list[AuditEvent] = []
    dues: dict[date, list[int]] = {}
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
                unit_id=lead_id,
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
            for u in co_ids
        ]
        dues.setdefault(due, []).append(proposal.pk)
        events.append(
            ProposalAssigned(
                proposal_id=proposal.pk,
                committee_id=proposal.committee_id,
                lead_unit_id=lead_id,
                co_unit_ids=tuple(co_ids),
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
                verb=ProposalVerb.ASSIGNED,
                from_state=proposal.state,
                to_state=Proposal.State.ASSIGNED,
                data={"lead": lead_id, "co": co_ids, "due": due.isoformat()},
            )
        )
        proposal.state, proposal.lead_unit_id, proposal.reply_due = Proposal.State.ASSIGNED, lead_id, due
    Assignment.objects.bulk_create(rows)
    now = timezone.now()
    for due, ids in dues.items():
        Proposal.objects.filter(pk__in=ids).update(
            state=Proposal.State.ASSIGNED, lead_unit_id=lead_id, reply_due=due, updated_at=now
        )
    record_events(audit)
    publish_many(events)


@transaction.atomic
def proposal_assign(
    *,
    proposal_id: int,
    actor: User,
    lead_unit_id: int | str,
    co_unit_ids: Iterable[int | str] = (),
    due_date: date | None = None,
    today: date | None = None,
    expected_state: str | None = None,
) -> Proposal:
    """Hand a filed proposal to one lead unit and any co-handlers 交办, with deadlines from the rules."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    require_staff(actor, proposal.committee_id)
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
    *,
    proposal_ids: Iterable[int | str],
    actor: User,
    lead_unit_id: int | str,
    co_unit_ids: Iterable[int | str] = (),
    due_date: date | None = None,
    today: date | None = None,
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


def _own_assignment(assignment_id: int, actor: User, expected_state: str | None = None) -> tuple[Assignment, Proposal]:
    """The actor's unit's active assignment and its proposal, both locked."""
    assignment = lock(
        Assignment.objects.filter(is_active=True),
        assignment_id,
        missing=DomainError(_("This assignment does not exist or was withdrawn.")),
    )
    if assignment.unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("Only the assigned unit may do this."))
    return assignment, lock(Proposal, assignment.proposal_id, expected_state=expected_state)


@transaction.atomic
def assignment_request_reassignment(
    *, assignment_id: int, actor: User, reason: str, today: date | None = None, expected_state: str | None = None
) -> Assignment:
    """A unit returns a proposal that is not its business 退回, within the window; staff reassign it."""
    assignment, proposal = _own_assignment(assignment_id, actor, expected_state)
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
            Proposal.State.FILED,
            actor=actor,
            verb=ProposalVerb.REASSIGNMENT_REQUESTED,
            comment=assignment.reassignment_reason,
            fields=["lead_unit", "reply_due"],
            data={"unit": assignment.unit_id},
        )
    else:
        record_event(
            proposal,
            actor=actor,
            verb=ProposalVerb.REASSIGNMENT_REQUESTED,
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
    *, assignment_id: int, actor: User, date: date, way: str, with_whom: str, notes: str = "", today: date | None = None
) -> ContactRecord:
    """The unit records its contact with the proposer 沟通 (dated between its assignment and today); the first
    contact starts handling."""
    assignment, proposal = _own_assignment(assignment_id, actor)
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
    if proposal.state == Proposal.State.ASSIGNED:
        _move(proposal, Proposal.State.HANDLING, actor=actor, verb=ProposalVerb.HANDLING_STARTED, comment=str(record))
    else:
        record_event(proposal, actor=actor, verb=ProposalVerb.CONTACTED, comment=str(record))
    return record


@transaction.atomic
def proposal_start_handling(*, proposal_id: int, actor: User, expected_state: str | None = None) -> Proposal:
    """The lead unit acknowledges the assignment and starts handling 办理."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    if proposal.lead_unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("Only the lead unit may do this."))
    _require_state(proposal, Proposal.State.ASSIGNED, message=_("Only an assigned proposal can be taken up."))
    return _move(proposal, Proposal.State.HANDLING, actor=actor, verb=ProposalVerb.HANDLING_STARTED)


@transaction.atomic
def cohandler_opinion_send(*, assignment_id: int, actor: User, text: str) -> CoHandlerOpinion:
    """A co-handling unit sends its opinion to the lead unit."""
    assignment, proposal = _own_assignment(assignment_id, actor)
    if assignment.role != Assignment.Role.CO:
        raise DomainError(_("Only a co-handling unit sends an opinion."))
    _require_state(proposal, *Proposal.HANDLING_STATES, message=_("The proposal is not being handled."))
    if not (text or "").strip():
        raise DomainError({"text": _("Enter the opinion.")})
    opinion = CoHandlerOpinion.objects.create(assignment=assignment, text=text.strip(), created_by=actor)
    record_event(proposal, actor=actor, verb=ProposalVerb.COHANDLER_OPINION, data={"unit": assignment.unit_id})
    return opinion


@not_an_api_action("a check of the reply's upload inside proposal_reply")
def check_pdf(upload: UploadedFile | None) -> None:
    """A signed reply must be a real PDF (the file starts with ``%PDF-``) within the size limit."""
    if upload is None:
        raise DomainError({"signed_pdf": _("Attach the signed reply as a PDF.")})
    validate_upload(upload, model=Reply, field="signed_pdf", error_key="signed_pdf")


@transaction.atomic
def proposal_reply(
    *,
    proposal_id: int,
    actor: User,
    text: str,
    result_code: str,
    signed_pdf: UploadedFile | None,
    today: date | None = None,
    expected_state: str | None = None,
) -> Reply:
    """The lead unit answers 答复 with its text, signed PDF and result code; the feedback window opens."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
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
    on_time = proposal.reply_due is None or today <= proposal.reply_due
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
        Proposal.State.REPLIED,
        actor=actor,
        verb=ProposalVerb.REPLIED,
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
    actor: User,
    rating: str,
    comment: str = "",
    today: date | None = None,
    expected_state: str | None = None,
) -> Feedback:
    """The lead proposer rates the reply 反馈; 不满意 sends it back for another round with a new deadline."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    _require_lead_proposer(actor, proposal)
    _require_state(proposal, Proposal.State.REPLIED, message=_("Only a replied proposal can be rated."))
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
        _move(
            proposal,
            Proposal.State.RATED,
            actor=actor,
            verb=ProposalVerb.RATED,
            comment=feedback.get_rating_display(),
            fields=fields,
        )
        return feedback
    rules = settings_for(proposal.committee_id)
    proposal.round += 1
    proposal.reply_due = add_months(today, rules.second_round_months)
    proposal.assignments.filter(is_active=True, role=Assignment.Role.LEAD).update(due_date=proposal.reply_due)
    _move(
        proposal,
        Proposal.State.HANDLING,
        actor=actor,
        verb=ProposalVerb.REOPENED,
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
    *, proposal_id: int, actor: User, expected_state: str | None = None, today: date | None = None
) -> Proposal:
    """Staff close 办结 a rated proposal, or a replied one whose feedback window has passed."""
    proposal = lock(Proposal, proposal_id, expected_state=expected_state)
    require_staff(actor, proposal.committee_id)
    lapsed = (
        proposal.state == Proposal.State.REPLIED and proposal.feedback_due and _today(today) > proposal.feedback_due
    )
    if proposal.state != Proposal.State.RATED and not lapsed:
        raise InvalidTransition(_("Only a rated proposal, or one whose feedback window has passed, can be closed."))
    proposal.closed_at = timezone.now()
    publish(ProposalClosed(proposal_id=proposal.pk, actor_id=actor_id(actor)))
    return _move(proposal, Proposal.State.CLOSED, actor=actor, verb=ProposalVerb.CLOSED, fields=["closed_at"])


@transaction.atomic
def implementation_add(
    *, proposal_id: int, actor: User, text: str, date: date, completes: bool = False, today: date | None = None
) -> ImplementationEntry:
    """Record progress 落实 on a closed proposal (dated between its first reply and today); staff may mark it
    implemented."""
    proposal = lock(Proposal, proposal_id)
    scope = scope_of(actor)
    if not (scope.is_staff_of(proposal.committee_id) or proposal.lead_unit_id in scope.unit_ids):
        raise NotPermitted(_("Only staff or the lead unit may record implementation."))
    _require_state(
        proposal, Proposal.State.CLOSED, message=_("Implementation is tracked after the proposal is closed.")
    )
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
    record_event(
        proposal,
        actor=actor,
        verb=ProposalVerb.IMPLEMENTED if completes else ProposalVerb.IMPLEMENTATION_PROGRESS,
        comment=text,
    )
    return entry
