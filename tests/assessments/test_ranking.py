"""The annual ranking kept with the roll-up: each member snapshot's committee-wide rank and place, each committee
snapshot's counts per grade, below the minimums and per band of points; the annual page and the API read them a page
at a time, in a fixed number of queries, with the committee-wide rank on every page and under every filter."""

import re
from collections import Counter
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from activities.models import Activity
from assessments import selectors
from assessments.models import CommitteeSnapshot, MemberSnapshot
from assessments.rollup import BUCKETS, bucket_bounds
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from groups.models import Member
from tests.assessments.test_sources import activity

pytestmark = pytest.mark.django_db

MEMBERS = 64  # more than a page (50)


@pytest.fixture
def ranked(world):
    """闵行's rules with its minimum of 3 activities only (most members are below it), ``MEMBERS`` more members of
    the district, member i at i % 4 of three filed activities and the first three at one more (ties of 16 and
    more), the year rolled up to the second quarter; names not in the order of the members' numbers, so ties are
    placed by name."""
    from assessments.kinds import EventKind
    from assessments.models import MinimumRequirement

    rule_set = ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    MinimumRequirement.objects.filter(rule_set=rule_set).exclude(kind=EventKind.ACTIVITY_PRESENT).delete()
    m = world.member_record
    added = Member.objects.bulk_create(
        [
            Member(committee=m.committee, term=m.term, sector=m.sector, name=f"委员{(i * 37) % MEMBERS:03d}")
            for i in range(MEMBERS)
        ]
    )
    for n in range(1, 4):
        activity(world, 2, n, [a for i, a in enumerate(added) if i % 4 >= n], state=Activity.State.FILED)
    activity(world, 5, 1, [world.member_record, *added[:3]])
    for quarter in (1, 2):
        rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=quarter, actor=None).pk)
    return CommitteeSnapshot.objects.get(committee=world.district, year=2026, quarter=2)


def _expected_ranking(rows):
    """(member id, rank, place) as a window over the rows would rank them: ties share the rank, then by name and id."""
    rows = sorted(rows, key=lambda r: (-r.ytd_total, r.member.name, r.member_id))
    return [(r.member_id, 1 + sum(o.ytd_total > r.ytd_total for o in rows), place) for place, r in enumerate(rows, 1)]


def test_the_roll_up_ranks_every_member_of_the_committee_and_places_ties_by_name(world, ranked):
    for quarter in (1, 2):
        rows = list(MemberSnapshot.objects.filter(committee=world.district, year=2026, quarter=quarter))
        assert len(rows) >= MEMBERS and len({r.ytd_total for r in rows}) >= 4
        assert sorted((r.member_id, r.ytd_rank, r.ytd_place) for r in rows) == sorted(_expected_ranking(rows))


def test_the_roll_up_counts_its_members_per_grade_below_the_minimums_and_per_band(world, ranked):
    rows = list(MemberSnapshot.objects.filter(committee=world.district, year=2026, quarter=2))
    assert ranked.grades == dict(Counter(r.ytd_grade for r in rows)) and len(ranked.grades) >= 1
    assert ranked.members_below == sum(bool(r.missing) for r in rows) > 0
    assert ranked.members_below < ranked.members == len(rows)

    def band(total, bucket):
        low, high = bucket_bounds(bucket)
        return (low is None or total >= low) and (high is None or total < high)

    assert ranked.buckets == [sum(band(r.ytd_total, b) for r in rows) for b in range(BUCKETS)]
    assert sum(ranked.buckets) == len(rows)


def test_the_migration_fills_the_same_ranks_and_counts_the_roll_up_writes(world, ranked):
    import importlib

    from django.apps import apps

    fill = importlib.import_module("assessments.migrations.0012_ranking_and_counts_kept_with_snapshots").fill
    written = sorted(MemberSnapshot.objects.values_list("pk", "ytd_rank", "ytd_place"))
    counts = sorted(CommitteeSnapshot.objects.values_list("pk", "grades", "members_below", "buckets"))
    MemberSnapshot.objects.update(ytd_rank=0, ytd_place=0)
    CommitteeSnapshot.objects.update(grades={}, members_below=0, buckets=[])

    class Editor:
        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    fill(apps, Editor())
    assert sorted(MemberSnapshot.objects.values_list("pk", "ytd_rank", "ytd_place")) == written
    assert sorted(CommitteeSnapshot.objects.values_list("pk", "grades", "members_below", "buckets")) == counts


def _rows(html: str) -> list[tuple[int, str]]:
    """(rank, name) of each row of the annual page's ranking."""
    return [
        (int(rank), unescape(name))
        for rank, name in re.findall(
            r"<tr data-row><td data-not-a-count>(\d+)</td><td[^>]*>(?:<a [^>]*>)?([^<]*)", html
        )
    ]


def _next(html: str) -> str | None:
    found = re.search(r'href="(\?[^"]*)" rel="next"', html)
    return unescape(found.group(1)) if found else None


