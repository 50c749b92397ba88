"""Reads of the assessments app: a member's duty record and who may see how much of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q

from core.ordinals import quarter_label
from core.statements import Statement, attnames, instances
from groups.access import scope_of
from groups.models import GroupMembership, Member

from .kinds import Rounding, Share, kind_label, missing_text
from .rollup import BUCKETS, EMPTY_BOOK, bucket_bounds, last_quarter, previous_total, quarter_bounds
from .scoring import Breakdown, CategoryTotal, Line, RuleBook, Shortfall, grade_for, grade_reason, score
from .sources import count_by_kind, duty_events

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model, QuerySet

    from .models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RuleSet


class Access(Enum):
    FULL = "full"  # the member themself, staff of the committee
    SUMMARY = "summary"  # a convener of one of the member's groups: totals, no lines


def record_access(user: AbstractBaseUser | AnonymousUser, member: Member) -> Access | None:
    """How much of a member's duty record a user may read; None: nothing (the API answers 404)."""
    scope = scope_of(user)
    if scope.is_superuser or member.committee_id in scope.staff_committee_ids or member.pk == scope.member_id:
        return Access.FULL
    if (
        scope.convened_group_ids
        and GroupMembership.objects.active().filter(member=member, group_id__in=scope.convened_group_ids).exists()
    ):
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
    locked_quarter: int | None = None  # a locked year: the figures are this quarter's snapshot
    book: RuleBook | None = None  # the rules that priced the lines (the page says why a grade is what it is)


def scoring_book(committee_id: int, year: int) -> RuleBook:
    """The rule book a committee's year is scored by (the empty book when it has no rule set)."""
    return rule_set_for_scoring(committee_id, year)[1]


def _rule_set_rows(committee_id: int, year: int) -> QuerySet:
    from .models import RuleSet

    return RuleSet.objects.filter(committee_id=committee_id, year=year).values_list(*attnames(RuleSet))[:1]


def _part_rows(model_name: str) -> Callable[[int], QuerySet]:
    def build(rule_set_id: int) -> QuerySet:
        from . import models

        model: type[Model] = getattr(models, model_name)
        return model._default_manager.filter(rule_set_id=rule_set_id).values_list(*attnames(model))

    return build


_RULE_SET = Statement("assessments.rule_set", _rule_set_rows, 2)
# the parts as ``RuleSet.for_scoring`` prefetches them (each model's ordering): the book's argument, the model
_RULE_PARTS = {
    name: (Statement(f"assessments.rule_set.{name}", _part_rows(model), 1), model)
    for name, model in (
        ("rules", "PointRule"),
        ("caps", "CategoryCap"),
        ("minimums", "MinimumRequirement"),
        ("bands", "GradeBand"),
    )
}


def rule_set_for_scoring(committee_id: int, year: int) -> tuple[RuleSet | None, RuleBook]:
    """A committee's rule set of a year and its book (the empty book without one): what
    ``RuleSet.objects.for_scoring().filter(committee_id=…, year=…).first()`` reads, in the same five statements, each
    compiled once per connection (``core.statements``): the ORM built them again on every duty record (3 ms)."""
    from . import models

    found = _RULE_SET.rows(committee_id, year)
    if not found:
        return None, EMPTY_BOOK
    rule_set = instances(models.RuleSet, attnames(models.RuleSet), found)[0]
    parts = {}
    for name, (statement, model_name) in _RULE_PARTS.items():
        model = getattr(models, model_name)
        parts[name] = instances(model, attnames(model), statement.rows(rule_set.pk))
    return rule_set, rule_set.book(**parts)


