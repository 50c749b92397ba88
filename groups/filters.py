import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import PageFilterSet
from core.pinyin import text_or_initials
from groups.models import ActivityGroup, ContactPoint, GroupMembership, HandlingUnit, Member, Platform


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
        fields = ["committee", "kind", "level", "state", "is_active"]


class HandlingUnitFilter(django_filters.FilterSet):
    class Meta:
        model = HandlingUnit
        fields = ["committee", "is_active"]


class GroupMemberFilter(PageFilterSet):
    """The members list of a group's page: search by name, pinyin initials or work unit; the role."""

    search_placeholder = _("Name, pinyin initials or work unit")
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(
        choices=GroupMembership.Role.choices, label=_("Role"), empty_label=_("All roles")
    )

    class Meta:
        model = GroupMembership
        fields = ["q", "role"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(text_or_initials(value, via="member__") | Q(member__work_unit__icontains=value))
