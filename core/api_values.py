"""API list pages written from ``.values_list()``, with exactly the list serializer's output.

A page of 100 rows through a ``ModelSerializer`` builds 100 model instances and runs every field's
``get_attribute`` and ``to_representation`` on each (bench/README.md: the rows 9–10 ms against 1.4 ms for
``.values()``, the serializer 4–7 ms). ``ValuesListMixin.list`` selects the serializer's columns instead and
converts each value as its serializer field would (the field's own ``to_representation`` wherever that is not
the plain ``str``/``int``), so the JSON is the serializer's, byte for byte: ``tests/test_api_values.py``
compares both paths for every viewset using it. Detail, create, update and the actions keep the serializer.

What a list serializer's field may be, read from the model without instances (anything else is refused when
the plan is built, ``ImproperlyConfigured``, rather than answered differently):

- a model column, also through forward relations (``lead_proposer.name``: a join; through a nullable relation
  only with ``default=None`` or ``allow_null``, what the serializer answers when the relation is empty);
- a foreign key as its id (``PrimaryKeyRelatedField``), a many-to-many as its ids in the related model's order,
  as a prefetch reads them (on PostgreSQL an ``ARRAY`` subquery in the rows statement, elsewhere one query for
  the page);
- ``get_<field>_display`` (the choice's label in the request's language);
- an annotation of the viewset's queryset, by the field's name;
- what the viewset names in ``values_fields`` (a column, an annotation or an expression) or the field class in
  ``values_source`` (a field with its own ``get_attribute``: ``groups.serializers.OrganiserField``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, models
from django.db.models import OuterRef, QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import Field, empty
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField, RelatedField
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.api_fields import PrefetchedManyRelatedField
from core.choices import choice_labels

Convert = Callable[[Any], Any]

# get_attribute of these classes reads the source path and nothing else (the prefetched one: the same ids)
_PLAIN_ATTRIBUTE = {
    Field.get_attribute,
    RelatedField.get_attribute,
    ManyRelatedField.get_attribute,
    PrefetchedManyRelatedField.get_attribute,
}
_DISPLAY = re.compile(r"get_(\w+)_display")


@dataclass(frozen=True)
class _Slot:
    """One key of the output: the selected column at ``index``, converted unless ``None``; ``many``: the ids of a
    many-to-many, looked up by the row's pk (the column at ``index``)."""

    key: str
    index: int
    convert: Convert | _DateTimes | None
    many: models.ManyToManyField | None = None


