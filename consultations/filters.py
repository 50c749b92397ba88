import django_filters
from django import forms

from .models import ConsultationSession, Outcome, Topic


class YearFilter(django_filters.NumberFilter):
    """A calendar year (1 to 9999): anything else is a 400, never a date out of range in the query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class TopicFilter(django_filters.FilterSet):
    class Meta:
        model = Topic
        fields = ["committee", "platform", "group", "year", "state", "source"]


class SessionFilter(django_filters.FilterSet):
    year = YearFilter(field_name="starts_at", lookup_expr="year")

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
    year = YearFilter(field_name="starts_at", lookup_expr="year")

    class Meta:
        model = ConsultationSession
        fields = ["committee", "level", "form"]