def duty_record(member: Member, year: int, quarter: int | None = None) -> DutyRecord:
    """A member's record: the year's score up to the end of ``quarter`` (or the whole year).

    Lines are priced over the year so far, so an extra proposal in the third quarter stays an
    extra; with a quarter, only that quarter's lines are listed, while the totals are year to date.
    In a locked year the total, grade, categories and minimums are the locked snapshot's (that
    quarter's, or the year's latest), whatever the sources say now; the lines are still listed.
    """
    from .models import MemberSnapshot

    start, end = quarter_bounds(year, quarter) if quarter else (date(year, 1, 1), date(year, 12, 31))
    rule_set, book = rule_set_for_scoring(member.committee_id, year)
    events = [e for _m, e in duty_events(member.committee, date(year, 1, 1), end, member_ids=[member.pk])]
    previous = previous_total(member.pk, member.committee_id, year - 1) if book.repeat_below is not None else None
    breakdown = score(book, events, previous)
    lines = tuple(line for line in breakdown.lines if start <= line.event.on <= end)
    if rule_set is not None and rule_set.is_locked:
        locked = quarter or last_quarter(member.committee_id, year)
        snapshot = MemberSnapshot.objects.filter(member=member, year=year, quarter=locked).first() if locked else None
        if snapshot is not None:
            return DutyRecord(
                member, year, quarter, start, end, frozen(breakdown, snapshot, book), lines, locked, book=book
            )
    return DutyRecord(member, year, quarter, start, end, breakdown, lines, book=book)


def frozen(live: Breakdown, snapshot: MemberSnapshot, book: RuleBook) -> Breakdown:
    """The figures of a locked year as its snapshot holds them (the lines stay the live ones)."""
    from dataclasses import replace

    categories = []
    for category, amount in snapshot.ytd_points_by_category.items():
        raw = Decimal(amount)
        cap = book.caps.get(category) if category else None
        categories.append(CategoryTotal(category, raw, cap, raw if cap is None else min(raw, cap)))
    bonus_raw = sum((c.capped for c in categories if c.capped > 0), Decimal("0.00"))
    return replace(
        live,
        categories=tuple(categories),
        bonus_raw=bonus_raw,
        deductions=sum((c.capped for c in categories if c.capped < 0), Decimal("0.00")),
        bonus=bonus_raw if book.bonus_cap is None else min(bonus_raw, book.bonus_cap),
        total=snapshot.ytd_total,
        grade=snapshot.ytd_grade or None,
        band_grade=grade_for(book, snapshot.ytd_total),
        missing=tuple(Shortfall(m["kind"], m["required"], m["actual"], m.get("group", "")) for m in snapshot.missing),
        grade_reason=grade_reason(
            book,
            grade_for(book, snapshot.ytd_total),
            snapshot.ytd_grade or None,
            missing_text(snapshot.missing),
            snapshot.ytd_total,
        ),
    )


def rule_text(line: Line) -> str:
    """Which rule priced a line, in the user's words: "提案立案（附议人）5分，附议人平分，按0.5取整"."""
    from django.utils.translation import gettext as _

    rule = line.rule
    if rule is None:
        return ""
    parts = [
        (_("%(kind)s, on top: %(points)s") if rule.adds else _("%(kind)s: %(points)s"))
        % {"kind": kind_label(rule.kind), "points": rule.points}
    ]
    if rule.nth_from > 1:
        parts.append(_("from occurrence %(n)s") % {"n": rule.nth_from})
    if rule.per_unit and line.event.quantity != 1:
        parts.append(_("times %(q)s") % {"q": line.event.quantity.normalize()})
    if rule.share == Share.SPLIT:
        parts.append(_("shared among %(n)s authors") % {"n": line.event.authors})
    elif rule.share == Share.COSIGNERS:
        parts.append(_("shared among %(n)s co-signers") % {"n": max(line.event.authors - 1, 1)})
    step = format(rule.rounding.normalize(), "f")
    if step != Rounding.CENT and step in _ROUNDING_LABELS:
        parts.append(str(_ROUNDING_LABELS[step]))
    return _(", ").join(parts)


_ROUNDING_LABELS = {r.value: r.label for r in Rounding}  # built once: ``Rounding.values`` is a new list per call


def how_priced(line: Line) -> str:
    """The rule and the steps from the rule's points to what the line adds: "… · 2.5 → 2.5 → 计入 2.5"."""
    from django.utils.translation import gettext as _

    if line.rule is None:
        return ""
    steps = _("%(exact)s, rounded %(points)s, counted %(counted)s") % {
        "exact": exact_text(line),
        "points": line.points,
        "counted": line.counted if line.counted is not None else line.points,
    }
    return f"{rule_text(line)} · {steps}"


def exact_text(line: Line) -> str:
    """A line's points before rounding, to at most four places ("3.3333", "2.5")."""
    if line.exact is None:
        return ""
    value = line.exact.quantize(Decimal("0.0001")).normalize()
    return format(value, "f")


