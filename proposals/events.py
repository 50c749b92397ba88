"""Domain events of proposals and opinion reports (see ``core.events``). Apps above subscribe to them;
proposals imports none of those apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.events import Event
from groups.events import DutyRecordChanged


@dataclass(frozen=True, kw_only=True)
class CosignersInvited(Event):
    """Members were invited to co-sign 联名 a draft proposal; they answer by ``deadline``."""

    name = "proposals.cosigners_invited"
    proposal_id: int
    member_ids: tuple[int, ...]
    deadline: date
    again: bool = False  # they had confirmed, and the lead has changed the text since


@dataclass(frozen=True, kw_only=True)
class CoAuthorsInvited(Event):
    """Members were named as co-authors 联名 of an opinion report; they confirm or decline by ``deadline``."""

    name = "proposals.coauthors_invited"
    report_id: int
    member_ids: tuple[int, ...]
    deadline: date


@dataclass(frozen=True, kw_only=True)
class ProposalFiled(DutyRecordChanged):
    """A proposal was filed 立案 (accepted for handling) and numbered."""

    name = "proposals.filed"
    proposal_id: int


@dataclass(frozen=True, kw_only=True)
class ProposalAssigned(Event):
    """A filed proposal was handed 交办 to a lead unit and any co-handlers. Each unit may ask for reassignment
    (return it) until ``return_until``; the lead unit replies by ``reply_due``, co-handlers give their opinion
    by ``opinion_due``."""

    name = "proposals.assigned"
    proposal_id: int
    committee_id: int
    lead_unit_id: int
    co_unit_ids: tuple[int, ...] = ()
    reply_due: date
    opinion_due: date
    return_until: date


@dataclass(frozen=True, kw_only=True)
class ProposalKeyMarked(DutyRecordChanged):
    """A proposal was marked key 重点提案 (``is_key``) or unmarked."""

    name = "proposals.key_marked"
    proposal_id: int
    is_key: bool
    leader_id: int | None = None  # the supervising leader 督办领导 (a member) when marked


@dataclass(frozen=True, kw_only=True)
class ProposalsExcellentRated(DutyRecordChanged):
    """Proposals were rated excellent (``excellent``) or the rating withdrawn; ``more_days`` holds each
    (committee, day) the bonus counts from."""

    name = "proposals.excellent_rated"
    proposal_ids: tuple[int, ...]
    excellent: bool


@dataclass(frozen=True, kw_only=True)
class ReportAccepted(DutyRecordChanged):
    """Staff accepted an opinion report 社情民意: its submission counts from now on, dated on its submission day."""

    name = "proposals.report_accepted"
    report_id: int


@dataclass(frozen=True, kw_only=True)
class ReportDeclined(DutyRecordChanged):
    """Staff declined an opinion report 社情民意."""

    name = "proposals.report_declined"
    report_id: int


@dataclass(frozen=True, kw_only=True)
class ReportAdopted(DutyRecordChanged):
    """A CPPCC at ``level`` adopted 采用 an opinion report."""

    name = "proposals.report_adopted"
    report_id: int
    level: str


@dataclass(frozen=True, kw_only=True)
class ReportInstructed(DutyRecordChanged):
    """A leader gave a written instruction 批示 on an opinion report."""

    name = "proposals.report_instructed"
    report_id: int
    level: str


@dataclass(frozen=True, kw_only=True)
class CosignAnswered(Event):
    """An invited member confirmed or declined co-signing 联名 a draft proposal."""

    name = "proposals.cosign_answered"
    proposal_id: int
    cosigner_id: int
    member_id: int
    accepted: bool


@dataclass(frozen=True, kw_only=True)
class ProposalNotFiled(Event):
    """Staff did not file 不予立案 a proposal, with the reason told to the proposers; with an ``outcome`` it was
    converted (into a public-opinion report, ``report_id``, or forwarded as a letter)."""

    name = "proposals.not_filed"
    proposal_id: int
    outcome: str = ""
    report_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ProposalMerged(Event):
    """A proposal was merged 并案 into a filed one (``into_id``) on the same matter."""

    name = "proposals.merged"
    proposal_id: int
    into_id: int


@dataclass(frozen=True, kw_only=True)
class ProposalReturned(Event):
    """A unit returned 退回 an assigned proposal (asked for reassignment) with its reason; staff reassign it."""

    name = "proposals.returned"
    proposal_id: int
    committee_id: int
    assignment_id: int
    unit_id: int
    lead: bool


@dataclass(frozen=True, kw_only=True)
class ProposalReplied(Event):
    """The lead unit replied 答复 to a proposal (``round`` 1, or a later round after an unsatisfied rating)."""

    name = "proposals.replied"
    proposal_id: int
    reply_id: int
    round: int
    feedback_due: date | None = None


@dataclass(frozen=True, kw_only=True)
class ProposalReopened(Event):
    """The lead proposer was unsatisfied 不满意: the proposal goes back to the lead unit for another round."""

    name = "proposals.reopened"
    proposal_id: int
    round: int
    reply_due: date


@dataclass(frozen=True, kw_only=True)
class ProposalClosed(Event):
    """Staff closed 办结 a proposal."""

    name = "proposals.closed"
    proposal_id: int


@dataclass(frozen=True, kw_only=True)
class ReportsCompiled(Event):
    """Accepted opinion reports were compiled into a numbered issue 期."""

    name = "proposals.reports_compiled"
    issue_id: int
    report_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class DeadlineMoved(Event):
    """A working-day deadline moved when the holiday calendar changed: a co-signer's or co-author's answer
    (``cosign``/``coauthor``, ``record_id`` the invitation), a unit's return window (``reassign``, the assignment) or
    the proposer's feedback window (``feedback``, the proposal)."""

    name = "proposals.deadline_moved"
    what: str
    record_id: int
    old: date
    new: date