@dataclass(frozen=True)
class ValuesPlan:
    """The columns a list serializer reads and how each value is written (``values_plan``)."""

    slots: tuple[_Slot, ...]
    lookups: tuple[str, ...]  # what values_list selects
    annotations: frozenset[str]  # field names the viewset's queryset must annotate
    expressions: Mapping[str, Any]  # annotated for this path only (``values_fields`` given as expressions)

    def select(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` (filtered and ordered) as the tuples of the plan's columns."""
        missing = self.annotations - queryset.query.annotations.keys()
        if missing:
            raise ImproperlyConfigured(
                f"{queryset.model.__name__}: the serializer reads {sorted(missing)}, which are neither columns nor "
                "annotations of the queryset: annotate them or name them in values_fields"
            )
        if self.expressions:
            queryset = queryset.annotate(**self.expressions)
        arrays = self._arrays(queryset.db)
        if arrays:
            queryset = queryset.annotate(**arrays)
        return queryset.prefetch_related(None).values_list(*self.lookups, *arrays)

    def _arrays(self, using: str) -> dict[str, Any]:
        """On PostgreSQL, each many-to-many's ids as a column of the rows statement (``ARRAY(subquery)``, in the
        related model's order), selected after the plan's own columns: no second query for the page."""
        if connections[using].vendor != "postgresql":
            return {}
        return {f"{s.key}_ids_array": _id_array(s.many) for s in self.slots if s.many}

    def rows(self, page: list[tuple], using: str) -> list[dict]:
        """The serializer's dicts of ``page`` (tuples from ``select``)."""
        arrays = iter(range(len(self.lookups), len(self.lookups) + len(self._arrays(using))))
        zone = timezone.get_current_timezone()
        slots = [
            (s.key, next(arrays), None)
            if s.many and connections[using].vendor == "postgresql"
            else (s.key, s.index, _many_ids(s.many, s.index, page, using) if s.many else _bound(s.convert, zone))
            for s in self.slots
        ]
        out = []
        for row in page:
            item = {}
            for key, index, convert in slots:
                value = row[index]
                item[key] = value if value is None or convert is None else convert(value)
            out.append(item)
        return out


def _bound(convert: Convert | _DateTimes | None, zone: tzinfo) -> Convert | None:
    return convert.bind(zone) if isinstance(convert, _DateTimes) else convert


def _id_array(field: models.ManyToManyField) -> Any:
    """The related ids of the outer row, in the related model's order (what ``_many_ids`` reads in one query)."""
    from django.contrib.postgres.expressions import ArraySubquery  # PostgreSQL only

    related = field.related_model._default_manager.filter(**{field.related_query_name(): OuterRef("pk")})
    return ArraySubquery(related.values("pk"))


def _many_ids(field: models.ManyToManyField, index: int, page: list[tuple], using: str) -> Convert:
    """The related ids of each row of ``page`` (its pk at ``index``): one query, in the related model's order."""
    back = field.related_query_name()
    ids: dict[Any, list] = {}
    if page:
        pairs = (
            field.related_model._default_manager.using(using)
            .filter(**{f"{back}__in": [row[index] for row in page]})
            .values_list(back, "pk")
        )
        for pk, related in pairs:
            ids.setdefault(pk, []).append(related)
    return lambda pk: ids.get(pk, [])


_PLANS: dict[tuple, ValuesPlan] = {}


def values_plan(
    serializer_class: type[serializers.BaseSerializer],
    model: type[models.Model],
    values_fields: Mapping[str, Any] | None = None,
) -> ValuesPlan:
    """The plan of ``serializer_class`` over ``model``'s rows, built once per serializer, model and
    ``values_fields`` (a mapping of output keys to a lookup or an expression)."""
    values_fields = values_fields or {}
    key = (serializer_class, model, tuple(values_fields.items()))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _build(serializer_class, model, values_fields)
    return plan


def _build(
    serializer_class: type[serializers.BaseSerializer], model: type[models.Model], values_fields: Mapping[str, Any]
) -> ValuesPlan:
    where = serializer_class.__qualname__
    if serializer_class.to_representation is not serializers.Serializer.to_representation:
        raise ImproperlyConfigured(f"{where}: its own to_representation; a values list cannot follow it")
    lookups: list[str] = []
    expressions: dict[str, Any] = {}
    annotations: set[str] = set()
    pending: list[tuple[str, str, Convert | _DateTimes | None, models.ManyToManyField | None]] = []
    serializer: Any = serializer_class()
    for key, field in serializer.fields.items():
        if field.write_only:
            continue
        declared = values_fields.get(key, getattr(field, "values_source", None))
        if isinstance(declared, str):
            pending.append((key, declared, _convert(field, f"{where}.{key}"), None))
        elif declared is not None:
            expressions[f"{key}_values"] = declared
            pending.append((key, f"{key}_values", _convert(field, f"{where}.{key}"), None))
        elif type(field).get_attribute not in _PLAIN_ATTRIBUTE or field.source == "*":
            raise ImproperlyConfigured(f"{where}.{key}: read by its own code; name its column in values_fields")
        elif isinstance(field, ManyRelatedField):
            pending.append((key, model._meta.pk.name, None, _many_field(model, field, f"{where}.{key}")))
        else:
            lookup, convert, annotation = _column(model, field, f"{where}.{key}")
            pending.append((key, lookup, convert, None))
            if annotation:
                annotations.add(lookup)
    slots = []
    for key, lookup, convert, many in pending:
        if lookup not in lookups:
            lookups.append(lookup)
        slots.append(_Slot(key, lookups.index(lookup), convert, many))
    return ValuesPlan(tuple(slots), tuple(lookups), frozenset(annotations), expressions)


class _DateTimes:
    """``DateTimeField.to_representation`` (ISO 8601 in the active time zone) with the zone looked up once a page
    (``bind``), not once a value: DRF reads it per value (``timezone.get_current_timezone``: 3 ms for the 200
    datetimes of a page of activities at load 6). Anything but an aware datetime goes to the field itself."""

    def __init__(self, field: Field):
        self.field = field

    def bind(self, zone: tzinfo) -> Convert:
        to_representation = self.field.to_representation

        def convert(value: Any) -> Any:
            if not isinstance(value, datetime) or timezone.is_naive(value):
                return to_representation(value)
            try:
                text = value.astimezone(zone).isoformat()
            except OverflowError:
                return to_representation(value)  # the field's own error
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return convert


def _convert(field: Field, where: str) -> Convert | _DateTimes | None:
    """What the serializer field makes of a non-null value from the database."""
    kind = type(field)
    iso = str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    if kind is serializers.DateTimeField and iso and not hasattr(field, "timezone") and settings.USE_TZ:
        return _DateTimes(field)
    if kind is serializers.CharField:
        return str  # CharField.to_representation
    if kind is serializers.IntegerField:
        return int  # IntegerField.to_representation
    if isinstance(field, PrimaryKeyRelatedField):
        if kind.to_representation is not PrimaryKeyRelatedField.to_representation or field.pk_field is not None:
            raise ImproperlyConfigured(f"{where}: a relation written otherwise than as its id")
        return None  # the id itself
    if isinstance(field, RelatedField):
        raise ImproperlyConfigured(f"{where}: a relation written otherwise than as its id")
    return field.to_representation


def _column(model: type[models.Model], field: Field, where: str) -> tuple[str, Convert | _DateTimes | None, bool]:
    """The lookup ``field`` reads, its conversion, and whether it is an annotation of the queryset."""
    attrs = field.source_attrs
    display = _DISPLAY.fullmatch(attrs[0]) if len(attrs) == 1 else None
    if display:
        labels = choice_labels(model._meta.get_field(display[1]))
        converted = _convert(field, where)
        label = converted if callable(converted) else str
        return display[1], lambda value: label(str(labels.get(value, value))), False
    current, nullable = model, False
    for attr in attrs[:-1]:
        relation = _field(current, attr, where)
        if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
            raise ImproperlyConfigured(f"{where}: reads through {attr}, not a forward relation")
        nullable = nullable or relation.null
        current = relation.related_model
    try:
        column = current._meta.get_field(attrs[-1])
    except FieldDoesNotExist:
        if len(attrs) > 1:
            raise ImproperlyConfigured(f"{where}: {'.'.join(attrs)} is not a column") from None
        return attrs[0], _convert(field, where), True
    if not column.concrete or column.many_to_many:
        raise ImproperlyConfigured(f"{where}: {'.'.join(attrs)} is not a column")
    if column.is_relation and not isinstance(field, PrimaryKeyRelatedField):
        raise ImproperlyConfigured(f"{where}: a relation written otherwise than as its id")
    if nullable and not (field.default is None or (field.default is empty and field.allow_null)):
        raise ImproperlyConfigured(f"{where}: through a nullable relation, without default=None or allow_null")
    return "__".join(attrs), _convert(field, where), False


def _field(model: type[models.Model], name: str, where: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"{where}: {name} is not a field of {model.__name__}") from None


def _many_field(model: type[models.Model], field: ManyRelatedField, where: str) -> models.ManyToManyField:
    relation: models.ManyToManyField = _field(model, field.source or "", where)
    child = field.child_relation
    if not (relation.many_to_many and relation.concrete) or not isinstance(child, PrimaryKeyRelatedField):
        raise ImproperlyConfigured(f"{where}: not a many-to-many written as ids")
    _convert(child, where)  # refuses ids written otherwise
    return relation


# A viewset whose ``list`` writes its page from ``.values_list()`` (``ValuesPlan``), the serializer's output exactly;
# every other action keeps the serializer. ``values_fields``: output keys the plan cannot read from the model, each a
# lookup or an expression (``{"is_read": ExpressionWrapper(Q(read_at__isnull=False), …)}``). No docstrings here:
# drf-spectacular would publish them as the description of a viewset without one of its own.
class ValuesListMixin:
    values_fields: Mapping[str, Any] = {}
    list_from_values = True  # False: the serializer's list (the parity test compares the two)

    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        if not self.list_from_values:
            return super().list(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        plan = values_plan(self.get_serializer_class(), queryset.model, self.values_fields)  # type: ignore[attr-defined]
        rows = plan.select(queryset)
        page = self.paginate_queryset(rows)  # type: ignore[attr-defined]
        if page is None:
            return Response(plan.rows(list(rows), rows.db))
        return self.get_paginated_response(plan.rows(page, rows.db))  # type: ignore[attr-defined,no-any-return]
