"""Reads of the assessments app: a member's duty record and who may see how much of it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from groups.access import scope_of
from groups.models import GroupMembership, Member

from .rollup import book_for, quarter_bounds
from .scoring import Breakdown, Line, score
from .sources import duty_events


class Access(Enum):
    FULL = "full"        # the member themself, staff of the committee
    SUMMARY = "summary"  # a convener of one of the member's groups: totals, no lines


def record_access(user, member: Member) -> Access | None:
    """How much of a member's duty record a user may read; None: nothing (the API answers 404)."""
    scope = scope_of(user)
    if scope.is_superuser or member.committee_id in scope.staff_committee_ids or member.pk == scope.member_id:
        return Access.FULL
    if scope.convened_group_ids and GroupMembership.objects.active().filter(
            member=member, group_id__in=scope.convened_group_ids).exists():
        return Access.SUMMARY
    return None


@dataclass(frozen=True)
class DutyRecord:
    member: Member
    year: int
    quarter: int | None
    start: date
    end: date
    breakdown: Breakdown
    lines: tuple[Line, ...]  # the lines of the period asked for (all of the year without a quarter)


def duty_record(member: Member, year: int, quarter: int | None = None) -> DutyRecord:
    """A member's record: the year's score up to the end of ``quarter`` (or the whole year).

    Lines are priced over the year so far, so an extra proposal in the third quarter stays an
    extra; with a quarter, only that quarter's lines are listed, while the totals are year to date.
    """
    start, end = quarter_bounds(year, quarter) if quarter else (date(year, 1, 1), date(year, 12, 31))
    events = [e for _m, e in duty_events(member.committee, date(year, 1, 1), end, member_ids=[member.pk])]
    breakdown = score(book_for(member.committee_id, year), events)
    lines = tuple(line for line in breakdown.lines if start <= line.event.on <= end)
    return DutyRecord(member, year, quarter, start, end, breakdown, lines)


def assessment_rows(committee_id: int, year: int):
    """Member snapshots of the latest quarter rolled up in the year, best total first, with rank."""
    from django.db.models import F, Max, Window
    from django.db.models.functions import Rank

    from .models import MemberSnapshot, RollupRun

    quarter = RollupRun.objects.filter(committee_id=committee_id, year=year, status=RollupRun.Status.DONE).aggregate(
        q=Max("quarter"))["q"]
    return (
        MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter)
        .select_related("member", "member__sector")
        .annotate(rank=Window(Rank(), order_by=F("ytd_total").desc()))
        .order_by("-ytd_total", "member__name", "member_id")
    )
