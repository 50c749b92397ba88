"""The groups API's new bodies take ids through scoped fields: an id beyond any database integer is a 400 naming
the field, never a 500 (SQLite raises OverflowError where PostgreSQL says "out of range")."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.groups.factories import ActivityFactory, PlenarySessionFactory

pytestmark = pytest.mark.django_db
HUGE = 99999999999999999999


def test_a_huge_id_in_a_body_is_a_400_naming_its_field(world, client_for):
    activity = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=5))
    session = PlenarySessionFactory(term=world.member_record.term)
    posts = [
        (world.convener, reverse("api:activity-invite", args=[activity.pk]), {"members": [HUGE]}, "members"),
        (
            world.district_staff,
            reverse("api:activity-attendance-correct", args=[activity.pk]),
            {"member": HUGE, "status": "absent"},
            "member",
        ),
        (world.convener, reverse("api:plan-list"), {"group": HUGE, "year": 2026}, "group"),
        (
            world.convener,
            reverse("api:plan-item-list"),
            {"plan": HUGE, "quarter": 1, "month": 1, "kind": "study", "title": "x"},
            "plan",
        ),
        (
            world.district_staff,
            reverse("api:plenary-attendance-list"),
            {"session": session.pk, "member": HUGE, "present": 1, "excused": 0, "absent": 0},
            "member",
        ),
        (
            world.district_staff,
            reverse("api:plenary-session-attendance", args=[session.pk]),
            {"rows": [{"member": HUGE, "present": 1, "excused": 0, "absent": 0}]},
            "rows",
        ),
        (world.district_staff, reverse("api:plenary-attendance-remove"), {"ids": [HUGE]}, "ids"),
        (world.district_staff, reverse("api:member-list"), {"committee": HUGE, "name": "x"}, "committee"),
        (
            world.district_staff,
            reverse("api:group-membership-list"),
            {"group": HUGE, "member": world.member_record.pk, "joined_on": "2026-01-01"},
            "group",
        ),
    ]
    for user, url, body, field in posts:
        response = client_for(user).post(url, body, content_type="application/json")
        assert response.status_code == 400 and field in response.json(), (url, response.status_code)
