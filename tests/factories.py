"""factory_boy factories for the organisation; each app's tests add theirs beside these."""

from datetime import date

import factory
from django.conf import settings

from core.models import User
from groups.models import (
    ActivityGroup,
    Committee,
    CommitteeStaff,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    Party,
    Platform,
    Sector,
    SpecialCommittee,
    Term,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password(settings.DEMO_PASSWORD)


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    name = factory.Sequence(lambda n: f"第{n}区政协")
    level = Committee.Level.DISTRICT
    code = factory.Sequence(lambda n: f"c{n}")


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    committee = factory.SubFactory(CommitteeFactory)
    number = 14
    start_date = date(2023, 1, 1)
    end_date = date(2027, 12, 31)
    is_current = True


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"界别{n}")


class SpecialCommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialCommittee

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"专委会{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    committee = factory.SubFactory(CommitteeFactory)
    term = factory.LazyAttribute(
        lambda o: Term.objects.filter(committee=o.committee, is_current=True).first()
        or TermFactory(committee=o.committee)
    )
    sector = factory.LazyAttribute(lambda o: SectorFactory(committee=o.committee))
    name = factory.Faker("name", locale="zh_CN")
    party = Party.NONPARTY
    street = "东湖街道"
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class ActivityGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityGroup

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"活动组{n}")
    kind = ActivityGroup.Kind.STREET
    street = "东湖街道"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(ActivityGroupFactory)
    member = factory.SubFactory(MemberFactory, committee=factory.SelfAttribute("..group.committee"))
    role = GroupMembership.Role.MEMBER
    joined_on = date(2024, 1, 1)


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"联系点{n}")
    kind = ContactPoint.Kind.COMMUNITY


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"委员工作室{n}")
    kind = Platform.Kind.STUDIO
    level = Platform.Level.STREET


class HandlingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandlingUnit

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"承办单位{n}")


class StaffPositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeStaff

    user = factory.SubFactory(UserFactory, is_staff=True)
    committee = factory.SubFactory(CommitteeFactory)
    role = CommitteeStaff.Role.SECRETARIAT


class ExpertiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "groups.Expertise"

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"专长{n}")
