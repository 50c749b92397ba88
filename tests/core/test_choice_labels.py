"""``get_<field>_display`` looks the label up in a dict built once per field (``core.choices.install_choice_labels``):
Django's own rebuilds the dict of the field's choices on every call (200 calls on a list page of 50 proposals). It
must say exactly what Django's says, in both languages, for every model field with choices."""

from __future__ import annotations

from functools import partialmethod

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import translation

from core.choices import _label_of


def _fields_with_choices():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.choices and isinstance(field.choices, list | tuple):
                yield model, field


def test_every_model_field_with_choices_gets_the_quick_label():
    left = [
        f"{model.__name__}.{field.name}"
        for model, field in _fields_with_choices()
        if getattr(model.__dict__.get(f"get_{field.name}_display"), "func", None) is Model._get_FIELD_display
    ]
    assert not left
    assert any(
        getattr(model.__dict__.get(f"get_{field.name}_display"), "func", None) is _label_of
        for model, field in _fields_with_choices()
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_quick_label_says_what_djangos_says(language):
    checked = 0
    with translation.override(language):
        for model, field in _fields_with_choices():
            method = model.__dict__.get(f"get_{field.name}_display")
            if not isinstance(method, partialmethod):
                continue  # the model's own
            for value in [*(key for key, _label in field.flatchoices), "not-a-choice", None]:
                instance = model()
                try:
                    setattr(instance, field.attname, value)
                except (ValidationError, ValueError, TypeError):
                    continue  # a field that refuses the value (a time zone field checks its names)
                assert getattr(instance, f"get_{field.name}_display")() == Model._get_FIELD_display(instance, field)
                checked += 1
    assert checked > 100