def _walk(client, url: str, assert_max_num_queries, limit: int) -> list[tuple[int, str]]:
    """Every page of a ranking from ``url``, following "next", each page in at most ``limit`` queries."""
    seen, page = [], url
    while page:
        with assert_max_num_queries(limit):
            response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        seen += _rows(html)
        following = _next(html)
        page = reverse("assessments:annual") + following if following else None
    return seen


@pytest.mark.parametrize("who", ["district_staff", "leader"])
def test_every_page_of_the_ranking_keeps_the_committee_wide_rank_in_a_fixed_number_of_queries(
    world, ranked, client_for, django_assert_max_num_queries, who
):
    client = client_for(getattr(world, who))
    base = f"{reverse('assessments:annual')}?committee={world.district.pk}&year=2026"
    client.get(base)
    with django_assert_max_num_queries(30) as first:
        client.get(base)
    limit = len(first.captured_queries) + 1  # a filtered list counts its rows
    rows = list(MemberSnapshot.objects.filter(committee=world.district, year=2026, quarter=2).select_related("member"))
    rank = {r.member.name: r.ytd_rank for r in rows}
    whole = _walk(client, base, django_assert_max_num_queries, limit)
    assert whole == [(r, name) for name, r in ((r.member.name, r.ytd_rank) for r in _ordered(rows))]
    assert len(whole) == len(rows) > selectors.RANKING_PAGE
    for grade in ranked.grades:
        filtered = _walk(client, f"{base}&grade={grade}", django_assert_max_num_queries, limit)
        assert filtered == [(rank[r.member.name], r.member.name) for r in _ordered(rows) if r.ytd_grade == grade]
    below = _walk(client, f"{base}&below=1", django_assert_max_num_queries, limit)
    assert below == [(rank[r.member.name], r.member.name) for r in _ordered(rows) if r.missing]
    found = _walk(client, f"{base}&q=委员01", django_assert_max_num_queries, limit)
    assert found == [(rank[r.member.name], r.member.name) for r in _ordered(rows) if "委员01" in r.member.name]
    assert len(found) == 10 and len({r for r, _name in found}) > 1


def _ordered(rows):
    return sorted(rows, key=lambda r: r.ytd_place)


def test_the_previous_page_of_the_ranking_is_the_page_before(world, ranked, client_for):
    client = client_for(world.district_staff)
    base = f"{reverse('assessments:annual')}?committee={world.district.pk}&year=2026"
    first = client.get(base).content.decode()
    second = client.get(reverse("assessments:annual") + _next(first)).content.decode()
    back = re.search(r'href="(\?[^"]*)" rel="prev"', second)
    assert back and _rows(
        client.get(reverse("assessments:annual") + unescape(back.group(1))).content.decode()
    ) == _rows(first)
    assert len(_rows(first)) == selectors.RANKING_PAGE and _rows(second)


def test_only_staff_open_a_members_record_from_the_ranking(world, ranked, client_for):
    url = f"{reverse('assessments:annual')}?committee={world.district.pk}&year=2026"
    record = reverse("assessments:member_record", args=[world.member_record.pk])
    assert record in client_for(world.district_staff).get(url).content.decode()
    assert record not in client_for(world.leader).get(url).content.decode()


def test_the_groups_tab_pages_the_settlement_and_totals_every_groups_funding(world, ranked, client_for):
    from tests import factories as f

    for _ in range(55):
        f.ActivityGroupFactory(committee=world.district)
    client = client_for(world.district_staff)
    url = f"{reverse('assessments:annual')}?committee={world.district.pk}&year=2026&show=groups"
    page = client.get(url)
    groups, _locked = selectors.group_settlement(world.district.pk, 2026)
    assert len(page.context["page_obj"]) == 50 and page.context["page_obj"].paginator.count == len(groups) > 50
    assert page.context["funding_total"] == sum(g.funding for g in groups)
    last = client.get(f"{url}&page=2")
    assert [g.group_id for g in last.context["page_obj"]] == [g.group_id for g in groups[50:]]


def test_the_api_lists_the_ranking_as_the_workbook_ranks_it(world, ranked, client_for):
    client = client_for(world.district_staff)
    listed = []
    url = f"{reverse('api:assessment-list')}?committee={world.district.pk}&year=2026"
    while url:
        data = client.get(url).json()
        listed += [(r["rank"], r["member"], r["quarter"], Decimal(r["year_to_date_total"])) for r in data["results"]]
        url = data["next"]
    rows = selectors.assessment_rows(world.district.pk, 2026)
    assert listed == [(r.rank, r.member_id, r.quarter, r.ytd_total) for r in rows]
    assert len(listed) > selectors.RANKING_PAGE


def test_the_dashboards_bands_are_the_roll_ups_and_its_groups_the_settlements_first(world, ranked):
    data = selectors.dashboard_data(world.district.pk, 2026)
    assert data["distribution"]["members"] == ranked.buckets
    groups, _locked = selectors.group_settlement(world.district.pk, 2026)
    assert data["ranking"]["labels"] == [g.group_name for g in groups[:20]]
    assert data["ranking"]["points"] == [float(g.points) for g in groups[:20]]
