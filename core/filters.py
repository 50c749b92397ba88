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
