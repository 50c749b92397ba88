import django_filters
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import PageFilterSet, YearChoiceFilter
from core.parsing import as_id
from groups.models import Committee
from proposals.models import Assignment, Category, OpinionReport, Proposal


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


class ReviewFilter(django_filters.FilterSet):
    """The review queue's filters: state, category, kind, committee (the staff's own), likely duplicates, a
    search over title, number and lead proposer, and the order."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    state = django_filters.ChoiceFilter(
        choices=[
            *[(s.value, s.label) for s in Proposal.REVIEW_STATES],
            (Proposal.State.FILED.value, _("Filed, waiting to be assigned")),
        ],
        label=_("state"),
        empty_label=_("All under review"),
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("category"), empty_label=_("All"))
    kind = django_filters.ChoiceFilter(choices=Proposal.Kind.choices, label=_("kind"), empty_label=_("All"))
    committee = django_filters.ModelChoiceFilter(
        queryset=Committee.objects.none(), label=_("committee"), empty_label=_("All")
    )
    duplicates = django_filters.ChoiceFilter(
        method="filter_duplicates",
        label=_("likely duplicates"),
        empty_label=_("All"),
        choices=[("yes", _("With likely duplicates")), ("no", _("Without likely duplicates"))],
    )
    order = django_filters.ChoiceFilter(
        method="filter_order",
        label=_("order"),
        empty_label=None,
        choices=[
            ("submitted", _("Submitted, oldest first")),
            ("-submitted", _("Submitted, newest first")),
            ("-similarity", _("Most alike first")),
        ],
    )
    ORDERS = {
        "submitted": ("submitted_at", "pk"),
        "-submitted": ("-submitted_at", "-pk"),
        "-similarity": ("-best_score", "submitted_at", "pk"),
    }

    class Meta:
        model = Proposal
        fields = ["q", "state", "category", "kind", "committee", "duplicates"]

    def __init__(self, *args, committees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["committee"].queryset = committees if committees is not None else Committee.objects.none()
        for name, field in self.form.fields.items():  # Bootstrap's sizes: 44-px controls on phones
            field.widget.attrs.setdefault("class", "form-control" if name == "q" else "form-select")

    def filter_search(self, qs, name, value):
        value = value.strip()
        match = Q(title__icontains=value) | Q(lead_proposer__name__icontains=value)
        number = as_id(value.removeprefix("第").removesuffix("号"))
        if number and number < 2**31:  # a serial number is a 32-bit column
            match |= Q(serial_number=number)
        return qs.filter(match)

    def filter_order(self, qs, name, value):
        return qs.order_by(*self.ORDERS.get(value, self.ORDERS["submitted"]))

    def filter_duplicates(self, qs, name, value):
        return qs.filter(duplicates__gt=0) if value == "yes" else qs.filter(duplicates=0) if value == "no" else qs


class ReportListFilter(PageFilterSet):
    """Staff's list of public-opinion reports: this year's unless another year (or all) is chosen; search by
    title, author or group; the state."""

    search_placeholder = _("Title, author or group")
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = YearChoiceFilter(field_name="year", datetime=False, label=_("Year"), empty_label=_("All years"))
    state = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in OpinionReport.State if s != OpinionReport.State.DRAFT],
        label=_("state"),
        empty_label=_("All states"),
    )

    class Meta:
        model = OpinionReport
        fields = ["q", "year", "state"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("year", str(timezone.localdate().year))  # the year's work first, as before
        super().__init__(data, *args, **kwargs)

    def more_years(self) -> set[int]:
        return {timezone.localdate().year}

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(title__icontains=value) | Q(author__name__icontains=value) | Q(group__name__icontains=value))
