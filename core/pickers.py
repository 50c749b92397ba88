"""Searched pickers: the options of a long member, unit or proposal list come from the server as the user types.

A form field's ``SearchSelect(search="members")`` lists its options in the page while there are at most
``core.widgets.LISTED_AT_MOST`` of them; past that the page carries only the chosen ones and the picker asks
``pick/<name>/?q=…`` (the field's extra filters, such as ``committee``, in the widget's ``search_query``) for the
first ``FOUND_AT_MOST`` matches. Each app registers its sources here (``register``) with what the user may read:
a source offers a superset of a form's choices at most, never more than the user reads, and the form still
validates the submitted id against its own queryset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, JsonResponse

from core.parsing import as_id

FOUND_AT_MOST = 20


@dataclass(frozen=True)
class Source:
    rows: Callable  # (user, request.GET) -> the queryset the user may pick from, filtered by the request's filters
    search: Callable  # (queryset, q) -> the rows matching the typed text, in the order shown
    label: Callable = str


SOURCES: dict[str, Source] = {}


def register(name: str, rows: Callable, search: Callable, label: Callable = str) -> None:
    SOURCES[name] = Source(rows, search, label)


def committee_filter(qs: QuerySet, params, field: str = "committee_id") -> QuerySet:
    """The ``committee`` filter every source takes (a form's committee): ignored unless a number."""
    committee = as_id(params.get("committee", ""))
    return qs.filter(**{field: committee}) if committee else qs


@login_required
def pick(request, name: str):
    """The first ``FOUND_AT_MOST`` rows of source ``name`` matching ``q``, as ``{"results": [{value, text}]}``."""
    source = SOURCES.get(name)
    if source is None:
        raise Http404
    q = request.GET.get("q", "").strip()[:50]
    rows = source.search(source.rows(request.user, request.GET), q)[:FOUND_AT_MOST] if q else []
    return JsonResponse({"results": [{"value": row.pk, "text": source.label(row)} for row in rows]})
