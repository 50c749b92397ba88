"""Selects with a search box for long lists of people and units (委员, 承办单位).

The widget only marks the ``<select>`` (``data-picker``) and gives each option its pinyin initials
(``data-initials``: ``zsf`` finds 张三丰); ``static/js/pickers.js`` turns it into a Tom Select (vendored from npm,
``make vendor``) that searches the name and the initials. Without JavaScript the native select stays and works.
``tests/core/test_pickers.py`` fails on a form field choosing members or units with another widget.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.parsing import as_id
from core.pinyin import initials

# A searched picker (``search=``) lists at most this many options in the page; past that only the chosen ones,
# the rest found by ``core.pickers`` as the user types (a committee's 16,666 members were 7 s of rendering).
LISTED_AT_MOST = 300


class SearchSelectMixin:
    """Options carry their initials; the select carries the picker's texts in the user's language."""

    def __init__(self, attrs=None, *, search: str | None = None, **kwargs):
        self.search = search  # the ``core.pickers`` source that finds options past LISTED_AT_MOST
        self.search_query: dict = {}  # its filters, set by the form (e.g. the committee)
        self._searched = False
        attrs = {
            "data-picker": "",
            "class": "form-select",
            "data-picker-placeholder": _("Type a name or its pinyin initials"),
            "data-picker-no-results": _("No match"),
            "data-picker-remove": _("Remove this choice"),
            **(attrs or {}),
        }
        super().__init__(attrs, **kwargs)

    def optgroups(self, name, value, attrs=None):
        """Every option while there are at most LISTED_AT_MOST; past that the chosen ones only (searched)."""
        iterator = self.choices
        self._searched = False
        if self.search is None or not isinstance(iterator, ModelChoiceIterator):
            return super().optgroups(name, value, attrs)
        queryset = iterator.queryset
        # Sorted after the limit, not before: a city's 50,000 members were sorted by name to list none of them
        # (80-90 ms a field, #22). At most LISTED_AT_MOST + 1 keys are read first, unsorted; past LISTED_AT_MOST the
        # rows themselves were read only to be dropped (a committee's 301 first members fetched and built on the
        # session page, 4.5 ms; their keys 0.4 ms). Otherwise the rows are read by those keys, in the field's order
        # (a list of ids: as ``pk IN (SELECT … LIMIT 301)`` PostgreSQL hashed a committee's 16,666 members against
        # the 301); none, and no second query, for an empty list.
        if queryset.query.combinator or queryset.query.is_sliced:  # cannot be filtered: read in order
            rows = list(queryset[: LISTED_AT_MOST + 1])
        else:
            ids = list(queryset.order_by().values_list("pk", flat=True)[: LISTED_AT_MOST + 1])
            rows = ids if len(ids) > LISTED_AT_MOST else list(queryset.filter(pk__in=ids)) if ids else []
        if len(rows) > LISTED_AT_MOST:
            self._searched = True
            chosen = [pk for pk in (as_id(str(v)) for v in value if v is not None) if pk]
            rows = list(iterator.queryset.filter(pk__in=chosen)) if chosen else []
        empty = [("", iterator.field.empty_label)] if iterator.field.empty_label is not None else []
        self.choices = empty + [iterator.choice(row) for row in rows]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = iterator

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self._searched:
            url = reverse("pick", args=[self.search])
            context["widget"]["attrs"]["data-picker-url"] = (
                f"{url}?{urlencode(self.search_query)}" if self.search_query else url
            )
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in (None, ""):
            instance = getattr(value, "instance", None)  # ModelChoiceIteratorValue
            letters = getattr(instance, "initials", None) or initials(str(label))
            if letters:
                option["attrs"]["data-initials"] = letters
        return option


class SearchSelect(SearchSelectMixin, forms.Select):
    """One member or unit, searchable by name and pinyin initials."""


class SearchSelectMultiple(SearchSelectMixin, forms.SelectMultiple):
    """Several members or units (co-signers, co-handling units), searchable by name and pinyin initials."""

    def __init__(self, attrs=None, **kwargs):
        super().__init__({"size": 6, **(attrs or {})}, **kwargs)
