"""Two members take the last place of an open activity at the same moment: the activity row's lock lets one in.

Real threads and transactions, on SQLite (IMMEDIATE transactions queue writers) and on PostgreSQL
(``select_for_update`` holds the second sign-up until the first commits, then it counts the place taken)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from activities.models import Activity, Attendance
from activities.services.signup import activity_sign_up
from core.exceptions import DomainError
from tests import factories as f
from tests.groups.factories import ActivityFactory
from tests.proposals.test_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempt", range(3))
def test_two_sign_ups_for_the_last_place_one_wins(world, attempt):
    starts = timezone.now() + timedelta(days=3)
    activity = ActivityFactory(
        group=world.other_group,
        open_to=Activity.OpenTo.COMMITTEE,
        capacity=2,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    Attendance.objects.create(activity=activity, member=world.convener_member)
    rival = f.MemberFactory(committee=world.district, user=f.UserFactory())
    results = race(
        lambda: activity_sign_up(activity_id=activity.pk, actor=world.member),
        lambda: activity_sign_up(activity_id=activity.pk, actor=rival.user),
    )
    assert sorted(type(r).__name__ for r in results) == ["Attendance", "DomainError"], results
    [refusal] = [r for r in results if isinstance(r, DomainError)]
    assert "2" in " ".join(refusal.messages)
    assert Attendance.objects.filter(activity=activity).count() == 2
