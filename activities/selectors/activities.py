"""Reads on activities: ledger, member's activities, coverage 全覆盖 and plan against actual.

Coverage is computed in the database (annotations, subqueries and aggregates); no function here
loops over members or activities in Python, so each runs a fixed number of queries at any size. Who is covered is
read from ``CoverageTally`` (a few cells per member and quarter, kept equal to the rows by ``activities.coverage``),
not from every member's attendance.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractQuarter, NullIf
from django.utils import timezone

from activities.coverage import COUNTED, counted_attendance, covering_q, point_contact_rows
from activities.models import (
    Activity,
    ActivitySettings,
    AnnualPlan,
    Attendance,
    CommitteeCoverage,
    CoverageTally,
    PlanItem,
    SixItem,
)
from groups import tally as member_tally
from groups.models import ActivityGroup, Committee, ContactPoint, GroupMembership, Member, Platform, SpecialCommittee


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @classmethod
    def of(cls, day: date) -> Period:
        """The quarter ``day`` is in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def previous(self) -> Period:
        """The quarter before this one (a year: the year before)."""
        if not self.quarter:
            return Period(self.year - 1)
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if not self.quarter else (self.quarter - 1) * 3 + 1, 1)

    @property
    def end_day(self) -> date:
        """The first day after the period."""
        if not self.quarter or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, self.quarter * 3 + 1, 1)

    @property
    def is_this_quarter(self) -> bool:
        """A quarter, the one today is in (a whole year never is)."""
        return self.quarter is not None and self.first_day <= timezone.localdate() < self.end_day

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.first_day, time.min, tzinfo=tz),
            datetime.combine(self.end_day, time.min, tzinfo=tz),
        )


def three_enters_attendances(period: Period) -> QuerySet:
    """The rows behind a member's 三进 count of the period (``activities.coverage.counted_attendance``)."""
    start, end = period.bounds
    return counted_attendance().filter(activity__starts_at__gte=start, activity__starts_at__lt=end)


def point_contacts(period: Period) -> QuerySet:
    """Contacts with people at a contact point in the period that count for coverage by their committee's rule
    (``ActivitySettings.contacts_count_for_coverage``; a committee without rules counts them: the default)."""
    return (
        point_contact_rows()
        .filter(contacted_on__gte=period.first_day, contacted_on__lt=period.end_day)
        .exclude(committee__activity_settings__contacts_count_for_coverage=False)
    )


def tally_cells(period: Period) -> QuerySet[CoverageTally]:
    """The coverage cells of the period (its quarter, or the year's four)."""
    cells = CoverageTally.objects.filter(year=period.year)
    return cells.filter(quarter=period.quarter) if period.quarter else cells


def contacts_count_q() -> Q:
    """A cell's contacts count for coverage: its committee's rule says so (no rules: the default, they do)."""
    return ~Q(
        committee_id__in=ActivitySettings.objects.filter(contacts_count_for_coverage=False).values("committee_id")
    )


def covering_cells(period: Period) -> QuerySet[CoverageTally]:
    """The cells that cover their member in the period: a 三进 attendance, or contacts their committee counts
    (``activities.coverage.covering_q``, the rule the committees' kept counts are counted by)."""
    return tally_cells(period).filter(covering_q())


