"""django-filter filters on datetime columns by calendar day or year, as index-friendly ranges (``core.dates``)."""

from __future__ import annotations

import django_filters
from django import forms
from django_filters.constants import EMPTY_VALUES

from core.dates import during, in_year


class _RangeFilter:
    def _apply(self, qs, condition):
        qs = self.get_method(qs)(condition)
        return qs.distinct() if self.distinct else qs


class DateTimeDayFilter(_RangeFilter, django_filters.DateFilter):
    """A date-from (``lookup_expr="gte"``) or date-to (``"lte"``) on a datetime field, both days included.

    ``starts_at >= first 00:00`` or ``starts_at < the day after 00:00`` (local), never ``starts_at__date__gte``.
    """

    def __init__(self, *args, lookup_expr="gte", **kwargs):
        if lookup_expr not in ("gte", "lte"):
            raise ValueError("DateTimeDayFilter takes lookup_expr 'gte' (from) or 'lte' (to)")
        super().__init__(*args, lookup_expr=lookup_expr, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        first, last = (value, None) if self.lookup_expr == "gte" else (None, value)
        return self._apply(qs, during(self.field_name, first, last))


class DateTimeYearFilter(_RangeFilter, django_filters.NumberFilter):
    """A calendar year (1 to 9999; anything else is a 400) on a datetime field: a range on the column itself."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return self._apply(qs, in_year(self.field_name, int(value)))


class PageFilterSet(django_filters.FilterSet):
    """A list page's filters (``templates/includes/filter_form.html``): a search box ``q`` and selects, each at
    Bootstrap's 44-px size and named for assistive technology.

    A ``year`` filter (``YearChoiceFilter``) offers the years the user's rows have (one query), newest first:
    numbers and titles repeat across years, so the year is shown and filtered.
    """

    search_placeholder = None

    def more_years(self) -> set[int]:
        """Years offered even without rows (e.g. the current year a list opens on)."""
        return set()

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        for flt in self.filters.values():
            if isinstance(flt, YearChoiceFilter):
                flt.extra["choices"] = flt.years(self.queryset, also=self.more_years())
        for name, field in self.form.fields.items():
            widget = field.widget
            if name == "q":
                widget.input_type = "search"
                widget.attrs.setdefault("class", "form-control")
                if self.search_placeholder:
                    widget.attrs.setdefault("placeholder", self.search_placeholder)
            else:
                widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
            widget.attrs.setdefault("aria-label", field.label)


class YearChoiceFilter(_RangeFilter, django_filters.ChoiceFilter):
    """The year of a datetime column (a range on the column, ``core.dates.in_year``) or an integer year column
    (``datetime=False``), offered as the years present in the page's rows."""

    def __init__(self, *args, datetime: bool = True, **kwargs):
        self.on_datetime = datetime
        super().__init__(*args, choices=[], **kwargs)

    def years(self, queryset, also=frozenset()) -> list[tuple[int, str]]:
        """The years of the rows, newest first, and ``also``. On a datetime column: every local year from the first
        row's to the last's, from the column's least and greatest values (two reads of its index, where it has one),
        not the distinct years of every row (#22: a scan of all the rows the list could show, on every page; a year
        inside the span without rows is offered and lists none)."""
        if self.on_datetime:
            from django.db.models import Max, Min
            from django.utils import timezone

            span = queryset.order_by().aggregate(first=Min(self.field_name), last=Max(self.field_name))
            found = set()
            if span["first"] is not None:
                first, last = (timezone.localtime(span[end]).year for end in ("first", "last"))
                found = set(range(first, last + 1))
        else:
            found = set(queryset.order_by().values_list(self.field_name, flat=True).distinct())
        return [(y, str(y)) for y in sorted({y for y in found if y} | set(also), reverse=True)]

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if not self.on_datetime:
            return qs.filter(**{self.field_name: int(value)})
        return self._apply(qs, in_year(self.field_name, int(value)))
