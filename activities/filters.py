import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from core.filters import DateTimeDayFilter
from core.widgets import SearchSelect
from groups.models import ActivityGroup


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
    """The groups offered: what an option shows (its name and pinyin initials), not each group's whole row (the
    picker reads 301 of a city's groups to learn that it has more than it lists: 6 of the ledger's ms at 50k, #22)."""
    if not request:
        return ActivityGroup.objects.none()
    return ActivityGroup.objects.visible_to(request.user).only("pk", "name", "initials")
