"""The role landing pages and the convener's group page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("staff", "workbench:home"),
        ("leader", "workbench:leader_home"),
        ("convener", "groups:my_groups"),
        ("member", "groups:my_page"),
        ("unit_user", "groups:unit_home"),
    ],
)
def test_the_landing_page_sends_each_role_where_it_works(world, client_for, who, target):
    response = client_for(getattr(world, who)).get("/")
    assert response.status_code == 302
    assert response.url == reverse(target)


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get("/").url == reverse("login")
    assert client.get(reverse("groups:my_page")).status_code == 302


def test_the_login_page_is_in_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body and 'lang="zh-hans"' in body


def test_a_convener_sees_their_group_with_members_and_contact_points(world, client_for, django_assert_max_num_queries):
    from tests import factories as f

    world.group.contact_points.add(f.ContactPointFactory(committee=world.district, name="东湖社区"))
    for _ in range(5):
        f.MembershipFactory(group=world.group)
    client = client_for(world.convener)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("groups:group_detail", args=[world.group.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.member_record.name in body and "东湖社区" in body


def test_a_convener_cannot_open_another_groups_page(world, client_for):
    response = client_for(world.convener).get(reverse("groups:group_detail", args=[world.other_group.pk]))
    assert response.status_code == 403


def test_my_groups_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    from tests import factories as f

    for _ in range(4):
        m = f.MembershipFactory(group=f.ActivityGroupFactory(committee=world.district), member=world.convener_member)
        m.role = "deputy"
        m.save()
    client = client_for(world.convener)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("groups:my_groups")).status_code == 200


@pytest.mark.parametrize("who", ["member", "unit_user", "convener"])
def test_the_dashboard_is_for_leaders_and_staff_only(world, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("groups:dashboard")).status_code == 403


def test_the_leader_dashboard_counts_the_city_and_its_districts(world, client_for, django_assert_max_num_queries):
    client = client_for(world.leader)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("groups:dashboard"))
    assert response.status_code == 200
    assert [c.name for c in response.context["committees"]] == ["临江市政协", "东湖区政协"]


def test_a_member_page_shows_their_groups(world, client_for):
    body = client_for(world.member).get(reverse("groups:my_page")).content.decode()
    assert world.group.name in body


@pytest.mark.parametrize("who", ["member", "convener", "leader"])
def test_only_a_unit_opens_the_unit_page(world, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("groups:unit_home")).status_code == 403
