"""Domain events of the organisation, its platforms and member logins (see ``core.events``), and
``DutyRecordChanged``, the base of every event that changes a duty fact. Apps above subscribe to them; groups
imports none of those apps. The activity ledger's and the mailbox's events are in ``activities.events``."""

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
class MemberLoginsInvited(Event):
    """Logins were created (or given a fresh first-login link) for members; each is sent its link by SMS and
    e-mail, whichever it has an address for."""

    name = "groups.member_logins_invited"
    committee_ids: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()


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
