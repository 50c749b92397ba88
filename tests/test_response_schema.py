"""The published schema tells the truth about response fields that can be empty.

A read-only field whose value can be ``None`` (a ``default=None``, or read through a relation that may be
missing) must say ``allow_null``; a choice field whose model field may be blank must allow ``""``, or the
response breaks the schema clients generate code from (``lead_unit_name`` and ``issue_label`` were null without
``allow_null``; ``sign_in_method`` was ``""`` outside its enum). Checked on every serializer of every app, so a
new field is checked too; schemathesis (tests/test_api_fuzz.py) checks real responses.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import pytest
from django.db import models
from rest_framework import serializers
from rest_framework.fields import empty


def _serializer_modules() -> list[str]:
    from tests.conftest import project_modules

    return project_modules("serializers")


def test_every_app_with_serializers_is_checked():
    assert {"activities.serializers", "plenary.serializers", "groups.serializers"} <= set(_serializer_modules())


def _serializers():
    for name in _serializer_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, serializers.Serializer) and cls.__module__ == name:
                yield cls


def _model_field(model, source: str):
    """The model field at the start of ``source`` (``lead_unit`` of ``lead_unit.name``), if any."""
    try:
        return model._meta.get_field(source.split(".")[0])
    except Exception:  # noqa: BLE001 - a property or an annotation
        return None


def _problems(cls) -> list[str]:
    found = []
    model = getattr(getattr(cls, "Meta", None), "model", None)
    for name, field in cls().fields.items():
        where = f"{cls.__module__}.{cls.__name__}.{name}"
        if field.default is None and not field.allow_null:
            found.append(f"{where}: default=None without allow_null=True")
        if model is None or not field.read_only or isinstance(field, serializers.SerializerMethodField):
            continue
        source = field.source or name
        model_field = _model_field(model, source)
        if model_field is None or not model_field.concrete:  # a property, an annotation or a reverse relation
            continue
        through_nullable = "." in source and getattr(model_field, "null", False)
        if (
            (through_nullable or (model_field.null and not model_field.many_to_many))
            and not field.allow_null
            and field.default is empty
        ):
            found.append(f"{where}: can be null ({source}) without allow_null=True")
        if (
            isinstance(field, serializers.ChoiceField)
            and "." not in source
            and model_field.blank
            and isinstance(model_field, models.CharField)
            and not field.allow_blank
        ):
            found.append(f"{where}: the model allows '' but the schema's enum does not (allow_blank=True)")
    return found


@pytest.mark.django_db
def test_response_fields_that_can_be_empty_say_so_in_the_schema():
    problems = [p for cls in _serializers() for p in _problems(cls)]
    assert not problems, "\n".join(problems)
