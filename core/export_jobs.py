"""Exports built in the background when they are big: the registry of exports and the one door pages use.

Every export that can grow with a committee (the annual assessment's 16,666 members, a ledger of 100,000
activities) is registered here by its app (``<app>/exports.py``, imported at start-up) as an ``ExportKind``: who
may have it (``check``, the same rule the page applies), how many rows it will have (``rows``, one cheap count) and
how it is built (``build``). A page answers through ``respond``:

- up to ``settings.EXPORT_BACKGROUND_ROWS`` rows the export is built in the request and downloaded at once, as
  before (audited by ``core.exports.record_export``);
- past it an ``ExportJob`` is queued (``core.services.export_request``, audited), the page says it is being
  prepared, a worker builds it (``core.tasks.build_export`` → ``core.services.export_build``, once however often
  the message comes), the requester is told (``ExportFinished`` → notifications' subscriber) and downloads it from
  "My exports" (``core.views.exports``/``export_download``: the requester or the committee's staff, the kind's
  rule checked again for the one downloading).

Both paths build with the same function, so a workbook is the same whichever way it came.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from core.events import Event
from core.exceptions import NotPermitted
from core.exports import XLSX, attachment_header, record_export


@dataclass(frozen=True)
class Built:
    """An export's file and what the audit record says of it."""

    content: bytes
    filename: str
    rows: int
    what: str  # the audit record's words: "annual assessment 2 2026"
    content_type: str = XLSX
    masked: bool | None = None


@dataclass(frozen=True)
class ExportKind:
    """One export. ``check(user, params)`` raises ``NotPermitted`` unless ``user`` may have it and returns the
    committee whose staff may download a prepared copy (None: only the requester); ``rows(user, params)`` is the
    number of rows it will hold (a count, not the build); ``build(user, params)`` makes it for ``user``;
    ``title(params)`` is what the list of exports calls it."""

    name: str
    check: Callable[[Any, Mapping[str, Any]], int | None]
    rows: Callable[[Any, Mapping[str, Any]], int]
    build: Callable[[Any, Mapping[str, Any]], Built]
    title: Callable[[Mapping[str, Any]], str]


KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    """Add ``kind`` to the registry (from ``<app>/exports.py``); a name is registered once."""
    known = KINDS.get(kind.name)
    if known is not None and known is not kind:
        raise ValueError(f"export {kind.name!r} is registered already")
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> ExportKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"no export is registered as {name!r}") from None


@dataclass(frozen=True, kw_only=True)
class ExportFinished(Event):
    """An export prepared in the background is ready (``ok``) or failed; its requester hears which."""

    name = "core.export_finished"
    job_id: int
    ok: bool


def download(built: Built) -> HttpResponse:
    """A built export as a download."""
    response = HttpResponse(built.content, content_type=built.content_type)
    response["Content-Disposition"] = attachment_header(built.filename)
    return response


def respond(request: HttpRequest, name: str, params: Mapping[str, Any]) -> HttpResponse:
    """A page's answer to "export": the file at once when it is small, else a queued job and a page saying that it
    is being prepared (202). 403 when the kind's rule refuses the user, either way."""
    from django.shortcuts import render

    from core.services import export_request

    kind = kind_of(name)
    params = dict(params)
    try:
        kind.check(request.user, params)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    if kind.rows(request.user, params) <= settings.EXPORT_BACKGROUND_ROWS:
        built = kind.build(request.user, params)
        record_export(request, built.what, built.rows, file_format=_format(built), masked=built.masked)
        return download(built)
    try:
        job = export_request(actor=request.user, kind=name, params=params)  # type: ignore[arg-type]
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(request, "exports/preparing.html", {"job": job}, status=202)


def _format(built: Built) -> str:
    return built.filename.rsplit(".", 1)[-1] if "." in built.filename else "xlsx"
