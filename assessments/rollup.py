"""Computing a committee's quarter: member snapshots from the scoring engine, then group and
committee snapshots aggregated from them in SQL. Called by ``services.rollup_execute`` inside the
transaction that replaces the quarter's snapshot.

Members are read in id order and merged with the event stream (also in member order), so the
work is one pass with a fixed number of queries whatever the number of members; snapshots are
written with bulk inserts.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from groups.models import ActivityGroup, GroupMembership, Member

from .kinds import EventKind as K
from .kinds import counts_as
from .models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun, RuleSet
from .scoring import RuleBook, score
from .sources import by_member, duty_events

BATCH = 2000
EMPTY_BOOK = RuleBook(rules=())
# Snapshot figure -> the event kind it counts (events of a more specific kind count too).
FIGURES = {
    "activities_present": K.ACTIVITY_PRESENT,
    "activities_excused": K.ACTIVITY_EXCUSED,
    "activities_absent": K.ACTIVITY_ABSENT,
    "three_enters": K.ACTIVITY_THREE_ENTERS,
    "proposals": K.PROPOSAL_SUBMITTED,
    "reports": K.REPORT_SUBMITTED,
    "consultations": K.CONSULTATION_PRESENT,
}
SUMMED = [*FIGURES, "points"]


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def book_for(committee_id: int, year: int) -> RuleBook:
    rule_set = RuleSet.objects.for_scoring().filter(committee_id=committee_id, year=year).first()
    return rule_set.book() if rule_set else EMPTY_BOOK


def _member_snapshot(run: RollupRun, member_id: int, book: RuleBook, events, start: date, end: date):
    """Quarter figures and points (lines priced over the year so far, so extras stay extras)."""
    breakdown = score(book, events)
    in_quarter = [e for e in events if start <= e.on <= end]
    figures = {name: sum(1 for e in in_quarter if kind in counts_as(e.kind)) for name, kind in FIGURES.items()}
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for line in breakdown.lines:
        if line.rule_kind is not None and start <= line.event.on <= end:
            by_category[line.category] += line.points
    return MemberSnapshot(
        run=run, committee_id=run.committee_id, member_id=member_id, year=run.year, quarter=run.quarter,
        points=sum(by_category.values(), Decimal(0)), points_by_category=_json(by_category),
        ytd_total=breakdown.total, ytd_grade=breakdown.grade or "",
        missing=[{"kind": m.kind, "required": m.required, "actual": m.actual} for m in breakdown.missing],
        **figures,
    )


def _json(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {k: str(v) for k, v in sorted(amounts.items())}


def member_snapshots(run: RollupRun) -> int:
    """Write a snapshot for every member in office; return how many."""
    start, end = quarter_bounds(run.year, run.quarter)
    book = book_for(run.committee_id, run.year)
    streams = by_member(duty_events(run.committee, date(run.year, 1, 1), end))
    pending = next(streams, None)
    batch, written = [], 0
    members = Member.objects.filter(committee_id=run.committee_id, status=Member.Status.ACTIVE).order_by("pk")
    for member_id in members.values_list("pk", flat=True).iterator(chunk_size=BATCH):
        while pending is not None and pending[0] < member_id:  # events of members no longer in office
            pending = next(streams, None)
        events = []
        if pending is not None and pending[0] == member_id:
            events, pending = pending[1], next(streams, None)
        batch.append(_member_snapshot(run, member_id, book, events, start, end))
        if len(batch) >= BATCH:
            written += len(MemberSnapshot.objects.bulk_create(batch))
            batch = []
    written += len(MemberSnapshot.objects.bulk_create(batch))
    return written


def _category_sums(snapshots, key) -> dict:
    sums: dict = defaultdict(lambda: defaultdict(Decimal))
    for owner, categories in snapshots:
        for category, amount in categories.items():
            sums[key(owner)][category] += Decimal(amount)
    return sums


def group_snapshots(run: RollupRun) -> int:
    """One row per active group, summed in SQL over its members' snapshots of the quarter."""
    start, end = quarter_bounds(run.year, run.quarter)
    memberships = GroupMembership.objects.filter(group__committee_id=run.committee_id, joined_on__lte=end).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=start))
    snap = "member__quarter_snapshots__"
    rows = (
        memberships.filter(**{f"{snap}run": run})
        .values("group_id")
        .annotate(members=Count("member_id", distinct=True),
                  members_covered=Count("member_id", filter=Q(**{f"{snap}three_enters__gt": 0}), distinct=True),
                  **{name: Sum(f"{snap}{name}") for name in SUMMED})
    )
    figures = {row.pop("group_id"): row for row in rows}
    member_groups = defaultdict(list)
    for group_id, member_id in memberships.values_list("group_id", "member_id"):
        member_groups[member_id].append(group_id)
    per_member = MemberSnapshot.objects.filter(run=run).values_list("member_id", "points_by_category")
    categories: dict = defaultdict(lambda: defaultdict(Decimal))
    for member_id, amounts in per_member.iterator(chunk_size=BATCH):
        for group_id in member_groups.get(member_id, ()):
            for category, amount in amounts.items():
                categories[group_id][category] += Decimal(amount)
    groups = ActivityGroup.objects.filter(committee_id=run.committee_id, is_active=True).values_list("pk", flat=True)
    rows = [GroupSnapshot(run=run, committee_id=run.committee_id, group_id=g, year=run.year, quarter=run.quarter,
                          points_by_category=_json(categories.get(g, {})),
                          **{k: v or 0 for k, v in figures.get(g, {}).items()})
            for g in groups]
    return len(GroupSnapshot.objects.bulk_create(rows, batch_size=BATCH))


def committee_snapshot(run: RollupRun) -> CommitteeSnapshot:
    snapshots = MemberSnapshot.objects.filter(run=run)
    totals = snapshots.aggregate(members=Count("pk"), members_covered=Count("pk", filter=Q(three_enters__gt=0)),
                                 **{name: Sum(name) for name in SUMMED})
    categories: dict[str, Decimal] = defaultdict(Decimal)
    for amounts in snapshots.values_list("points_by_category", flat=True).iterator(chunk_size=BATCH):
        for category, amount in amounts.items():
            categories[category] += Decimal(amount)
    return CommitteeSnapshot.objects.create(
        run=run, committee_id=run.committee_id, year=run.year, quarter=run.quarter,
        groups=ActivityGroup.objects.filter(committee_id=run.committee_id, is_active=True).count(),
        points_by_category=_json(categories), **{k: v or 0 for k, v in totals.items()},
    )


STAGES = ("members", "groups", "committee")


def replace_quarter(run: RollupRun, progress=None) -> int:
    """Drop the quarter's previous snapshot and write the new one (the caller holds the transaction).

    ``progress(stage, done, total)`` is called as each stage of ``STAGES`` starts (done = stages
    finished so far, total = len(STAGES)) and once more with ("done", total, total) at the end.
    """
    report = progress or (lambda stage, done, total: None)
    where = {"committee_id": run.committee_id, "year": run.year, "quarter": run.quarter}
    for model in (MemberSnapshot, GroupSnapshot, CommitteeSnapshot):
        model.objects.filter(**where).delete()
    report(STAGES[0], 0, len(STAGES))
    written = member_snapshots(run)
    report(STAGES[1], 1, len(STAGES))
    group_snapshots(run)
    report(STAGES[2], 2, len(STAGES))
    committee_snapshot(run)
    report("done", len(STAGES), len(STAGES))
    return written