def assessment_rows(committee_id: int, year: int) -> QuerySet[MemberSnapshot]:
    """Member snapshots of the latest quarter rolled up in the year, best total first, with rank."""
    from django.db.models import F, Max, Window
    from django.db.models.functions import Rank

    from .models import MemberSnapshot, RollupRun

    quarter = RollupRun.objects.filter(committee_id=committee_id, year=year, status=RollupRun.Status.DONE).aggregate(
        q=Max("quarter")
    )["q"]
    return (
        MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter)
        .select_related("member", "member__sector")
        .annotate(rank=Window(Rank(), order_by=F("ytd_total").desc()))
        .order_by("-ytd_total", "member__name", "member_id")
    )


def latest_roll_up(committee_id: int, year: int) -> CommitteeSnapshot | None:
    """The committee's snapshot of the latest quarter rolled up in the year (the quarter the annual assessment reads,
    with its counts per grade, below the minimums and per band of points); None before the year's first roll-up."""
    from .models import CommitteeSnapshot

    return CommitteeSnapshot.objects.filter(committee_id=committee_id, year=year).order_by("-quarter").first()


def ranking_q(*, grade: str | None = None, below: bool = False) -> Q:
    """The member snapshots one count of a roll-up counts: those of a ``grade`` ('': no grade;
    ``CommitteeSnapshot.grades``) or ``below`` the minimums (``CommitteeSnapshot.members_below``). The annual page's
    counts and the ranking behind them both use it (as the roll-up counts them: ``rollup._member_counts``)."""
    q = Q()
    if grade is not None:
        q &= Q(ytd_grade=grade)
    if below:
        q &= ~Q(missing=[])
    return q


def ranking(
    committee_id: int, year: int, quarter: int, *, grade: str | None = None, below: bool = False, search: str = ""
) -> QuerySet[MemberSnapshot]:
    """The committee's ranking of the quarter (its member snapshots in the ranking's order, ``ytd_place``), those of
    a ``grade``, ``below`` the minimums or whose name (or pinyin initials) has ``search``; each with its
    committee-wide rank (``ytd_rank``), whatever the filter. Read a page at a time: ``ranking_page``."""
    from core.pinyin import text_or_initials

    from .models import MemberSnapshot

    rows = MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter).filter(
        ranking_q(grade=grade, below=below)
    )
    if search:
        rows = rows.filter(text_or_initials(search, via="member__"))
    return rows.order_by("ytd_place")


def annual_ranking(committee_id: int, year: int) -> QuerySet[MemberSnapshot]:
    """The whole ranking of the latest quarter rolled up in the year (the API's annual list, a page at a time), each
    row with its ``rank`` and member: ``assessment_rows``' rows in its order, from the ranking the roll-up wrote."""
    from django.db.models import Subquery

    from .models import CommitteeSnapshot, MemberSnapshot

    latest = CommitteeSnapshot.objects.filter(committee_id=committee_id, year=year).order_by("-quarter")
    return (
        MemberSnapshot.objects.filter(
            committee_id=committee_id, year=year, quarter=Subquery(latest.values("quarter")[:1])
        )
        .select_related("member")
        .annotate(rank=F("ytd_rank"))
        .order_by("ytd_place")
    )


@dataclass(frozen=True)
class RankingPage:
    rows: list[MemberSnapshot]
    has_previous: bool
    has_next: bool

    @property
    def first(self) -> int:  # the place of the first row (``before=`` of the previous page's link)
        return self.rows[0].ytd_place if self.rows else 0

    @property
    def last(self) -> int:  # the place of the last row (``after=`` of the next page's link)
        return self.rows[-1].ytd_place if self.rows else 0


RANKING_PAGE = 50


def ranking_page(
    rows: QuerySet[MemberSnapshot], *, after: int = 0, before: int = 0, size: int = RANKING_PAGE
) -> RankingPage:
    """One page of ``ranking``'s rows, in one query whatever the page: the rows after the place ``after`` (or
    before ``before``), read from the index ``member_snapshot_place`` (keyset: no OFFSET, no count)."""
    rows = rows.select_related("member", "member__sector")
    if before:
        found = list(rows.filter(ytd_place__lt=before).order_by("-ytd_place")[: size + 1])
        return RankingPage(found[:size][::-1], has_previous=len(found) > size, has_next=True)
    found = list(rows.filter(ytd_place__gt=after)[: size + 1])
    return RankingPage(found[:size], has_previous=after > 0, has_next=len(found) > size)


