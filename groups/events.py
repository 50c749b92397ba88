"""Domain events of the organisation and its activities (see ``core.events``). Apps above subscribe to them;
groups imports none of those apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.events import Event


@dataclass(frozen=True, kw_only=True)
class DutyRecordChanged(Event):
    """A fact counted in members' duty records (履职记录) changed; it is dated ``on`` in ``committee_id`` (and
    ``more_days`` lists further (committee, day) pairs a change touched). Every event that changes a duty fact
    is a subclass, so one subscriber (assessments: the roll-ups of that quarter on go stale) sees them all.

    Publish it as it is from a write that has no event of its own yet:
    ``publish(DutyRecordChanged(committee_id=..., on=..., actor_id=actor_id(actor)))``.
    """

    name = "groups.duty_record_changed"
    committee_id: int | None = None
    on: date | None = None
    more_days: tuple[tuple[int, date], ...] = ()

    def duty_days(self) -> tuple[tuple[int, date], ...]:
        first = ((self.committee_id, self.on),) if self.committee_id is not None and self.on is not None else ()
        return first + self.more_days


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
class MemberLoginsInvited(Event):
    """Logins were created (or given a fresh first-login link) for members; each is sent its link by SMS and
    e-mail, whichever it has an address for."""

    name = "groups.member_logins_invited"
    committee_ids: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PublicMessageRouted(Event):
    """A resident's message 群众留言 was passed to a member or a group to answer."""

    name = "groups.public_message_routed"
    message_id: int
    committee_id: int
    member_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class PlatformTransitioned(Event):
    """A duty platform 履职平台 was established 成立 or wound up 撤销 (``groups.services.platforms``)."""

    name = "groups.platform_transitioned"
    platform_id: int
    committee_id: int
    verb: str
    from_state: str
    to_state: str


@dataclass(frozen=True, kw_only=True)
class PlatformEvaluated(Event):
    """The committee's staff evaluated a platform's year 年度评价 (or amended the evaluation)."""

    name = "groups.platform_evaluated"
    platform_id: int
    committee_id: int
    year: int
    grade: str


@dataclass(frozen=True, kw_only=True)
class PlatformMemberJoined(Event):
    """A member was named to a platform as initiator, member or liaison chair."""

    name = "groups.platform_member_joined"
    platform_id: int
    membership_id: int
    member_id: int
    role: str


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
