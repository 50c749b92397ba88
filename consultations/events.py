"""Domain events of consultations (see ``core.events``). Apps above subscribe to them; consultations imports
none of those apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.events import Event
from groups.events import DutyRecordChanged


@dataclass(frozen=True, kw_only=True)
class SessionAttendanceSet(DutyRecordChanged):
    """A member's attendance at a consultation session was recorded or corrected (present, excused, absent)."""

    name = "consultations.session_attendance_set"
    session_id: int
    member_id: int
    status: str


@dataclass(frozen=True, kw_only=True)
class OutcomeAssigned(Event):
    """An adopted consultation outcome was handed 交 to a responsible unit, to reply by ``deadline``."""

    name = "consultations.outcome_assigned"
    outcome_id: int
    unit_id: int
    deadline: date


@dataclass(frozen=True, kw_only=True)
class OutcomeReplied(Event):
    """The responsible unit replied 复 to a consultation outcome; staff review the reply."""

    name = "consultations.outcome_replied"
    outcome_id: int
    committee_id: int


@dataclass(frozen=True, kw_only=True)
class OutcomePublished(Event):
    """A reviewed consultation outcome was published 公示 with its reply."""

    name = "consultations.outcome_published"
    outcome_id: int


@dataclass(frozen=True, kw_only=True)
class OutcomeRatedDissatisfied(Event):
    """A resident rated 不满意 the consultation outcome their message became, through the tracking page."""

    name = "consultations.outcome_rated_dissatisfied"
    message_id: int
    committee_id: int
    rating_id: int
