"""API plumbing shared by every app."""

import functools

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, serializers, status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.pagination import PageNumberPagination

from core.exceptions import ConcurrentEdit, NotPermitted
from core.paginator import LookaheadPaginator


class Pagination(PageNumberPagination):
    """Page-number pages of the API whose cost follows the page, not the list (``core.paginator``).

    A page reads ``page_size + 1`` rows: the extra one says whether there is a next page, so ``next`` is
    exact whatever the count. ``count`` is exact when the page shows the end of the list (the rows read) or the
    list holds at most ``EXACT`` rows (for rows from ``values_list``, counted up to ``EXACT + 1`` in the rows
    statement itself); past that, on PostgreSQL, it is the planner's estimate (never less than the rows up to
    this page)."""

    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = LookaheadPaginator
    template = None  # the browsable API's page controls would count every row


# The largest id a database column holds (64-bit). SQLite raises OverflowError beyond it where PostgreSQL
# answers "out of range": ids and numbers from users are checked against it first, so both answer 400/404.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object's id in a request body: a positive 64-bit integer, else 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def as_api_error(exc: DjangoValidationError) -> APIException:
    """Turn a domain ValidationError into a DRF error: 403 for ``NotPermitted``, 409 for ``ConcurrentEdit``,
    else 400 with field messages."""
    if isinstance(exc, NotPermitted):
        return PermissionDenied("；".join(str(m) for m in exc.messages))
    if isinstance(exc, ConcurrentEdit):
        return Conflict("；".join(str(m) for m in exc.messages))
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(
            {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    return serializers.ValidationError({"detail": [str(m) for m in exc.messages]})


class Conflict(APIException):
    """409: the record changed since the client last saw it (``core.exceptions.ConcurrentEdit``)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record was changed by someone else."
    default_code = "conflict"


class OrderingFilter(filters.OrderingFilter):
    """DRF's ``?ordering=`` with the row's id as the last key, so that rows sharing a value (a hundred proposals
    with no reply date yet) come in the same order on every request and a page never repeats or skips one."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering or any(key.lstrip("-") in ("pk", "id") for key in ordering):
            return ordering
        return [*ordering, "-pk" if ordering[0].startswith("-") else "pk"]


class FilterBackend(DjangoFilterBackend):
    """django-filter with every number filter bounded to what a database column holds: beyond it a 400.

    A ``NumberFilter`` on a relation (``?group=``) passes a 20-digit number straight to the query, where SQLite
    raises ``OverflowError``; bounding the filter form's fields here covers every FilterSet, declared or generated.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        asked = filterset_class is None or _asks_for(filterset_class, request.query_params)
        if not asked and _inert_when_empty(filterset_class):
            return queryset  # no filter asked of a filter set that then returns the rows as they are
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            bound_number_fields(filterset.form)
        return filterset


def _asks_for(filterset_class, params) -> bool:
    """Whether the request names a filter of ``filterset_class`` (or one of its widget's parts, ``<name>_<part>``)."""
    names = filterset_class.base_filters
    return any(key == name or key.startswith(f"{name}_") for key in params for name in names)


@functools.cache
def _inert_when_empty(filterset_class) -> bool:
    """A filter set that returns its queryset unchanged when given no data: no filter required, with a method of its
    own, or of a class other than django-filter's and ``core.filters``' (each returns the rows as they are on an
    empty value), and the set's own filtering not overridden. Building one costs a deep copy of every filter and a
    form (about 1 ms a request)."""
    from django_filters.filterset import BaseFilterSet

    if (
        filterset_class.filter_queryset is not BaseFilterSet.filter_queryset
        or filterset_class.qs is not BaseFilterSet.qs
    ):
        return False
    return all(
        f.method is None
        and not f.extra.get("required")
        and type(f).filter.__module__.startswith(("django_filters.", "core.filters"))
        for f in filterset_class.base_filters.values()
    )


def bound_number_fields(form) -> None:
    """Add ``-MAX_ID <= value <= MAX_ID`` to every number field of ``form`` (a filter form or a page's form)."""
    for field in form.fields.values():
        if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            field.validators += [MinValueValidator(-MAX_ID), MaxValueValidator(MAX_ID)]


# service function -> the API operations that call it ("GET /api/v1/...": see ``exposes``); the parity test
# (tests/test_api_parity.py) checks that every service that changes data has an entry, or a justified exclusion.
EXPOSED: dict[str, list[str]] = {}


def exposes(*services):
    """Mark a view method (an action, ``create``, ``perform_update`` …) as the API door of ``services``."""

    def mark(view_method):
        for service in services:
            EXPOSED.setdefault(f"{service.__module__}.{service.__qualname__}", []).append(view_method.__qualname__)
        return view_method

    return mark