def quarter_points(committee_id: int, year: int) -> dict[int, dict[int, Decimal]]:
    """Each member's points per quarter rolled up in the year: {member id: {quarter: points}} (one query)."""
    from .models import MemberSnapshot

    points: dict[int, dict[int, Decimal]] = {}
    for member_id, quarter, amount in (
        MemberSnapshot.objects.filter(committee_id=committee_id, year=year)
        .values_list("member_id", "quarter", "points")
        .iterator(chunk_size=5000)
    ):
        points.setdefault(member_id, {})[quarter] = amount
    return points


def group_ranking(committee_id: int, year: int) -> QuerySet[GroupSnapshot, Any]:
    """Groups ranked by the points their members earned over the year's quarters rolled up, with the year's
    activities, three-enters, proposals and reports (one query)."""
    from django.db.models import F, Sum, Window
    from django.db.models.functions import Rank

    from .models import GroupSnapshot

    return (
        GroupSnapshot.objects.filter(committee_id=committee_id, year=year)
        .values("group_id", "group__name")
        .annotate(
            year_points=Sum("points"),
            year_activities=Sum("activities_present"),
            year_three_enters=Sum("three_enters"),
            year_proposals=Sum("proposals"),
            year_reports=Sum("reports"),
        )
        .annotate(rank=Window(Rank(), order_by=F("year_points").desc()))
        .order_by("-year_points", "group__name")
    )


@dataclass(frozen=True)
class GroupLine:
    group_id: int
    group_name: str
    rank: int
    members: int
    filed_activities: int
    points: Decimal
    is_award_candidate: bool
    funding: Decimal


