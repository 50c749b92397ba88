"""Selects with a search box for long lists of people and units (委员, 承办单位).

The widget only marks the ``<select>`` (``data-picker``) and gives each option its pinyin initials
(``data-initials``: ``zsf`` finds 张三丰); ``static/js/pickers.js`` turns it into a Tom Select (vendored from npm,
``make vendor``) that searches the name and the initials. Without JavaScript the native select stays and works.
``tests/core/test_pickers.py`` fails on a form field choosing members or units with another widget.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.pinyin import initials


class SearchSelectMixin:
    """Options carry their initials; the select carries the picker's texts in the user's language."""

    def __init__(self, attrs=None, **kwargs):
        attrs = {
            "data-picker": "",
            "class": "form-select",
            "data-picker-placeholder": _("Type a name or its pinyin initials"),
            "data-picker-no-results": _("No match"),
            "data-picker-remove": _("Remove this choice"),
            **(attrs or {}),
        }
        super().__init__(attrs, **kwargs)

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
