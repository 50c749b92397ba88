"""Coverage and plan-against-actual selectors, computed in the database."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from activities.models import Activity
from activities.selectors import activities as sel
from tests import factories as f
from tests.groups.factories import (
    ActivityFactory,
    AnnualPlanFactory,
    PlanItemFactory,
    coverage_recounted,
    held_activity,
)

pytestmark = pytest.mark.django_db


def _at(year, month, day=15):
    return datetime(year, month, day, 10, tzinfo=timezone.get_current_timezone())


def test_the_period_bounds_follow_the_quarter_in_local_time():
    assert sel.Period(2026, 2).first_day == date(2026, 4, 1) and sel.Period(2026, 2).end_day == date(2026, 7, 1)
    assert sel.Period(2026).end_day == date(2027, 1, 1) and sel.Period(2026, 4).end_day == date(2027, 1, 1)
    start, _end = sel.Period(2026, 1).bounds
    assert start.utcoffset() == timedelta(hours=8)


def test_a_day_is_in_one_quarter_and_each_quarter_follows_the_one_before():
    """``Period.of`` and ``previous``, which the workbench's window and the mailbox's recurring matters count back
    with: every day of two years is inside its quarter, and stepping back from it ends where the quarter before
    starts, across the year's edge."""
    day = date(2025, 1, 1)
    while day < date(2027, 1, 1):
        period = sel.Period.of(day)
        assert period.first_day <= day < period.end_day
        assert period.previous.end_day == period.first_day
        day += timedelta(days=1)
    assert sel.Period(2026, 1).previous == sel.Period(2025, 4)
    assert sel.Period(2026).previous == sel.Period(2025)


def test_only_present_members_at_a_held_three_enters_activity_in_the_period_are_covered(world):
    year = 2025
    held_activity(world, kind="three_enters", target="community", starts_at=_at(year, 5), members=[world.member_record])
    held_activity(world, kind="study", starts_at=_at(year, 5), members=[world.convener_member])  # not 三进
    planned = ActivityFactory(group=world.group, kind="three_enters", target="village", starts_at=_at(year, 6))
    planned.attendances.create(member=world.convener_member)  # invited, not held
    cov = sel.group_coverage(world.group, sel.Period(year))
    assert [m.pk for m in cov.not_covered] == [world.convener_member.pk]
    assert sel.group_coverage(world.group, sel.Period(year, 2)).covered == 1
    assert sel.group_coverage(world.group, sel.Period(year, 3)).covered == 0


def test_contact_points_show_visits_and_the_last_visit(world):
    point = f.ContactPointFactory(committee=world.district, kind="village")
    world.group.contact_points.add(point, f.ContactPointFactory(committee=world.district))
    held_activity(world, kind="three_enters", target="village", contact_point=point, starts_at=_at(2025, 3))
    last = held_activity(world, kind="three_enters", target="village", contact_point=point, starts_at=_at(2025, 9))
    points = sel.group_coverage(world.group, sel.Period(2025)).contact_points
    assert [(p.pk, p.visits, p.last_visit) for p in points][0] == (point.pk, 2, last.starts_at)
    assert points[1].visits == 0 and points[1].last_visit is None


def test_six_ones_items_are_done_by_held_activities_only(world):
    held_activity(world, kind="research", six_item="research_forum", starts_at=_at(2025, 4))
    ActivityFactory(group=world.group, six_item="aid", starts_at=_at(2025, 4), state="planned")
    done = {s["item"]: s["done"] for s in sel.group_coverage(world.group, sel.Period(2025)).six_items}
    assert done == {
        "research_forum": True,
        "window_unit": False,
        "suggestions": False,
        "mediation": False,
        "consultation": False,
        "aid": False,
    }


def test_plan_against_actual_counts_done_overdue_and_unplanned_per_quarter(world):
    plan = AnnualPlanFactory(group=world.group, year=2025)
    done = PlanItemFactory(plan=plan, quarter=1, month=2)
    PlanItemFactory(plan=plan, quarter=1, month=3)  # never held: overdue by the summer
    PlanItemFactory(plan=plan, quarter=4, month=11)  # still ahead
    held_activity(world, plan_item=done, starts_at=_at(2025, 2))
    held_activity(world, starts_at=_at(2025, 5))  # unplanned
    progress = sel.plan_progress(world.group, 2025, today=date(2025, 7, 1))
    assert progress[0] == {"quarter": 1, "total": 2, "done": 1, "overdue": 1, "unplanned": 0}
    assert progress[1]["unplanned"] == 1
    assert progress[3] == {"quarter": 4, "total": 1, "done": 0, "overdue": 0, "unplanned": 0}


def test_groups_and_committees_coverage_agree(world):
    held_activity(world, kind="three_enters", target="park", starts_at=_at(2025, 8))
    f.MembershipFactory(group=world.other_group)
    groups = {g.pk: g for g in sel.groups_coverage(world.district.activity_groups.all(), sel.Period(2025))}
    assert (groups[world.group.pk].member_count, groups[world.group.pk].covered_count) == (2, 1)
    assert groups[world.group.pk].three_enters_held == 1 and groups[world.other_group.pk].covered_count == 0
    from groups.models import Committee

    committees = {c.pk: c for c in sel.committees_coverage(Committee.objects.all(), sel.Period(2025))}
    assert committees[world.district.pk].covered_count == 1
    assert Activity.objects.count() == 1


