"""Admin for activities: staff of the committee only, actions call the services."""

import pytest
from django.urls import reverse

from activities.models import Activity
from tests.groups.factories import ActivityFactory, AnnualPlanFactory, AttendanceFactory, PlanItemFactory, held_activity

pytestmark = pytest.mark.django_db

MODELS = ["activity", "attendance", "evidence", "annualplan", "planitem", "activitysettings"]


@pytest.mark.parametrize("model", MODELS)
def test_staff_open_every_activity_admin_list(world, client_for, model):
    held_activity(world)
    PlanItemFactory(plan=AnnualPlanFactory(group=world.group))
    assert client_for(world.staff).get(reverse(f"admin:activities_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_conveners_do_not_get_into_the_activity_admin(world, client_for, model):
    response = client_for(world.convener).get(reverse(f"admin:activities_{model}_changelist"))
    assert response.status_code in (302, 403)


def test_other_committees_staff_do_not_see_the_activity(world, client_for):
    a = held_activity(world)
    assert client_for(world.staff).get(reverse("admin:activities_activity_change", args=[a.pk])).status_code == 200
    response = client_for(world.other_staff).get(reverse("admin:activities_activity_changelist"))
    assert a.title not in response.content.decode()


def test_the_announce_action_calls_the_service(world, client_for):
    a = ActivityFactory(group=world.group)
    AttendanceFactory(activity=a, member=world.member_record)
    empty = ActivityFactory(group=world.group)
    client_for(world.staff).post(
        reverse("admin:activities_activity_changelist"), {"action": "announce", "_selected_action": [a.pk, empty.pk]}
    )
    assert dict(Activity.objects.values_list("pk", "state")) == {a.pk: "announced", empty.pk: "planned"}


def test_an_admin_edit_raises_the_version(world, client_for):
    a = ActivityFactory(group=world.group)
    client = client_for(world.staff)
    page = client.get(reverse("admin:activities_activity_change", args=[a.pk]))
    assert page.status_code == 200
    before = a.version
    data = _post_data(page)
    data["title"] = "改过的标题"
    response = client.post(reverse("admin:activities_activity_change", args=[a.pk]), data)
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.version == before + 1 and a.title == "改过的标题"


def _post_data(page) -> dict:
    """The change page's form and inline formsets posted back as they were drawn."""
    from tests.test_admin_doors import post_data

    return post_data(page)
