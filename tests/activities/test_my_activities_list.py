"""The member's past activities: filtered by year, attendance and title, 20 a page, a fixed query count."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Attendance
from tests.groups.factories import ActivityFactory, AttendanceFactory, held_activity

pytestmark = pytest.mark.django_db


def _at(year, month=6):
    return timezone.make_aware(datetime(year, month, 10, 9, 0))


def _past(response):
    return [r.activity_id for r in response.context["page_obj"]]


def test_past_activities_filter_by_year_attendance_and_title(world, client_for):
    old = held_activity(world, starts_at=_at(2024), title="二〇二四年专题学习")
    new = held_activity(world, starts_at=_at(2025), title="社区协商议事")
    absent = held_activity(world, starts_at=_at(2025, 3), members=[])
    Attendance.objects.create(activity=absent, member=world.member_record, status=Attendance.Status.ABSENT)
    client = client_for(world.member)

    def past(query):
        return set(_past(client.get(reverse("activities:my_activities") + query)))

    assert past("") == {old.pk, new.pk, absent.pk}
    assert past("?year=2025") == {new.pk, absent.pk}
    assert past("?status=absent") == {absent.pk}
    assert past("?q=协商") == {new.pk}
    assert past("?year=2024&q=协商") == set()
    assert past("?year=x&status=nope") == {old.pk, new.pk, absent.pk}
    body = client.get(reverse("activities:my_activities")).content.decode()
    assert '<option value="2024"' in body and '<option value="2025"' in body


def test_past_activities_page_by_twenty_and_keep_the_filter(world, client_for):
    for i in range(45):
        held_activity(world, starts_at=_at(2025) - timedelta(days=i))
    held_activity(world, starts_at=_at(2024))
    upcoming = ActivityFactory(group=world.group, state="announced")
    AttendanceFactory(activity=upcoming, member=world.member_record)
    client = client_for(world.member)
    first = client.get(reverse("activities:my_activities") + "?year=2025")
    assert len(_past(first)) == 20 and first.context["page_obj"].paginator.count == 45
    assert [r.activity_id for r in first.context["upcoming"]] == [upcoming.pk]  # upcoming stays on every page
    assert "?year=2025&amp;page=2" in first.content.decode()
    third = client.get(reverse("activities:my_activities") + "?year=2025&page=3")
    assert len(_past(third)) == 5
    assert not set(_past(first)) & set(_past(third))


def test_filtered_past_activities_run_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.member)
    url = reverse("activities:my_activities") + "?year=2025&status=present&q=学习"
    held_activity(world, starts_at=_at(2025))
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    for i in range(30):
        held_activity(world, starts_at=_at(2025) - timedelta(days=i + 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(_past(client.get(url))) == 20