def test_coverage_figures_and_their_rows_count_each_member_by_their_own_attendance_and_contacts(world):
    """The covered rule (``_covered``) is asked per member: present at a held 三进 activity of any committee, or a
    contact at a contact point; the group's and the committee's figures equal their drill-down rows."""
    from groups.models import Committee, ConstituentContact

    period = sel.Period(2025, 3)
    third = f.MembershipFactory(group=world.group).member
    held_activity(world, kind="three_enters", target="park", starts_at=_at(2025, 8), members=[world.member_record])
    elsewhere = held_activity(world, kind="three_enters", target="park", starts_at=_at(2025, 9), members=[third])
    Activity.objects.filter(pk=elsewhere.pk).update(committee=world.other)  # another committee's activity counts
    held_activity(world, kind="three_enters", target="park", starts_at=_at(2025, 11), members=[world.convener_member])
    point = f.ContactPointFactory(committee=world.district)
    ConstituentContact.objects.create(
        committee=world.district,
        member=world.convener_member,
        contacted_on=date(2025, 4, 2),  # the quarter before
        contact_point=point,
        whom_kind="household",
        whom="一户居民",
        topic="environment",
        raised="夜市噪音",
    )
    coverage_recounted()  # the committee moved and the contact written past the services
    [group] = sel.groups_coverage(world.district.activity_groups.filter(pk=world.group.pk), period)
    [district] = sel.committees_coverage(Committee.objects.filter(pk=world.district.pk), period)
    ids = {"group_id": world.group.pk, "committee_id": None}
    groups, committees = world.district.activity_groups.all(), Committee.objects.all()
    covered = list(sel.coverage_members(groups, committees, period, covered="1", **ids).values_list("pk", flat=True))
    uncovered = list(sel.coverage_members(groups, committees, period, covered="0", **ids).values_list("pk", flat=True))
    assert sorted(covered) == sorted([world.member_record.pk, third.pk]) and uncovered == [world.convener_member.pk]
    assert (group.covered_count, group.uncovered_count) == (2, 1)
    assert district.covered_count == len(
        sel.coverage_members(groups, committees, period, group_id=None, committee_id=world.district.pk, covered="1")
    )
    ConstituentContact.objects.filter(member=world.convener_member).update(contacted_on=date(2025, 7, 2))
    coverage_recounted()
    [group] = sel.groups_coverage(world.district.activity_groups.filter(pk=world.group.pk), period)
    assert (group.covered_count, group.uncovered_count) == (3, 0)


def test_the_dashboards_coverage_and_plan_count_what_the_whole_ones_count(world):
    """#22: the convener's dashboard reads ``group_dashboard`` (names and figures, no last 三进; the counted activities
    read once for the 六个一, the points' visits and the unplanned); its figures and rows are the API's whole
    reading's (``group_coverage``) and the plan page's (``plan_progress``), for the year and each quarter."""
    point, other = (
        f.ContactPointFactory(committee=world.district, kind="village"),
        f.ContactPointFactory(committee=world.district, kind="community"),
    )
    world.group.contact_points.add(point, other, f.ContactPointFactory(committee=world.district))
    plan = AnnualPlanFactory(group=world.group, year=2025)
    item = PlanItemFactory(plan=plan, quarter=2, month=5)
    held_activity(world, kind="three_enters", target="village", contact_point=point, starts_at=_at(2025, 5))
    held_activity(world, kind="three_enters", target="village", contact_point=point, starts_at=_at(2025, 11, 2))
    held_activity(world, kind="three_enters", target="community", contact_point=other, starts_at=_at(2025, 8))
    held_activity(world, kind="research", six_item="research_forum", starts_at=_at(2025, 8), plan_item=item)
    held_activity(world, kind="research", six_item="research_forum", starts_at=_at(2025, 1, 1))  # local 1 January
    ActivityFactory(group=world.group, six_item="aid", contact_point=other, starts_at=_at(2025, 4), state="planned")
    for period in (sel.Period(2025), *(sel.Period(2025, q) for q in range(1, 5)), sel.Period(2024)):
        whole = sel.group_coverage(world.group, period)
        brief, progress = sel.group_dashboard(world.group, period)
        assert [(m.pk, m.name, m.three_enters, m.point_contacts) for m in brief.members] == [
            (m.pk, m.name, m.three_enters, m.point_contacts) for m in whole.members
        ]
        assert [(p.pk, p.name, p.kind, p.visits, p.last_visit) for p in brief.contact_points] == [
            (p.pk, p.name, p.kind, p.visits, p.last_visit) for p in whole.contact_points
        ], period
        assert (brief.covered, brief.visited_points, brief.six_items) == (
            whole.covered,
            whole.visited_points,
            whole.six_items,
        ), period
        assert progress == sel.plan_progress(world.group, period.year), period
        assert not any(hasattr(m, "last_three_enters") for m in brief.members)
    assert any(m.last_three_enters for m in sel.group_coverage(world.group, sel.Period(2025)).members)
