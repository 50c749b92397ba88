"""The organisation API: same permissions as the web, fixed query counts, token login."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

LISTS = ["committee", "sector", "member", "group", "contact-point", "platform", "handling-unit"]


def _grow(world, n):
    for _ in range(n):
        g = f.ActivityGroupFactory(committee=world.district)
        f.MembershipFactory(group=g)
        g.contact_points.add(f.ContactPointFactory(committee=world.district))
        f.PlatformFactory(committee=world.district)
        f.HandlingUnitFactory(committee=world.district)


@pytest.mark.parametrize("name", LISTS)
def test_every_list_runs_a_fixed_number_of_queries(world, client_for, name, django_assert_max_num_queries):
    client = client_for(world.staff)
    url = reverse(f"api:{name}-list")
    _grow(world, 2)
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200
    _grow(world, 15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_requests_are_refused(client, db, name):
    assert client.get(reverse(f"api:{name}-list")).status_code in (401, 403)


def test_a_member_lists_only_themself(world, client_for):
    data = client_for(world.member).get(reverse("api:member-list")).json()
    assert [m["id"] for m in data["results"]] == [world.member_record.pk]


def test_another_committees_member_is_not_found(world, client_for):
    url = reverse("api:member-detail", args=[world.outsider_member.pk])
    assert client_for(world.staff).get(url).status_code == 404


def test_a_convener_lists_only_their_groups_members(world, client_for):
    f.MembershipFactory(group=world.other_group)
    ids = {m["id"] for m in client_for(world.convener).get(reverse("api:member-list")).json()["results"]}
    assert ids == set(world.group.memberships.values_list("member_id", flat=True))


def test_groups_filter_by_kind_and_search_by_name(world, client_for):
    client = client_for(world.staff)
    f.ActivityGroupFactory(
        committee=world.district,
        name="工商联界别活动组",
        kind="sector",
        sector=f.SectorFactory(committee=world.district),
    )
    names = [g["name"] for g in client.get(reverse("api:group-list"), {"kind": "sector"}).json()["results"]]
    assert names == ["工商联界别活动组"]
    names = [g["name"] for g in client.get(reverse("api:group-list"), {"search": "湖滨"}).json()["results"]]
    assert names == ["湖滨街道活动组"]


def test_lists_are_paginated(world, client_for):
    for _ in range(3):
        f.MemberFactory(committee=world.district)
    data = client_for(world.staff).get(reverse("api:member-list"), {"page_size": 2}).json()
    assert len(data["results"]) == 2 and data["next"] and data["count"] >= 5


def test_a_token_is_issued_for_a_username_and_password_and_me_reports_the_roles(world, client):
    response = client.post(reverse("api:token"), {"username": "convener", "password": "demo-pass-2026"})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Token {token}").json()
    assert me["roles"] == ["convener", "member"]
    assert me["member_id"] == world.convener_member.pk
    assert me["convened_group_ids"] == [world.group.pk]


def test_a_wrong_password_gets_a_400_with_a_message(world, client):
    response = client.post(reverse("api:token"), {"username": "convener", "password": "wrong"})
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_the_openapi_schema_and_offline_docs_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