def group_settlement(committee_id: int, year: int) -> tuple[list[GroupLine], bool]:
    """The groups' annual figures: rank by the year's points, award candidates 考核奖优 and funding
    经费补助 (per member + per filed activity, capped), as the rule set says. A locked year reads
    the settlement frozen when it was locked (True in the second place); otherwise it is computed
    with three aggregate queries."""
    from django.db.models import OuterRef, Q, Subquery, Sum
    from django.db.models.functions import Coalesce

    from activities.models import FiledTally
    from groups.models import ActivityGroup

    from .models import GroupSettlement, GroupSnapshot, RuleSet

    frozen = list(
        GroupSettlement.objects.filter(committee_id=committee_id, year=year)
        .select_related("group")
        .order_by("rank", "group__name")
    )
    if frozen:
        return [
            GroupLine(
                s.group_id,
                s.group.name,
                s.rank,
                s.members,
                s.filed_activities,
                s.points,
                s.is_award_candidate,
                s.funding,
            )
            for s in frozen
        ], True
    rule_set = RuleSet.objects.filter(committee_id=committee_id, year=year).first()
    start, end = date(year, 1, 1), date(year, 12, 31)
    # Each group's members of the year counted in a subquery per group (its memberships through the index
    # ``membership_group_span``), not by grouping the join of every group with its memberships: the same count, less
    # of the database's time at 50k (a district's 393 groups, 19,412 memberships: median 8.5 ms instead of 12.2, min
    # 3.8 instead of 4.2, EXPLAIN ANALYZE 15 times in turns at load 7), without sorting the groups' rows to group them.
    members = (
        GroupMembership.objects.filter(group=OuterRef("pk"), joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
        .order_by()
        .values("group")
        .annotate(n=Count("member_id", distinct=True))
        .values("n")
    )
    groups = (
        ActivityGroup.objects.filter(committee_id=committee_id, is_active=True)
        .annotate(n=Coalesce(Subquery(members), 0))
        .order_by()  # ranked below
        .values_list("pk", "name", "n")
    )
    # the year's filed activities of each group under the activity's own committee (its group's: activity_create),
    # kept by the database per (committee, year, group): one cell per group, not the year's filed activities
    filed = dict(FiledTally.objects.filter(committee_id=committee_id, year=year).values_list("group_id", "filed"))
    points = dict(
        GroupSnapshot.objects.filter(committee_id=committee_id, year=year)
        .values("group_id")
        .annotate(p=Sum("points"))
        .values_list("group_id", "p")
    )
    zero = Decimal("0.00")
    rows = sorted(
        ((pk, name, n, filed.get(pk, 0), points.get(pk) or zero) for pk, name, n in groups),
        key=lambda r: (-r[4], r[1], r[0]),
    )
    lines, rank, previous = [], 0, None
    for position, (pk, name, n, filed_n, pts) in enumerate(rows, start=1):
        if pts != previous:
            rank, previous = position, pts
        funding = zero
        is_candidate = False
        if rule_set is not None:
            is_candidate = (rank <= rule_set.award_top_n) or (
                rule_set.award_min_points is not None and pts >= rule_set.award_min_points
            )
            funding = rule_set.funding_per_member * n + rule_set.funding_per_filed_activity * filed_n
            if rule_set.funding_cap is not None:
                funding = min(funding, rule_set.funding_cap)
        lines.append(
            GroupLine(
                pk,
                name,
                rank,
                n,
                filed_n,
                Decimal(pts).quantize(Decimal("0.01")),
                is_candidate,
                Decimal(funding).quantize(Decimal("0.01")),
            )
        )
    return lines, False


def group_points_top(committee_id: int, year: int, n: int) -> list[tuple[str, Decimal]]:
    """The first ``n`` groups of ``group_settlement``'s ranking with their points (the frozen settlement's in a
    locked year), in one or two queries: without the members and filed activities the settlement also counts."""
    from django.db.models import OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from groups.models import ActivityGroup

    from .models import GroupSettlement, GroupSnapshot

    frozen = list(
        GroupSettlement.objects.filter(committee_id=committee_id, year=year)
        .order_by("rank", "group__name")
        .values_list("group__name", "points")[:n]
    )
    if frozen:
        return frozen
    points = (
        GroupSnapshot.objects.filter(committee_id=committee_id, year=year, group_id=OuterRef("pk"))
        .order_by()
        .values("group_id")
        .annotate(p=Sum("points"))
        .values("p")
    )
    rows = ActivityGroup.objects.filter(committee_id=committee_id, is_active=True).annotate(
        p=Coalesce(Subquery(points), Value(Decimal("0.00")))
    )
    # ordered here as the settlement orders them (by Python's order of names, not the database's collation)
    ranked = sorted(rows.values_list("pk", "name", "p"), key=lambda r: (-r[2], r[1], r[0]))
    return [(name, Decimal(p).quantize(Decimal("0.01"))) for _pk, name, p in ranked[:n]]


def bucket_label(bucket: int) -> str:
    return f"{bucket * 10}–{bucket * 10 + 9}" if bucket < BUCKETS - 1 else f"{(BUCKETS - 1) * 10}+"


def snapshot_members_q(*, covered: bool = False, bucket: int | None = None) -> Q:
    """The member snapshots one dashboard figure counts: the members (of a quarter's roll-up), those ``covered``
    by a three-enters activity, or those whose year-to-date total is in a ``bucket`` of ten points. The
    dashboard's counts and the list behind them (``assessments:dashboard_members``) both use it."""
    q = Q()
    if covered:  # as the roll-up counts CommitteeSnapshot.members_covered
        q &= Q(three_enters__gt=0)
    if bucket is not None:  # as the roll-up counts CommitteeSnapshot.buckets
        low, high = bucket_bounds(bucket)
        if low is not None:
            q &= Q(ytd_total__gte=low)
        if high is not None:
            q &= Q(ytd_total__lt=high)
    return q


def dashboard_members(committee_id: int, year: int, quarter: int, **figure: Any) -> QuerySet[MemberSnapshot]:
    """The members behind one dashboard figure, highest total first (the ranking's order, ``ytd_place``: a page is
    read from the index, not the quarter's 16,666 rows sorted by total and name)."""
    from .models import MemberSnapshot

    return (
        MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter)
        .filter(snapshot_members_q(**figure))
        .select_related("member")
        .order_by("ytd_place")
    )


def dashboard_groups(committee_id: int, year: int, quarter: int) -> QuerySet[GroupSnapshot]:
    """The groups a quarter's roll-up counted (its group snapshots: the committee's active groups when it ran), most
    points first: the rows behind a run's "groups" figure, whatever groups were made or wound up since."""
    from .models import GroupSnapshot

    return (
        GroupSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter)
        .select_related("group")
        .order_by("-points", "group__name", "pk")
    )


