import django_filters

from groups.models import ActivityGroup, ContactPoint, HandlingUnit, Member, Platform


class MemberFilter(django_filters.FilterSet):
    group = django_filters.NumberFilter(field_name="memberships__group", distinct=True, label="group")

    class Meta:
        model = Member
        fields = ["committee", "sector", "party", "is_standing", "status", "street", "special_committee"]


class ActivityGroupFilter(django_filters.FilterSet):
    class Meta:
        model = ActivityGroup
        fields = ["committee", "kind", "is_active", "special_committee", "sector"]


class ContactPointFilter(django_filters.FilterSet):
    group = django_filters.NumberFilter(field_name="groups", label="group")

    class Meta:
        model = ContactPoint
        fields = ["committee", "kind", "is_active", "street"]


class PlatformFilter(django_filters.FilterSet):
    class Meta:
        model = Platform
        fields = ["committee", "kind", "level", "is_active"]


class HandlingUnitFilter(django_filters.FilterSet):
    class Meta:
        model = HandlingUnit
        fields = ["committee", "is_active"]
