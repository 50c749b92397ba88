"""The admin's spreadsheet import: the project's all-or-nothing ``table_import`` with its limits, xlsx and csv only,
hostile files refused before anything parses them, messages naming the row Excel shows and the Chinese column."""

import io
import time

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.admin import ExportMixin, ImportMixin

from bench.hostile_import import bomb_xlsx, formula_xlsx, many_rows_xlsx, member_row, members_xlsx
from core.models import AuditEvent
from groups.models import Member
from groups.resources import MemberResource
from groups.services import table_import
from tests import factories as f

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:groups_member_import"


@pytest.fixture
def setup(world):
    from groups.models import Term

    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")
    return world


def _post(client, name: str, data: bytes):
    return client.post(reverse(IMPORT_URL), {"import_file": SimpleUploadedFile(name, data)})


def _file_errors(response) -> list[str]:
    return [*response.context["form"].errors.get("import_file", []), *response.context["errors"]]


def test_admin_import_saves_every_row_through_the_service(setup, client_for):
    before = Member.objects.count()
    data = members_xlsx([member_row(), member_row("王芳", "13912345679")])
    response = _post(client_for(setup.district_staff), "members.xlsx", data)
    assert response.status_code == 302
    assert Member.objects.count() == before + 2
    assert AuditEvent.objects.filter(verb="imported", data__rows=2).exists()


def test_admin_import_saves_nothing_when_one_row_is_wrong(setup, client_for):
    before = Member.objects.count()
    data = members_xlsx([member_row(), member_row("王芳", "not a phone")])
    response = _post(client_for(setup.district_staff), "members.csv".replace("csv", "xlsx"), data)
    assert response.status_code == 200
    assert Member.objects.count() == before
    assert any(e.startswith("第 3 行“手机”列") for e in _file_errors(response)), _file_errors(response)


def test_row_numbers_are_the_ones_excel_shows_even_after_blank_rows(setup):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
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
    )
    sheet.append(member_row())
    sheet.append([None] * 13)  # row 3: blank, skipped
    sheet.append(member_row("王芳", "12"))  # row 4
    out = io.BytesIO()
    book.save(out)
    report = table_import(
        resource_class=MemberResource, data=out.getvalue(), file_format="xlsx", actor=setup.district_staff
    )
    assert {e.row for e in report.errors} == {4}


def test_row_messages_never_say_none_and_name_chinese_columns(setup):
    rows = [
        [None, None, None, "x", None, None, "y", "z", None, None, None, "1", "@"],
        ["东湖区政协", None, "", None, None, None, None, None, None, None, None, None, None],
    ]
    report = table_import(
        resource_class=MemberResource, data=members_xlsx(rows), file_format="xlsx", actor=setup.district_staff
    )
    assert report.errors
    for error in report.errors:
        text = str(error)
        assert "None" not in text, text
        assert not error.column or not error.column.isascii(), text  # a Chinese column name, never an attribute
        assert error.row in (2, 3)


def test_csv_saved_by_chinese_excel_is_read(setup):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
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
    )
    writer.writerow(member_row())
    report = table_import(
        resource_class=MemberResource,
        data=out.getvalue().encode("gb18030"),
        file_format="csv",
        actor=setup.district_staff,
    )
    assert report.ok and report.created == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("members.yaml", "- 姓名: 林晓东\n".encode()),
        ("members.json", b'[{"name": "x"}]'),
        ("members.html", b"<table><tr><td>x</td></tr></table>"),
        ("members.xls", b"\xd0\xcf\x11\xe0"),
        ("members", b"x"),
    ],
)
def test_admin_import_takes_only_xlsx_and_csv(setup, client_for, name, data):
    response = _post(client_for(setup.district_staff), name, data)
    assert response.status_code == 200
    assert _file_errors(response) == ["只能导入 Excel（.xlsx）或 CSV（.csv）文件。"]


def test_every_import_and_export_offers_xlsx_and_csv_only():
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, ImportMixin):
            assert {fmt().get_title() for fmt in model_admin.get_import_formats()} == {"xlsx", "csv"}, model_admin
        if isinstance(model_admin, ExportMixin):
            assert {fmt().get_title() for fmt in model_admin.get_export_formats()} <= {"xlsx", "csv"}, model_admin


def test_the_stock_confirm_step_is_closed(setup, client_for):
    response = client_for(setup.district_staff).post(
        reverse("admin:groups_member_process_import"), {"import_file_name": "../../etc/passwd", "format": "0"}
    )
    assert response.status_code == 404


def _refused_quickly(client, name, data, expected: str):
    import tracemalloc

    before = Member.objects.count()
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = _post(client, name, data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    errors = _file_errors(response)
    assert any(expected in e for e in errors), errors
    assert time.monotonic() - started < 5
    assert peak < 64 * 1024 * 1024, f"{peak // 2**20} MB"
    assert Member.objects.count() == before


def test_admin_import_refuses_a_compression_bomb_within_seconds(setup, client_for):
    bomb = bomb_xlsx(300)
    assert len(bomb) < 2 * 1024 * 1024
    _refused_quickly(client_for(setup.district_staff), "bomb.xlsx", bomb, "MB")


def test_admin_import_refuses_a_million_rows_within_seconds(setup, client_for):
    _refused_quickly(client_for(setup.district_staff), "rows.xlsx", many_rows_xlsx(1_000_000), "40000")


def test_admin_import_refuses_formula_cells_naming_their_row_and_column(setup, client_for):
    _refused_quickly(client_for(setup.district_staff), "formula.xlsx", formula_xlsx(), "第 2 行“手机”列")


def test_admin_import_refuses_an_oversized_upload_before_reading_it(setup, client_for, monkeypatch):
    import groups.services

    monkeypatch.setattr(groups.services, "MAX_IMPORT_BYTES", 1000)
    response = _post(client_for(setup.district_staff), "big.csv", b"x" * 2000)
    assert _file_errors(response) and "MB" in _file_errors(response)[0]


def test_a_district_cannot_import_members_into_another_committee(setup, client_for):
    row = member_row()
    row[0] = setup.city.name
    before = Member.objects.count()
    response = _post(client_for(setup.district_staff), "members.xlsx", members_xlsx([row]))
    assert Member.objects.count() == before
    assert any("政协组织" in e for e in _file_errors(response))