# The roll-up's figures that add up duty events (each member's events of the quarter, summed): the trend lines of
# the dashboard and the counts of a run's progress page; each links to ``figure_events``.
EVENT_FIGURES = ("activities_present", "three_enters", "proposals", "reports", "consultations")
# The dashboard trend's lines, by snapshot figure, in the chart's order.
EVENT_TREND = ("activities_present", "proposals", "reports", "consultations")


def _figure_kinds(figure: str) -> list[str]:
    """The event kinds a summed figure counts (``rollup.FIGURES``, more specific kinds too)."""
    from .kinds import EventKind, counts_as
    from .rollup import FIGURES

    target = str(FIGURES[figure])
    return [k for k in EventKind.values if target in {str(x) for x in counts_as(k)}]


def _quarter_events(committee_id: int, year: int, quarter: int, kinds: list[str]) -> Any:
    from .models import MemberSnapshot
    from .sources import event_rows

    start, end = quarter_bounds(year, quarter)
    members = MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter).values("member_id")
    return event_rows(committee_id, start, end, kinds=kinds, members=members)


def figure_events(committee_id: int, year: int, quarter: int, figure: str) -> Any:
    """The duty events behind a quarter's summed figure (``EVENT_FIGURES``): the events of the kinds the roll-up
    counts for it (``rollup.FIGURES``, more specific kinds too), dated in the quarter, of the members the roll-up
    scored (those with a snapshot of the quarter). Equal to the snapshot's figure while the quarter's run is not
    stale; the dashboard counts a stale quarter's with ``figure_event_counts``."""
    return _quarter_events(committee_id, year, quarter, _figure_kinds(figure))


def figure_events_page(
    committee_id: int, year: int, quarter: int, figure: str, *, after: str | None = None, before: str | None = None
) -> Any:
    """One page of ``figure_events``' rows (the same events: kinds, quarter, the members the roll-up scored), newest
    first, after the key ``after`` (or before ``before``, tokens of ``event_pages.EventKey``), in one query whatever
    the page (``event_pages``: each source branch read in order from its index, a page's worth)."""
    from .event_pages import EventKey, event_page
    from .models import MemberSnapshot

    start, end = quarter_bounds(year, quarter)
    members = MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter).values("member_id")
    return event_page(
        committee_id,
        start,
        end,
        kinds=_figure_kinds(figure),
        members=members,
        after=EventKey.parse(after),
        before=None if after else EventKey.parse(before),
    )


def figure_total(committee_id: int, year: int, quarter: int, figure: str, roll_up: Mapping[str, Any] | None) -> int:
    """How many rows ``figure_events`` lists: the figure the quarter's roll-up kept (``roll_up``, from
    ``quarter_roll_up(..., figure=figure)``) while no change touched the quarter since, its rows being the events the
    roll-up summed; counted now (one query) when the quarter is stale or was never rolled up."""
    if roll_up is not None and not roll_up["is_stale"] and roll_up.get("kept") is not None:
        kept: int = roll_up["kept"]  # the snapshot's figure, a number from the database
        return kept
    return figure_event_counts(committee_id, year, quarter, [figure])[figure]


def figure_event_counts(committee_id: int, year: int, quarter: int, figures: Iterable[str]) -> dict[str, int]:
    """How many rows ``figure_events`` lists now for each of ``figures``: the events of all their kinds counted per
    kind (an event has one kind), each figure the sum over its kinds; the attendance's kinds from the kept counts
    (``sources.attendance_kind_counts``), the others from the rows (one query each, at most two)."""
    from .models import MemberSnapshot
    from .sources import ATTENDANCE_EVENT_KINDS, attendance_kind_counts

    wanted = {figure: _figure_kinds(figure) for figure in figures}
    kinds = {k for kinds in wanted.values() for k in kinds}
    # the attendance's kinds from the kept counts (a quarter of a city's attendance is ~0.9 s to count), the rest as
    # the rows the page lists
    others = sorted(kinds - ATTENDANCE_EVENT_KINDS)
    per_kind = count_by_kind(_quarter_events(committee_id, year, quarter, others)) if others else {}
    scored = MemberSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter).values("member_id")
    per_kind.update(attendance_kind_counts(committee_id, year, quarter, kinds & ATTENDANCE_EVENT_KINDS, scored))
    return {figure: sum(per_kind.get(k, 0) for k in kinds) for figure, kinds in wanted.items()}


