"""Who sees what: the organisation's permission matrix, enforced in querysets."""

import pytest

from groups.access import Role, scope_of
from groups.models import ActivityGroup, HandlingUnit, Member, Sector
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_roles_follow_the_records_linked_to_a_login(world):
    assert scope_of(world.staff).roles == [Role.STAFF]
    assert scope_of(world.leader).roles == [Role.LEADER]
    assert scope_of(world.convener).roles == [Role.CONVENER, Role.MEMBER]
    assert scope_of(world.member).roles == [Role.MEMBER]
    assert scope_of(world.unit_user).roles == [Role.UNIT]


def test_city_staff_reach_their_districts_but_district_staff_not_the_city(world):
    assert scope_of(world.staff).staff_committee_ids == {world.city.pk, world.district.pk}
    assert scope_of(world.district_staff).staff_committee_ids == {world.district.pk}


def test_staff_see_only_their_own_committees_members(world):
    assert set(Member.objects.visible_to(world.staff)) == {
        world.convener_member,
        world.member_record,
        *Member.objects.filter(committee=world.district),
    }
    assert world.outsider_member not in Member.objects.visible_to(world.staff)
    assert list(Member.objects.visible_to(world.other_staff)) == [world.outsider_member]


def test_a_member_sees_only_their_own_record(world):
    assert list(Member.objects.visible_to(world.member)) == [world.member_record]


def test_a_convener_sees_the_members_of_their_own_group_only(world):
    visible = set(Member.objects.visible_to(world.convener))
    assert visible == set(Member.objects.filter(memberships__group=world.group))
    assert not visible & set(Member.objects.filter(memberships__group=world.other_group))


def test_a_convener_edits_only_their_own_group(world):
    assert list(ActivityGroup.objects.editable_by(world.convener)) == [world.group]
    assert list(ActivityGroup.objects.editable_by(world.member)) == []
    assert world.other_group in ActivityGroup.objects.editable_by(world.staff)
    assert list(ActivityGroup.objects.editable_by(world.other_staff)) == []


def test_a_unit_reads_its_committees_reference_data_but_no_members(world):
    assert list(Member.objects.visible_to(world.unit_user)) == []
    assert set(HandlingUnit.objects.visible_to(world.unit_user)) == {world.unit, world.other_unit}


def test_reference_data_of_another_committee_is_invisible(world):
    foreign = f.SectorFactory(committee=world.other)
    assert foreign not in Sector.objects.visible_to(world.staff)
    assert foreign not in Sector.objects.visible_to(world.member)


def test_a_member_who_left_the_group_loses_its_scope(world):
    from datetime import date

    world.member_record.memberships.update(left_on=date(2025, 1, 1))
    assert scope_of(f.UserFactory(username="member")).group_ids == frozenset()


def test_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Member.objects.visible_to(AnonymousUser()).exists()
    assert not ActivityGroup.objects.visible_to(AnonymousUser()).exists()