def _member_sum(cells: QuerySet, field: str) -> Coalesce:
    return Coalesce(
        Subquery(
            cells.filter(member_id=OuterRef("pk"))
            .order_by()
            .values("member_id")
            .annotate(n=Sum(field))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def member_coverage(members: QuerySet[Member], period: Period, *, last: bool = True) -> QuerySet[Member]:
    """Members with how many 三进 activities they attended in the period and when last, how many contacts at a
    contact point count for them (by rule); ``is_covered`` is the rule as a condition. The counts are the
    coverage cells' (``CoverageTally``), the last 三进 the rows' (a group's members: a few rows each); ``last``
    False leaves the last 三进 out (a page that shows only who is covered reads no attendance row)."""
    cells = tally_cells(period)
    rows = members.annotate(
        three_enters=_member_sum(cells, "three_enters"),
        point_contacts=_member_sum(cells.filter(contacts_count_q()), "point_contacts"),
    )
    if last:
        mine = three_enters_attendances(period).filter(member_id=OuterRef("pk"))
        rows = rows.annotate(
            last_three_enters=Subquery(mine.order_by("-activity__starts_at").values("activity__starts_at")[:1])
        )
    return rows.order_by("three_enters", "point_contacts", "name", "pk")


def group_members(group_id: int) -> QuerySet:
    return Member.objects.filter(memberships__group_id=group_id, memberships__left_on__isnull=True)


def contact_point_visits(
    points: QuerySet[ContactPoint], activities: QuerySet[Activity], period: Period
) -> QuerySet[ContactPoint]:
    """Contact points with visits by ``activities`` in the period and the date of the last one."""
    start, end = period.bounds
    visits = activities.filter(
        contact_point_id=OuterRef("pk"), state__in=COUNTED, starts_at__gte=start, starts_at__lt=end
    )
    return points.annotate(
        visits=Coalesce(
            Subquery(
                visits.order_by().values("contact_point_id").annotate(c=Count("*")).values("c")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        last_visit=Subquery(visits.order_by("-starts_at").values("starts_at")[:1]),
    ).order_by("-visits", "kind", "name")


def six_items_done(activities: QuerySet, period: Period) -> list[dict]:
    """The six 六个一 items, each with how many held activities fulfilled it in the period (one query)."""
    start, end = period.bounds
    done = dict(
        activities.filter(state__in=COUNTED, starts_at__gte=start, starts_at__lt=end)
        .exclude(six_item="")
        .order_by()
        .values_list("six_item")
        .annotate(n=Count("pk"))
    )
    return _six_items(done)


def _six_items(done: Mapping[str, int]) -> list[dict]:
    """The six 六个一 items with their counts ``done`` (by item)."""
    return [
        {"item": value, "label": label, "count": done.get(value, 0), "done": done.get(value, 0) > 0}
        for value, label in SixItem.choices
    ]


@dataclass
class GroupCoverage:
    group: ActivityGroup
    period: Period
    members: list
    contact_points: list
    six_items: list

    @property
    def covered(self) -> int:
        return sum(1 for m in self.members if m.three_enters or m.point_contacts)

    @property
    def visited_points(self) -> int:
        return sum(1 for p in self.contact_points if p.visits)

    @property
    def six_done(self) -> int:
        return sum(1 for s in self.six_items if s["done"])

    @property
    def percent(self) -> int:
        return round(100 * self.covered / len(self.members)) if self.members else 0

    @property
    def not_covered(self) -> list:
        return [m for m in self.members if not (m.three_enters or m.point_contacts)]


def group_coverage(group: ActivityGroup, period: Period) -> GroupCoverage:
    """Coverage of one group: members with and without a 三进 activity, contact points, 六个一 (3 queries): the API's
    whole rows (the convener's dashboard reads its figures through ``group_dashboard``)."""
    members = member_coverage(group_members(group.pk), period)
    points = contact_point_visits(
        ContactPoint.objects.filter(groups=group), Activity.objects.filter(group=group), period
    )
    six = six_items_done(Activity.objects.filter(group=group), period)
    return GroupCoverage(group, period, list(members), list(points), six)


def counted_by_quarter(group: ActivityGroup, year: int) -> list[dict]:
    """The group's activities counted as held in ``year`` (``counted_in``) in groups of the same quarter, 六个一 item,
    contact point and plan (``unplanned``: no plan item), each with how many (``n``) and the latest start (``last``):
    a few dozen rows however many activities, from which the convener's dashboard sums its 六个一, its contact
    points' visits and the unplanned activities per quarter (``group_dashboard``)."""
    return list(
        counted_in(Activity.objects.filter(group=group), Period(year))
        .order_by()
        .values(
            "six_item",
            "contact_point_id",
            quarter=ExtractQuarter("starts_at"),
            unplanned=ExpressionWrapper(Q(plan_item__isnull=True), output_field=BooleanField()),
        )
        .annotate(n=Count("pk"), last=Max("starts_at"))
    )


def group_dashboard(group: ActivityGroup, period: Period) -> tuple[GroupCoverage, list[dict]]:
    """The convener's dashboard's coverage (``group_coverage``'s figures, with the members' and points' names only:
    no member's last 三进, no other column) and plan against actual of the period's year (``plan_progress``).

    The counted activities are read once (``counted_by_quarter``) for the 六个一, the contact points' visits and the
    unplanned activities, not in three statements, one with two correlated subqueries per contact point (#22: the
    dashboard's coverage and plan 11.5 -> 8.1 ms, min of 40 at 50k; 5 statements, 3 so)."""
    facts = counted_by_quarter(group, period.year)
    six: dict[str, int] = {}
    visits: dict[int, int] = {}
    last: dict[int, datetime] = {}
    unplanned = dict.fromkeys(range(1, 5), 0)
    for row in facts:  # a few dozen grouped rows, not activities
        if row["unplanned"]:
            unplanned[row["quarter"]] += row["n"]
        if period.quarter and row["quarter"] != period.quarter:
            continue
        if row["six_item"]:
            six[row["six_item"]] = six.get(row["six_item"], 0) + row["n"]
        if (point := row["contact_point_id"]) is not None:
            visits[point] = visits.get(point, 0) + row["n"]
            last[point] = max(last.get(point, row["last"]), row["last"])
    points = list(ContactPoint.objects.filter(groups=group).only("pk", "name", "kind").order_by("kind", "name"))
    for p in points:
        vars(p).update(visits=visits.get(p.pk, 0), last_visit=last.get(p.pk))
    points.sort(key=lambda p: -visits.get(p.pk, 0))  # stable: by kind and name among the same visits, as before
    members = member_coverage(group_members(group.pk), period, last=False).only("pk", "name")
    coverage = GroupCoverage(group, period, list(members), points, _six_items(six))
    return coverage, plan_progress(group, period.year, unplanned=unplanned)


def is_covered(period: Period, member: str = "pk") -> Q:
    """THE rule of coverage 全覆盖, for the coverage page, its member lists and the workbench's "uncovered" to-do: a
    member present at a held 三进 activity in the period, or who contacted people at a contact point in it when their
    committee's rule counts such contacts (``point_contacts``). ``member``: the field of the outer row that holds the
    member's id ("pk" on members, "member_id" on memberships).

    One EXISTS on the coverage cells (``covering_cells``: a few per member and quarter, kept equal to the rows in
    the same transaction as every write by ``activities.coverage``): a committee's members are matched against the
    period's cells in one pass, never against every member's attendance (#22)."""
    return Q(Exists(covering_cells(period).filter(member_id=OuterRef(member))))


def groups_coverage(groups: QuerySet[ActivityGroup], period: Period) -> list[ActivityGroup]:
    """Groups with member count, members covered by 三进, activities held and 六个一 done (3 queries).

    Each figure is one grouped aggregate over its table (memberships, activities) rather than a
    correlated subquery per group, so the database does one pass however many groups there are.
    """
    return with_group_coverage(list(groups.select_related("committee").order_by("committee_id", "name")), period)


def with_group_coverage(rows: list[ActivityGroup], period: Period) -> list[ActivityGroup]:
    """``rows`` (a page of groups, say) with the figures ``groups_coverage`` counts, aggregated over these groups'
    memberships and activities only (2 queries)."""
    ids = [g.pk for g in rows]
    # The members and the covered among them in one pass over the page's memberships (#22: two statements read them
    # twice; the coverage rule is one probe of the member's cells per membership either way). Counted by member, not
    # by id: every column read is in ``membership_one_active``, an index-only scan of the page's 2,400 memberships
    # instead of a read of each row (#22, 50 groups of a city: 4.6 -> 3.4 ms, min of 40)
    members, covered = {}, {}
    for group_id, n, c in (
        GroupMembership.objects.active()
        .filter(group_id__in=ids)
        .order_by()
        .values("group_id")
        .annotate(n=Count("member_id"), c=Count("member_id", filter=is_covered(period, "member_id")))
        .values_list("group_id", "n", "c")
    ):
        members[group_id], covered[group_id] = n, c
    held = {
        row["group_id"]: row
        for row in counted_in(Activity.objects.filter(group_id__in=ids), period)
        .order_by()
        .values("group_id")
        .annotate(  # counted by the group, not by id: every column read is in ``activity_group_start``
            held=Count("group"),
            three_enters=Count("group", filter=Q(kind=Activity.Kind.THREE_ENTERS)),
            six=Count("six_item", distinct=True, filter=~Q(six_item="")),
        )
    }
    for g in rows:  # attach the aggregated figures: one dict lookup per group row
        h, member_count, covered_count = held.get(g.pk, {}), members.get(g.pk, 0), covered.get(g.pk, 0)
        vars(g).update(
            member_count=member_count,
            covered_count=covered_count,
            uncovered_count=member_count - covered_count,
            held_count=h.get("held", 0),
            three_enters_held=h.get("three_enters", 0),
            six_done=h.get("six", 0),
        )
    return rows


def committee_covered(committee_ids: list[int], period: Period) -> QuerySet[CommitteeCoverage]:
    """The kept covered counts of the committees in the period (``CommitteeCoverage``: one row per committee, kept
    equal to ``is_covered`` over its members in office by ``activities.coverage``; none: no one covered)."""
    return CommitteeCoverage.objects.filter(
        committee_id__in=committee_ids, year=period.year, quarter=period.quarter or 0
    )


def committees_coverage(committees: QuerySet[Committee], period: Period) -> list[Committee]:
    """Committees with active members and members covered in the period (3 queries): both counts are kept ones, the
    members in office ``groups.tally.in_office`` (the members behind it ``coverage_members(committee_id=…)``), the
    covered ``committee_covered`` (the members behind it ``coverage_members(committee_id=…, covered="1")``)."""
    rows = list(committees.order_by(F("parent_id").asc(nulls_first=True), "code"))
    ids = [c.pk for c in rows]
    members = member_tally.in_office(ids)
    covered = dict(committee_covered(ids, period).values_list("committee_id", "covered"))
    for c in rows:
        member_count, covered_count = members.get(c.pk, 0), covered.get(c.pk, 0)
        vars(c).update(
            member_count=member_count, covered_count=covered_count, uncovered_count=member_count - covered_count
        )
    return rows


def coverage_members(
    groups: QuerySet,
    committees: QuerySet,
    period: Period,
    *,
    group_id: int | None,
    committee_id: int | None,
    covered: str = "",
    standing: bool = False,
    in_year: int | None = None,
) -> QuerySet:
    """The members behind one coverage figure, by the rules ``groups_coverage``/``committees_coverage`` count.

    A group's figures count its active memberships, a committee's its active members; ``covered`` "1"
    keeps those present at a held 三进 activity in the period, "0" those not (yet), "" all of them
    (the dashboard's member counts link here too; ``standing``: its 常委 count).
    """
    if group_id and in_year:  # the annual settlement's count: members of the group at any time that year
        start, end = date(in_year, 1, 1), date(in_year, 12, 31)
        rows = Member.objects.filter(
            pk__in=GroupMembership.objects.filter(
                Q(left_on__isnull=True) | Q(left_on__gte=start),
                group__in=groups.filter(pk=group_id),
                joined_on__lte=end,
            ).values("member_id")
        )
    elif group_id:
        rows = Member.objects.filter(
            pk__in=GroupMembership.objects.active().filter(group__in=groups.filter(pk=group_id)).values("member_id")
        )
    elif committee_id:
        rows = Member.objects.filter(committee__in=committees.filter(pk=committee_id), status=Member.Status.ACTIVE)
    else:
        rows = Member.objects.none()
    if standing:
        rows = rows.filter(is_standing=True)
    if covered == "1":
        rows = rows.filter(is_covered(period))
    elif covered == "0":
        rows = rows.exclude(is_covered(period))
    return rows.select_related("committee", "sector").order_by("name", "pk")


def counted_in(qs: QuerySet, period: Period) -> QuerySet:
    """Activities the coverage page counts as held in the period (its "Held" figure links to these)."""
    start, end = period.bounds
    return qs.filter(state__in=COUNTED, starts_at__gte=start, starts_at__lt=end)


# --- Plan against actual -------------------------------------------------------------------------


def plan_overdue_q(year: int, today: date) -> Q:
    """Plan items (annotated ``is_done``) not done whose month has passed: the plan's overdue figure and its rows."""
    month = today.month if today.year == year else (13 if today.year > year else 0)
    return Q(is_done=False, month__lt=month)


def plan_progress(
    group: ActivityGroup, year: int, today: date | None = None, *, unplanned: Mapping[int, int] | None = None
) -> list[dict]:
    """Per quarter: plan items, done (a held activity fulfils them), overdue, and unplanned activities (2 queries;
    one when the caller counted the ``unplanned`` per quarter already: ``group_dashboard``)."""
    today = today or timezone.localdate()
    done = Activity.objects.filter(plan_item_id=OuterRef("pk"), state__in=COUNTED)
    items = (
        PlanItem.objects.filter(plan__group=group, plan__year=year)
        .annotate(is_done=Exists(done))
        .order_by()
        .values("quarter")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(is_done=True)),
            overdue=Count("pk", filter=plan_overdue_q(year, today)),
        )
    )
    by_quarter: dict[int, Mapping[str, Any]] = {row["quarter"]: row for row in items}
    if unplanned is None:
        start, end = Period(year).bounds
        unplanned = dict(
            Activity.objects.filter(
                group=group, state__in=COUNTED, plan_item__isnull=True, starts_at__gte=start, starts_at__lt=end
            )
            .annotate(q=ExtractQuarter("starts_at"))
            .order_by()
            .values_list("q")
            .annotate(n=Count("pk"))
        )
    return [
        {
            "quarter": q,
            "total": by_quarter.get(q, {}).get("total", 0),
            "done": by_quarter.get(q, {}).get("done", 0),
            "overdue": by_quarter.get(q, {}).get("overdue", 0),
            "unplanned": unplanned.get(q, 0),
        }
        for q in range(1, 5)
    ]


def plan_items(plan: AnnualPlan) -> QuerySet:
    """A plan's items with contact point, responsible members and whether a held activity fulfils them."""
    done = Activity.objects.filter(plan_item_id=OuterRef("pk"), state__in=COUNTED)
    return (
        plan.items.select_related("contact_point")
        .prefetch_related("responsible")
        .annotate(is_done=Exists(done))
        .order_by("month", "pk")
    )


# --- Lists ----------------------------------------------------------------------------------------


def attendance_figure_q(status: str = "", method: str = "") -> Q:
    """The attendances one per-activity figure counts: every invitation (``invited``: whatever its status or leave, a
    member who signed up themself too), those of a ``status``, or the present by how they signed in (``method``).
    The one definition of those figures: the ledger's and the convener's dashboard's counts (``_attendance_count``),
    the API's, the sign-in screen's counter (``attendance_counts``) and the list behind them all
    (``attendance_rows``, ``activities:attendance_rows``) read it. The invited and present counts are also kept on
    the activity by the database with this definition (``Activity.invited_count``, ``present_count``: activities
    0009); ``tests/activities/test_kept_counts.py`` holds them equal."""
    q = Q()
    if status:
        q &= Q(status=status)
    if method:
        q &= Q(status=Attendance.Status.PRESENT, sign_in_method=method)
    return q


def attendances_counted(status: str = "", method: str = "") -> QuerySet[Attendance]:
    """The attendances behind one per-activity figure (``attendance_figure_q``), of every activity."""
    return Attendance.objects.filter(attendance_figure_q(status, method))


def attendance_rows(activity: Activity, *, status: str = "", method: str = "") -> QuerySet[Attendance]:
    """The attendances behind one per-activity figure of the ledger."""
    return (
        attendances_counted(status, method)
        .filter(activity=activity)
        .select_related("member")
        .order_by("member__name", "pk")
    )


def attendance_counts(activity: Activity) -> dict[str, int]:
    """The sign-in screen's counter (its page polls it): present of invited, by the ledger's figures' definition, in
    one query."""
    return Attendance.objects.filter(activity=activity).aggregate(
        present=Count("pk", filter=attendance_figure_q(Attendance.Status.PRESENT)),
        invited=Count("pk", filter=attendance_figure_q()),
    )


@functools.cache  # built once per process: annotate() resolves a copy, and building it was 1 ms a list
def _attendance_count(status: str = "", method: str = "") -> Coalesce:
    rows = attendances_counted(status, method).filter(activity_id=OuterRef("pk"))
    return Coalesce(
        Subquery(
            rows.order_by().values("activity_id").annotate(c=Count("*")).values("c")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def ledger(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with organiser, contact point and attendance counts loaded: a fixed number of queries (the invited,
    present and evidence counts are the activity's own columns, kept by the database)."""
    count = _attendance_count
    return qs.select_related("committee", "group", "special_committee", "platform", "contact_point").annotate(
        excused_count=count(Attendance.Status.EXCUSED),
        absent_count=count(Attendance.Status.ABSENT),
        scanned_count=count(method=Attendance.Method.ON_SITE),  # how the present signed in: scan, convener, correction
        convener_count=count(method=Attendance.Method.CONVENER),
        corrected_count=count(method=Attendance.Method.CORRECTION),
    )


def ledger_page(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """The ledger page's activities: what its rows show, each name a scalar subquery run for the page's rows only
    (``organiser_name``: ``Activity.organiser``'s; ``committee_label``: the committee's short name, else its name;
    ``contact_point_name``) and the present by how they signed in (the invited, present and evidence counts are
    the activity's own columns, kept by the database).

    Not ``ledger``'s five joined tables (for the workbook's every column): PostgreSQL planned that statement in
    about 3 ms, warm, for under 1 ms of execution at 50,000 members; without the joins in a quarter of a millisecond
    (EXPLAIN, 50k seed, #22), as ``activity_record`` found for the activity's page."""
    count = _attendance_count
    label = Committee.objects.filter(pk=OuterRef("committee_id")).values(
        label=Coalesce(NullIf("short_name", Value("")), "name")
    )[:1]
    return qs.annotate(
        organiser_name=Coalesce(
            _name_of(ActivityGroup, "group_id"),
            _name_of(SpecialCommittee, "special_committee_id"),
            _name_of(Platform, "platform_id"),
            _name_of(Committee, "committee_id"),
        ),
        committee_label=Subquery(label),
        contact_point_name=_name_of(ContactPoint, "contact_point_id"),
        scanned_count=count(method=Attendance.Method.ON_SITE),
        convener_count=count(method=Attendance.Method.CONVENER),
        corrected_count=count(method=Attendance.Method.CORRECTION),
    )


def activity_record(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """The activity page's activity: its group, contact point and plan item joined, and ``organiser_name``
    (``Activity.organiser``'s name: a special committee, platform or committee organiser is a scalar subquery, run
    only for an activity without a group). The page counts its excused and absent from the attendance it lists.

    Three joined tables, not six with two counting subqueries: PostgreSQL planned that statement in 3-8 ms for
    0.4 ms of execution (the planning grows with each joined table); this one in under 1 ms (EXPLAIN, 50k seed)."""
    return qs.select_related("group", "contact_point", "plan_item").annotate(
        organiser_name=Coalesce(
            "group__name",
            _name_of(SpecialCommittee, "special_committee_id"),
            _name_of(Platform, "platform_id"),
            _name_of(Committee, "committee_id"),
        )
    )


def _name_of(
    model: type[ActivityGroup | SpecialCommittee | Platform | Committee | ContactPoint], column: str
) -> Subquery:
    return Subquery(model._default_manager.filter(pk=OuterRef(column)).values("name")[:1])


def api_rows(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """What the API's activity shows: the organiser's name, the open groups' ids in one query for the page
    (``open_groups_list``); its three counts are the activity's columns, kept by the database (activities 0009).

    The organiser is its name in the statement (``organiser_name``: ``Activity.organiser`` is the first of group,
    special committee, platform and committee, each shown by its name), not four joined models built per row.
    """
    return qs.annotate(
        organiser_name=Coalesce("group__name", "special_committee__name", "platform__name", "committee__name"),
    ).prefetch_related(Prefetch("open_groups", queryset=ActivityGroup.objects.only("pk"), to_attr="open_groups_list"))


def my_attendances(member_id: int) -> QuerySet:
    """A member's invitations with their activities, newest first."""
    return (
        Attendance.objects.filter(member_id=member_id)
        .exclude(activity__state=Activity.State.CANCELLED, status=Attendance.Status.INVITED)
        .select_related("activity__group", "activity__committee", "activity__contact_point")
        .order_by("-activity__starts_at")
    )


def upcoming(qs: QuerySet, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    return qs.filter(ends_at__gte=now, state__in=[Activity.State.PLANNED, Activity.State.ANNOUNCED]).order_by(
        "starts_at"
    )
