import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import DateTimeYearFilter, PageFilterSet, YearChoiceFilter
from groups.models import Platform

from .models import ConsultationSession, Outcome, Topic


class TopicFilter(django_filters.FilterSet):
    class Meta:
        model = Topic
        fields = ["committee", "platform", "group", "year", "state", "source"]


class SessionFilter(django_filters.FilterSet):
    year = DateTimeYearFilter(field_name="starts_at")

    class Meta:
        model = ConsultationSession
        fields = ["committee", "platform", "group", "level", "form", "state", "is_published"]


class OutcomeFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Outcome
        fields = ["committee", "session", "unit", "state"]

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


class PublicSessionFilter(django_filters.FilterSet):
    committee = django_filters.CharFilter(field_name="committee__code")
    year = DateTimeYearFilter(field_name="starts_at")

    class Meta:
        model = ConsultationSession
        fields = ["committee", "level", "form"]


# --- the pages' lists (search, year, state; core.filters.PageFilterSet) -----------------------------------------


class SessionListFilter(PageFilterSet):
    search_placeholder = _("Title, place or topic")
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = YearChoiceFilter(field_name="starts_at", label=_("Year"), empty_label=_("All years"))
    state = django_filters.ChoiceFilter(
        choices=ConsultationSession.State.choices, label=_("State"), empty_label=_("All states")
    )
    form = django_filters.ChoiceFilter(
        choices=ConsultationSession.Form.choices, label=_("form"), empty_label=_("All forms")
    )

    class Meta:
        model = ConsultationSession
        fields = ["q", "year", "state", "form"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(title__icontains=value) | Q(place__icontains=value) | Q(topic__title__icontains=value))


class OutcomeListFilter(PageFilterSet):
    """The outcome board (``overdue=1``: the workbench's card) and the unit's outcomes."""

    search_placeholder = _("Title, session or unit")
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = YearChoiceFilter(field_name="session__starts_at", label=_("Year"), empty_label=_("All years"))
    # ``open``: handed to a unit, not answered yet (the unit card's count)
    state = django_filters.ChoiceFilter(
        choices=[("open", _("To answer")), *Outcome.State.choices],
        method="filter_state",
        label=_("State"),
        empty_label=_("All states"),
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("1", _("Overdue"))], method="filter_overdue", label=_("Deadline"), empty_label=_("Any deadline")
    )

    class Meta:
        model = Outcome
        fields = ["q", "year", "state", "overdue"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(title__icontains=value) | Q(session__title__icontains=value) | Q(unit__name__icontains=value)
        )

    def filter_state(self, qs, name, value):
        return qs.filter(state__in=Outcome.OPEN_AT_UNIT) if value == "open" else qs.filter(state=value)

    def filter_overdue(self, qs, name, value):
        return qs.overdue() if value == "1" else qs


class TopicBoardFilter(PageFilterSet):
    search_placeholder = _("Title or reasons")
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = YearChoiceFilter(field_name="year", datetime=False, label=_("Year"), empty_label=_("All years"))
    state = django_filters.ChoiceFilter(choices=Topic.State.choices, label=_("State"), empty_label=_("All states"))
    platform = django_filters.ModelChoiceFilter(
        queryset=Platform.objects.none(), label=_("Platform"), empty_label=_("All platforms")
    )

    class Meta:
        model = Topic
        fields = ["q", "year", "state", "platform"]

    def __init__(self, *args, platforms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["platform"].queryset = platforms if platforms is not None else Platform.objects.none()
        self.form.fields["platform"].queryset = self.filters["platform"].queryset

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(title__icontains=value) | Q(reasons__icontains=value))
