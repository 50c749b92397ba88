import django_filters
from django.db.models import Q
from django.utils import timezone

from proposals.models import Assignment, OpinionReport, Proposal


class ProposalFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(method="filter_unit", label="unit")
    key = django_filters.BooleanFilter(field_name="is_key", label="key")
    excellent = django_filters.BooleanFilter(field_name="is_excellent", label="excellent")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")

    class Meta:
        model = Proposal
        fields = ["committee", "year", "state", "category", "kind"]

    def filter_unit(self, qs, name, value):
        return qs.filter(pk__in=Assignment.objects.filter(unit_id=value, is_active=True).values("proposal_id"))

    def filter_overdue(self, qs, name, value):
        late = Q(state__in=Proposal.HANDLING_STATES, reply_due__lt=timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)


class OpinionReportFilter(django_filters.FilterSet):
    class Meta:
        model = OpinionReport
        fields = ["committee", "year", "state", "group"]
