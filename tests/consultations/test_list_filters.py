"""The consultation lists filter, search and page (consultations.filters, core.filters.PageFilterSet), with the
same number of queries whatever their size, filters applied or not."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.consultations.factories import SessionFactory, TopicFactory, handed_outcome

pytestmark = pytest.mark.django_db
NOW = timezone.now()
LAST_YEAR = NOW - timedelta(days=366)


def _titles(response):
    return [o.title for o in response.context["page_obj"]]


def _sessions(world, n):
    for i in range(n):
        SessionFactory(
            committee=world.district,
            group=world.group,
            starts_at=LAST_YEAR if i % 2 else NOW,
            topic=TopicFactory(committee=world.district, group=world.group),
        )


def test_the_session_list_searches_filters_by_year_and_pages(world, client_for, django_assert_max_num_queries):
    SessionFactory(committee=world.district, group=world.group, title="关于停车难的协商", starts_at=LAST_YEAR)
    SessionFactory(committee=world.district, group=world.group, title="关于加装电梯的协商", place="西城文化站")
    client = client_for(world.convener)
    url = reverse("consultations:sessions")
    assert _titles(client.get(url, {"q": "停车"})) == ["关于停车难的协商"]
    assert _titles(client.get(url, {"q": "西城文化站"})) == ["关于加装电梯的协商"]
    assert _titles(client.get(url, {"year": LAST_YEAR.year})) == ["关于停车难的协商"]
    body = client.get(url).content.decode()
    assert f'<option value="{LAST_YEAR.year}">{LAST_YEAR.year}</option>' in body and "全部年度" in body
    assert "搜索" in body and "---------" not in body
    counts = []
    for n in (15, 30):
        _sessions(world, n)
        for query in ({}, {"q": "协商", "year": NOW.year, "state": "held", "page": 2}):
            with django_assert_max_num_queries(12) as captured:
                assert client.get(url, query).status_code == 200
            counts.append(len(captured))
    assert counts[:2] == counts[2:], counts
    page = client.get(url, {"year": NOW.year, "page": 2})
    assert f"year={NOW.year}" in page.context["query"] and "page=" not in page.context["query"]


def test_the_outcome_board_searches_by_session_and_unit_and_keeps_the_overdue_card(
    world, client_for, django_assert_max_num_queries
):
    late = handed_outcome(
        world.unit, title="补齐路灯", deadline=timezone.localdate() - timedelta(days=3), session__title="夜间照明协商"
    )
    handed_outcome(world.other_unit, title="增设公厕")
    client = client_for(world.district_staff)
    url = reverse("consultations:outcomes")
    assert _titles(client.get(url, {"overdue": "1"})) == [late.title]
    assert _titles(client.get(url, {"q": "夜间照明"})) == [late.title]
    assert _titles(client.get(url, {"q": world.other_unit.name})) == ["增设公厕"]
    counts = []
    for n in (15, 30):
        for _ in range(n):
            handed_outcome(world.unit)
        with django_assert_max_num_queries(11) as captured:
            assert client.get(url, {"q": "充电桩", "state": "assigned", "year": NOW.year}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_unit_searches_its_outcomes(world, client_for, django_assert_max_num_queries):
    handed_outcome(world.unit, title="补齐路灯")
    handed_outcome(world.unit, title="增设公厕")
    client = client_for(world.unit_user)
    url = reverse("consultations:unit_outcomes")
    assert _titles(client.get(url, {"q": "路灯"})) == ["补齐路灯"]
    body = client.get(url).content.decode()
    assert 'name="q"' in body and 'name="year"' in body
    counts = []
    for n in (10, 20):
        for _ in range(n):
            handed_outcome(world.unit)
        with django_assert_max_num_queries(11) as captured:
            assert client.get(url, {"q": "充电桩"}).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_topic_board_searches_and_offers_the_years_it_has(world, client_for):
    TopicFactory(committee=world.district, group=world.group, title="停车难", year=NOW.year - 1)
    TopicFactory(committee=world.district, group=world.group, title="加装电梯", reasons="老人上下楼难")
    client = client_for(world.staff)
    url = reverse("consultations:topics")
    assert _titles(client.get(url, {"q": "上下楼"})) == ["加装电梯"]
    assert _titles(client.get(url, {"year": NOW.year - 1})) == ["停车难"]
    assert _titles(client.get(url, {"year": "abc"})) == ["加装电梯", "停车难"]  # a bad year filters nothing
    platform = f.PlatformFactory(committee=world.district)
    TopicFactory(committee=world.district, platform=platform, title="平台选题")
    assert _titles(client.get(url, {"platform": platform.pk})) == ["平台选题"]
