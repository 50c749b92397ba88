import django_filters

from core.filters import DateTimeYearFilter

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
