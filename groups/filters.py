import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import DateTimeDayFilter, PageFilterSet
from core.pinyin import initials_query
from core.widgets import SearchSelect
from groups.models import Activity, ActivityGroup, ContactPoint, GroupMembership, HandlingUnit, Member, Platform


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


class ActivityFilter(django_filters.FilterSet):
    """The ledger's filters (web and API): committee, group, type, 三进 target, date range, state."""

    committee = django_filters.ModelChoiceFilter(queryset=lambda request: _committees(request), label=_("Committee"))
    group = django_filters.ModelChoiceFilter(
        queryset=lambda request: _groups(request), label=_("Group"), widget=SearchSelect(search="groups")
    )
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Type"))
    target = django_filters.ChoiceFilter(choices=Activity.Target.choices, label=_("Three enters target"))
    state = django_filters.ChoiceFilter(choices=Activity.State.choices, label=_("State"))
    date_from = DateTimeDayFilter(
        field_name="starts_at", lookup_expr="gte", label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateTimeDayFilter(
        field_name="starts_at", lookup_expr="lte", label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Activity
        fields = ["committee", "group", "kind", "target", "state", "date_from", "date_to"]


def _committees(request):
    from groups.models import Committee

    return Committee.objects.visible_to(request.user) if request else Committee.objects.none()


def _groups(request):
    return ActivityGroup.objects.visible_to(request.user) if request else ActivityGroup.objects.none()


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
        match = Q(member__name__icontains=value) | Q(member__work_unit__icontains=value)
        letters = initials_query(value)
        if letters:
            match |= Q(member__initials__startswith=letters)
        return qs.filter(match)
