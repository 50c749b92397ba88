"""Annual assessment: group ranking, award candidates, funding settlement, locking, pages, API, dashboard."""

from decimal import Decimal

import pytest
from django.urls import reverse

from activities.models import Activity
from assessments.models import GroupSettlement, RuleSet
from assessments.selectors import group_settlement
from assessments.services import rollup_execute, rollup_start, ruleset_copy, ruleset_create_from_preset, ruleset_lock
from tests.assessments.test_sources import activity, at
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(world):
    """合肥's rules with 考核奖优 for the best group and funding 1000 per member + 500 per filed activity,
    at most 2800; ``group`` (2 members) attended 3 activities in Q1, 2 of them filed."""
    rule_set = ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)
    RuleSet.objects.filter(pk=rule_set.pk).update(
        award_top_n=1,
        funding_per_member=Decimal(1000),
        funding_per_filed_activity=Decimal(500),
        funding_cap=Decimal(2800),
    )
    members = [world.member_record, world.convener_member]
    for day in (1, 2):
        activity(world, 2, day, members, state=Activity.State.FILED)
    activity(world, 2, 3, members)
    ActivityFactory(group=world.other_group, starts_at=at(3, 1), state=Activity.State.FILED)
    run = rollup_start(committee=world.district, year=2026, quarter=1, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    return rule_set


def _by_name(lines):
    return {line.group_name: line for line in lines}


def test_groups_ranked_with_award_candidates_and_capped_funding(world, year):
    lines, locked = group_settlement(world.district.pk, 2026)
    assert not locked
    first, second = _by_name(lines)[world.group.name], _by_name(lines)[world.other_group.name]
    # 2 members × 3 activities × 7.5 = 45 points
    assert (first.rank, first.points, first.members, first.filed_activities) == (1, Decimal("45.00"), 2, 2)
    assert first.is_award_candidate and not second.is_award_candidate
    assert first.funding == Decimal("2800.00")  # 2000 + 1000, capped at 2800
    assert second.funding == Decimal("1500.00")  # 1000 + 500
    assert (second.rank, second.points) == (2, Decimal("0.00"))


def test_a_points_threshold_also_makes_award_candidates(world, year):
    RuleSet.objects.filter(pk=year.pk).update(award_top_n=0, award_min_points=Decimal(0))
    lines, _locked = group_settlement(world.district.pk, 2026)
    assert all(line.is_award_candidate for line in lines)


def test_locking_the_year_freezes_the_settlement(world, year):
    ruleset_lock(rule_set_id=year.pk, actor=world.district_staff)
    assert GroupSettlement.objects.filter(year=2026).count() == 2
    ActivityFactory(group=world.other_group, starts_at=at(4, 1), state=Activity.State.FILED)
    lines, locked = group_settlement(world.district.pk, 2026)
    assert locked and _by_name(lines)[world.other_group.name].funding == Decimal("1500.00")
    copy = ruleset_copy(rule_set_id=year.pk, year=2027, actor=world.district_staff)
    assert (copy.award_top_n, copy.funding_cap, copy.is_locked) == (1, Decimal(2800), False)


def test_a_negative_funding_is_refused(world, year):
    from django.core.exceptions import ValidationError

    rule_set = RuleSet.objects.get(pk=year.pk)
    rule_set.funding_per_member = Decimal(-1)
    with pytest.raises(ValidationError):
        rule_set.full_clean()


@pytest.mark.parametrize("who", ["district_staff", "staff", "leader"])
def test_staff_and_leaders_see_the_annual_page_dashboard_and_exports(world, client_for, year, who):
    client = client_for(getattr(world, who))
    query = {"committee": world.district.pk, "year": 2026}
    page = client.get(reverse("assessments:annual"), query)
    assert page.status_code == 200 and world.member_record.name in page.content.decode()
    groups = client.get(reverse("assessments:annual"), {**query, "show": "groups"})
    assert groups.status_code == 200
    assert world.group.name in groups.content.decode() and "2800.00" in groups.content.decode()
    xlsx = client.get(reverse("assessments:funding_export"), query)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    dash = client.get(reverse("assessments:dashboard"), query)
    assert dash.status_code == 200 and dash.context["data"]["trend"]["quarters"] == ["第一季度"]
    assert 'id="dashboard-data"' in dash.content.decode() and "chart.umd.min" in dash.content.decode()


def test_a_city_sees_its_districts_side_by_side(world, client_for, year):
    dash = client_for(world.staff).get(reverse("assessments:dashboard"), {"committee": world.city.pk, "year": 2026})
    assert dash.context["data"]["districts"]["labels"] == [world.district.name]
    assert dash.context["has_districts"]


@pytest.mark.parametrize("who", ["member", "convener", "other_staff", "unit_user", "outsider_member"])
def test_others_get_no_annual_page_dashboard_or_funding(world, client_for, year, who):
    user = getattr(world, who)
    user = getattr(user, "user", user)
    client = client_for(user)
    query = {"committee": world.district.pk, "year": 2026}
    for name in ("annual", "dashboard", "funding_export"):
        assert client.get(reverse(f"assessments:{name}"), query).status_code == 403
    assert client.get("/api/v1/assessments/funding/", query).status_code in (403, 404)


def test_the_api_gives_the_funding_settlement(world, client_for, year):
    data = (
        client_for(world.district_staff)
        .get("/api/v1/assessments/funding/", {"committee": world.district.pk, "year": 2026})
        .json()
    )
    assert data["locked"] is False
    first = data["groups"][0]
    assert (first["group_name"], first["rank"], first["is_award_candidate"], first["funding"]) == (
        world.group.name,
        1,
        True,
        "2800.00",
    )


def test_nav_links_by_role(world, client_for, year):
    member_page = client_for(world.member).get(reverse("groups:my_page")).content.decode()
    assert reverse("assessments:my_record") in member_page and reverse("assessments:annual") not in member_page
    staff_page = client_for(world.district_staff).get(reverse("assessments:annual")).content.decode()
    assert reverse("assessments:dashboard") in staff_page


def test_members_below_the_minimums_are_listed_on_the_annual_page_and_in_the_workbook(world, client_for):
    """闵行 asks for 3 activities, 1 proposal and 1 report a year: after one activity each member is below."""
    from io import BytesIO

    from openpyxl import load_workbook

    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    activity(world, 2, 1, [world.member_record])
    run = rollup_start(committee=world.district, year=2026, quarter=1, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    client = client_for(world.district_staff)
    query = {"committee": world.district.pk, "year": 2026}
    page = client.get(reverse("assessments:annual"), {**query, "below": 1})
    assert page.status_code == 200
    below = {row.member.pk: row.missing_text for row in page.context["ranking"].rows}
    assert len(below) == page.context["total"] == page.context["roll_up"].members_below == 3
    assert below[world.member_record.pk] == "参加活动（任意类型） 1/3；提交提案 0/1；报送社情民意信息 0/1"
    assert below[world.member_record.pk] in page.content.decode()
    workbook = load_workbook(BytesIO(client.get(reverse("assessments:assessment_export"), query).content))
    sheet = [list(r) for r in workbook.worksheets[1].iter_rows(values_only=True)]
    assert any(r[0] == world.member_record.name and r[2] == below[world.member_record.pk] for r in sheet), sheet


def test_a_groups_members_of_the_year_count_each_member_once_and_only_those_of_the_year(world):
    """The settlement's member count: members of the group at any time of the year, a member who left and came back
    once, one who left before the year not at all, an active group with no one in it 0."""
    from datetime import date

    from tests import factories as f

    group = f.ActivityGroupFactory(committee=world.district, name="某某活动组")
    empty = f.ActivityGroupFactory(committee=world.district, name="空活动组")
    back, gone, stays = (f.MemberFactory(committee=world.district) for _ in range(3))
    for member, joined, left in (
        (back, date(2025, 6, 1), date(2026, 3, 1)),
        (back, date(2026, 6, 1), None),
        (gone, date(2024, 1, 1), date(2025, 12, 31)),
        (stays, date(2025, 1, 1), None),
    ):
        f.MembershipFactory(group=group, member=member, joined_on=joined, left_on=left)

    lines = _by_name(group_settlement(world.district.pk, 2026)[0])
    assert (lines[group.name].members, lines[empty.name].members) == (2, 0)
