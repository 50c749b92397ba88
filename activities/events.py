"""Domain events of the activity ledger (activities, attendance, leave) and of what residents raise (the mailbox,
leads taken up), published by ``activities.services`` (see ``core.events``). Their stored names begin with
``groups.``: outbox rows and receipts are keyed by an event's name, so a name, once published, never changes."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import Event
from groups.events import DutyRecordChanged


@dataclass(frozen=True, kw_only=True)
class ActivityTransitioned(DutyRecordChanged):
    """An activity moved from one state to another (announced 已通知, held, filed, cancelled …)."""

    name = "groups.activity_transitioned"
    activity_id: int
    verb: str
    from_state: str
    to_state: str


@dataclass(frozen=True, kw_only=True)
class ActivityDeleted(DutyRecordChanged):
    """An activity entered by mistake was deleted (published before the row goes, so the records linked to it, e.g.
    the consultation sessions held as it, can still be found: their duty events change too)."""

    name = "groups.activity_deleted"
    activity_id: int
    from_state: str


@dataclass(frozen=True, kw_only=True)
class AttendanceRecorded(DutyRecordChanged):
    """The convener recorded or corrected the attendance of an activity."""

    name = "groups.attendance_recorded"
    activity_id: int
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LeaveDecided(DutyRecordChanged):
    """A member's leave request for an activity was approved (excused) or refused."""

    name = "groups.leave_decided"
    attendance_id: int
    activity_id: int
    member_id: int
    approved: bool


@dataclass(frozen=True, kw_only=True)
class ActivityChanged(Event):
    """An activity's details were changed (``fields``: the names of the fields that changed)."""

    name = "groups.activity_changed"
    activity_id: int
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LeaveRequested(Event):
    """An invited member asked for leave 请假 from an activity; the group's conveners decide."""

    name = "groups.leave_requested"
    attendance_id: int
    activity_id: int
    member_id: int


@dataclass(frozen=True, kw_only=True)
class PublicMessageRouted(Event):
    """A resident's message 群众留言 was passed to a member or a group to answer."""

    name = "groups.public_message_routed"
    message_id: int
    committee_id: int
    member_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class HeardTakenUp(Event):
    """What residents raised (a lead, a message or a contact) became a proposal draft, a public-opinion report or a
    consultation topic; the people concerned (the member who writes it, the lead's author) are told."""

    name = "groups.heard_taken_up"
    what: str  # "proposal", "report" or "topic"
    title: str
    url: str
    user_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PublicMessageDissatisfied(Event):
    """A resident rated the handling of their answered message 不满意 through the tracking page."""

    name = "groups.public_message_dissatisfied"
    message_id: int
    committee_id: int
    rating_id: int
