"""``core.exports.Workbook`` writes the same workbook as openpyxl (#22: its own writer keeps a sheet in memory and
writes a row of plain cells at once): every part of the zip is the same XML, for write-only and normal workbooks,
with every kind of value a sheet takes (text that needs escaping or keeps its spaces, numbers, booleans, empty
cells, dates, styled cells, a formula-like text, a hyperlink, a comment)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zipfile import ZipFile

import openpyxl
import pytest
from django.utils.safestring import mark_safe
from lxml import etree
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core import exports
from core.exports import Workbook, neutralise

ROWS = [
    ["name", "n", "share", "flag", "empty", "none", "day"],
    ["张伟", 1, 2.5, True, "", None, date(2026, 12, 7)],
    ["a & b <c> \"d\" 'e'", -3, 1e-7, False, " padded ", 0, datetime(2026, 12, 7, 8, 30)],
    ["line\nbreak\tand\rreturn", 2**40, 12345678.9, None, "x", Decimal("1.25"), None],
    ['=HYPERLINK("http://x")', "+1", "-", "@a", "#N/A", "\x01bad\x02", "ok"],
    [None, None, None, None, None, None, None],
    ["长" * 40000, 7, float("nan"), float("inf"), "tail", "", "\u2028"],
    ["\u3000全角", True, 2**60, Decimal("-0.50"), "a&b>c", "\r\n", mark_safe("<b>safe</b>")],
    ["end\u3000", 3.0, -(2**53), Decimal("1E+3"), "x\r", " ", "#REF!"],
]


def _parts(content: bytes) -> dict[str, bytes]:
    """Each part of the workbook, its XML canonicalised (the same infoset: ``<c/>`` and ``<c></c>`` alike)."""
    with ZipFile(BytesIO(content)) as archive:
        return {
            name: etree.tostring(etree.fromstring(archive.read(name)), method="c14n")
            for name in archive.namelist()
            if name != "docProps/core.xml"  # the time it was written
        }


def _guarded_append(sheet, row) -> None:
    """openpyxl's ``append`` behind the formula guard alone."""
    WriteOnlyWorksheet.append(sheet, [exports._cell(sheet, value) for value in row])


def _appended(sheet, rows) -> None:
    for row in rows:
        sheet.append(row)


def _stock(make, monkeypatch) -> bytes:
    """The same workbook made and written by openpyxl's own writer (the formula guard kept)."""
    with monkeypatch.context() as patch:
        patch.setattr(exports._SafeWriteOnlySheet, "append", _guarded_append)
        patch.setattr(exports._SafeWriteOnlySheet, "_get_writer", WriteOnlyWorksheet._get_writer)
        patch.setattr(exports._SafeWriteOnlySheet, "_values_to_row", WriteOnlyWorksheet._values_to_row)
        patch.setattr(exports._SafeWriteOnlySheet, "_write_rows", WriteOnlyWorksheet._write_rows)
        patch.setattr(exports._SafeWriteOnlySheet, "extend", _appended)
        book = make()
        out = BytesIO()
        openpyxl.Workbook.save(book, out)
    return out.getvalue()


def _ours(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write_only() -> Workbook:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.column_dimensions["A"].width = 30
    sheet.freeze_panes = "A2"
    for row in ROWS:
        sheet.append(row)
    book.create_sheet("empty")
    return book


def _extended() -> Workbook:
    """The rows given to ``extend`` (plain and not, a generator of rows, an empty row) between rows appended."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.extend(iter(ROWS[:3]))
    sheet.append(ROWS[3])
    sheet.extend([*ROWS[4:], [], (x for x in ["gen", 1]), ("tuple", 2.5)])
    sheet.extend([])
    sheet.extend(["plain", n] for n in range(20))
    sheet.append(["last"])
    book.create_sheet("only extended").extend(["x", n] for n in range(3))
    return book


def _normal() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    for row in ROWS:
        sheet.append(row)
    sheet["B2"].font = Font(bold=True)
    sheet["E6"].font = Font(italic=True)  # a styled empty cell
    sheet["A9"].hyperlink = "https://example.org/?a=1&b=2"
    sheet["A10"] = "with a comment"
    sheet["A10"].comment = Comment("note", "staff")
    sheet.row_dimensions[11].height = 30
    sheet["A11"] = "tall"
    book.create_sheet("second").append(["x", 1])
    return book


@pytest.mark.parametrize("make", [_write_only, _extended, _normal], ids=["write-only", "extended", "normal"])
@pytest.mark.parametrize("held", [exports.ROWS_HELD, 2])
def test_the_parts_are_openpyxls(make, held, monkeypatch):
    monkeypatch.setattr(exports, "ROWS_HELD", held)
    assert _parts(_ours(make())) == _parts(_stock(make, monkeypatch))


@pytest.mark.parametrize("write_only", [True, False])
def test_extend_is_append_row_by_row(write_only):
    """Every sheet takes ``extend``; its rows read back as appended, in order, after the ones appended before."""
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("rows")
    sheet.append(["first"])
    sheet.extend([["a", 1], ["=SUM(A1)", date(2026, 1, 1)], [None, "b"]])
    sheet.append(["last"])
    rows = list(openpyxl.load_workbook(BytesIO(_ours(book)))["rows"].iter_rows(values_only=True))
    assert rows == [
        ("first", None),
        ("a", 1),
        ("=SUM(A1)", datetime(2026, 1, 1)),
        (None, "b"),
        ("last", None),
    ]


def test_extend_after_saving_fails_as_append_does():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("rows")
    sheet.extend([["a"]])
    _ours(book)
    with pytest.raises(Exception) as appended:  # noqa: PT011 (whatever openpyxl raises)
        sheet.append(["b"])
    with pytest.raises(appended.type):
        sheet.extend([["b"], ["c"]])


def test_the_values_read_back():
    book = openpyxl.load_workbook(BytesIO(_ours(_write_only())))
    rows = list(book["data"].iter_rows(values_only=True))
    assert rows[1][:5] == ("张伟", 1, 2.5, True, None)
    assert rows[2][0] == "a & b <c> \"d\" 'e'" and rows[2][4] == " padded "
    assert rows[3][0] == "line\nbreak\tand\rreturn"
    assert rows[4][0] == '=HYPERLINK("http://x")'  # text, never a formula
    assert book["data"]["A5"].data_type == "s" and book["data"]["A5"].quotePrefix
    assert rows[4][5] == neutralise("\x01bad\x02")
    assert len(rows[6][0]) == exports.STRING_MAX


def test_a_big_sheet_spills_to_disk(monkeypatch):
    monkeypatch.setattr(exports, "SPOOL_BYTES", 1024)
    monkeypatch.setattr(exports, "ROWS_HELD", 7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("big")
    for n in range(500):
        sheet.append([f"row {n}", n])
    assert sheet._writer.out._rolled
    rows = list(openpyxl.load_workbook(BytesIO(_ours(book)))["big"].iter_rows(values_only=True))
    assert rows[-1] == ("row 499", 499)