def quarter_roll_up(
    committee_id: int, year: int, quarter: int, *, figure: str | None = None
) -> Mapping[str, Any] | None:
    """When the quarter's snapshot was rolled up (``finished_at``) and whether a change touched it since
    (``is_stale``), with the snapshot's ``figure`` as ``kept`` when one is named; None before its first roll-up."""
    from .models import CommitteeSnapshot

    kept = {"kept": F(figure)} if figure else {}
    return (
        CommitteeSnapshot.objects.filter(committee_id=committee_id, year=year, quarter=quarter)
        .values(finished_at=F("run__finished_at"), is_stale=F("run__is_stale"), **kept)
        .first()
    )


def dashboard_data(committee_id: int, year: int) -> dict[str, Any]:
    """Figures for the leaders' dashboard, from the year's snapshots (a few aggregate queries)."""
    from .models import CommitteeSnapshot

    rows = (
        CommitteeSnapshot.objects.filter(committee_id=committee_id, year=year)
        .order_by("quarter")
        .values(
            "quarter",
            "members",
            "members_covered",
            "points",
            "activities_present",
            "proposals",
            "reports",
            "consultations",
            "buckets",
            finished_at=F("run__finished_at"),
            is_stale=F("run__is_stale"),
        )
    )
    # A change since the roll-up touched a quarter: its summed figures would no longer be the events their lists
    # show, so they are counted now, by the lists' own query (the members, coverage and points stay the snapshot's,
    # whose lists are the snapshot's rows).
    quarters: list[dict[str, Any]] = [
        {**q, **figure_event_counts(committee_id, year, q["quarter"], EVENT_TREND)} if q["is_stale"] else {**q}
        for q in rows
    ]
    trend = {
        "quarters": [quarter_label(q["quarter"]) for q in quarters],
        "points": [float(q["points"] or 0) for q in quarters],
        "activities": [q["activities_present"] for q in quarters],
        "proposals": [q["proposals"] for q in quarters],
        "reports": [q["reports"] for q in quarters],
        "consultations": [q["consultations"] for q in quarters],
        "coverage": [round(100 * q["members_covered"] / q["members"], 1) if q["members"] else 0 for q in quarters],
        "quarter_numbers": [q["quarter"] for q in quarters],
        "members": [q["members"] for q in quarters],
        "covered": [q["members_covered"] for q in quarters],
        "rolled_up_at": [q["finished_at"] for q in quarters],
        "stale": [q["is_stale"] for q in quarters],
    }
    latest = quarters[-1]["quarter"] if quarters else None
    # the latest quarter's members per band, as its roll-up counted them (no quarter rolled up yet: none)
    buckets = (quarters[-1]["buckets"] if quarters else None) or [0] * BUCKETS
    distribution = {"labels": [bucket_label(b) for b in range(BUCKETS)], "members": list(buckets)}
    top = group_points_top(committee_id, year, 20)
    ranking = {"labels": [name for name, _points in top], "points": [float(points) for _name, points in top]}
    districts: dict[str, dict[str, Any]] = {}
    for row in (
        CommitteeSnapshot.objects.filter(committee__parent_id=committee_id, year=year)
        .order_by("committee__name", "quarter")
        .values(
            "committee_id",
            "committee__name",
            "quarter",
            "members",
            "members_covered",
            "points",
            "activities_present",
            finished_at=F("run__finished_at"),
        )
    ):
        districts[row["committee__name"]] = dict(row)  # the latest quarter of each district wins
    side = {
        "labels": list(districts),
        "points_per_member": [
            round(float(r["points"] or 0) / r["members"], 2) if r["members"] else 0 for r in districts.values()
        ],
        "coverage": [
            round(100 * r["members_covered"] / r["members"], 1) if r["members"] else 0 for r in districts.values()
        ],
        "committee_ids": [r["committee_id"] for r in districts.values()],
        "quarters": [r["quarter"] for r in districts.values()],
        "members": [r["members"] for r in districts.values()],
        "covered": [r["members_covered"] for r in districts.values()],
        "rolled_up_at": [r["finished_at"] for r in districts.values()],
    }
    return {
        "trend": trend,
        "distribution": distribution,
        "ranking": ranking,
        "districts": side,
        "latest_quarter": latest,
        "latest_rolled_up_at": quarters[-1]["finished_at"] if quarters else None,
    }
