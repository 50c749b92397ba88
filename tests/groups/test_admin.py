"""The admin site: every model for secretariat staff, scoped to their committees, fixed query counts."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

ORG_ADMINS = [m for m in admin.site._registry if m._meta.app_label in {"groups", "plenary", "core", "notifications"}]


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _more_data(world, n):
    for _i in range(n):
        g = f.ActivityGroupFactory(committee=world.district)
        f.MembershipFactory(group=g)
        f.ContactPointFactory(committee=world.district)
        f.PlatformFactory(committee=world.district)
        f.HandlingUnitFactory(committee=world.district)


@pytest.mark.parametrize("model", ORG_ADMINS, ids=lambda m: m._meta.model_name)
def test_every_admin_list_renders_for_staff_in_a_fixed_number_of_queries(
    world, client_for, model, django_assert_max_num_queries
):
    world.staff.is_superuser = model._meta.app_label == "core"  # the user and audit lists are superusers' tools
    world.staff.save()
    client = client_for(world.staff)
    _more_data(world, 2)
    with django_assert_max_num_queries(25) as small:
        assert client.get(_changelist(model)).status_code == 200
    _more_data(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries) + 1):
        assert client.get(_changelist(model)).status_code == 200


@pytest.mark.parametrize("model", ORG_ADMINS, ids=lambda m: m._meta.model_name)
def test_every_add_form_renders_for_staff(world, client_for, model):
    world.staff.is_superuser = model._meta.app_label == "core"
    world.staff.save()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert client_for(world.staff).get(url).status_code in (200, 403)  # audit events cannot be added by hand


@pytest.mark.parametrize("who", ["member", "convener", "leader", "unit_user"])
def test_the_admin_refuses_everyone_but_staff(world, client_for, who):
    response = client_for(getattr(world, who)).get(_changelist(type(world.member_record)))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_a_staff_login_without_a_secretariat_position_sees_no_models(world, client_for):
    lone = f.UserFactory(username="lone", is_staff=True)
    assert client_for(lone).get(_changelist(type(world.member_record))).status_code == 403


def test_staff_see_only_their_committees_members(world, client_for):
    response = client_for(world.district_staff).get(_changelist(type(world.member_record)))
    names = {m.name for m in response.context["cl"].result_list}
    assert world.member_record.name in names and world.outsider_member.name not in names


def test_staff_cannot_open_another_committees_member(world, client_for):
    url = reverse("admin:groups_member_change", args=[world.outsider_member.pk])
    assert client_for(world.staff).get(url).status_code == 302  # "does not exist" redirect, nothing shown


def test_foreign_key_choices_are_limited_to_the_staff_committees(world, client_for):
    response = client_for(world.district_staff).get(reverse("admin:groups_member_add"))
    committees = list(response.context["adminform"].form.fields["committee"].queryset)
    assert committees == [world.district]


def test_staff_edits_are_kept_in_the_history(world, client_for):
    client = client_for(world.staff)
    group = world.group
    url = reverse("admin:groups_activitygroup_change", args=[group.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"name": "东湖街道委员活动组", "committee": world.district.pk, "kind": "street", "is_active": "on"})
    for prefix in ("memberships", "ActivityGroup_contact_points"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    group.refresh_from_db()
    assert group.name == "东湖街道委员活动组"
    assert group.history.first().history_user == world.staff


def test_relation_filters_offer_only_the_staff_committees_values(world, client_for):
    f.SectorFactory(committee=world.other, name="外地界别")
    f.MemberFactory(committee=world.other, sector__name="外地界别2")
    body = client_for(world.district_staff).get(_changelist(type(world.member_record))).content.decode()
    assert "外地界别" not in body and "远山市政协" not in body
