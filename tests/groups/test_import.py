"""Excel import of members and groups: all or nothing, with row-level messages in Chinese."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from core.exceptions import DomainError
from groups.models import ActivityGroup, Member
from groups.resources import ActivityGroupResource, MemberResource
from groups.services import table_import
from tests import factories as f

pytestmark = pytest.mark.django_db

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


def _xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def setup(world):
    from groups.models import Term

    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")
    return world


def _row(name="林晓东", phone="13912345678", sector="教育界", party="无党派人士", **kw):
    return ["东湖区政协", 9, name, "男", sector, "", party, "是", "区实验小学", "校长", "东湖街道", phone, ""]


def test_a_good_file_imports_every_row(setup):
    before = Member.objects.count()
    with translation.override("zh-hans"):
        report = table_import(
            resource_class=MemberResource,
            data=_xlsx([_row(), _row("王芳", "13912345679")]),
            file_format="xlsx",
            actor=setup.district_staff,
        )
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 2 and Member.objects.count() == before + 2
    imported = Member.objects.get(phone="13912345678")
    assert imported.is_standing and imported.gender == "m" and imported.sector.name == "教育界"


def test_a_bad_row_is_reported_by_row_and_column_in_chinese_and_nothing_is_saved(setup):
    before = Member.objects.count()
    rows = [
        _row(),  # row 2: fine
        _row("张三", "13912345670", sector="外星界"),  # row 3: unknown sector
        _row("李四", "12345"),  # row 4: malformed phone
        _row("", "13912345671"),  # row 5: blank name
        _row("赵六", "13912345678"),  # row 6: duplicate phone of row 2
    ]
    with translation.override("zh-hans"):
        report = table_import(
            resource_class=MemberResource, data=_xlsx(rows), file_format="xlsx", actor=setup.district_staff
        )
        messages = [str(e) for e in report.errors]
    assert not report.ok
    assert Member.objects.count() == before
    by_row = {e.row: e for e in report.errors}
    assert set(by_row) == {3, 4, 5, 6}
    assert by_row[3].column == "界别" and "外星界" in by_row[3].message
    assert by_row[4].column == "手机"
    assert by_row[5].column == "姓名"
    assert "已有使用该手机号码" in by_row[6].message
    assert all("第" in m and "行" in m for m in messages), messages


def test_staff_cannot_import_into_a_committee_they_do_not_administer(setup):
    with translation.override("zh-hans"):
        report = table_import(
            resource_class=MemberResource, data=_xlsx([_row()]), file_format="xlsx", actor=setup.other_staff
        )
    assert not report.ok and report.errors[0].column == "政协组织"
    assert not Member.objects.filter(phone="13912345678").exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(setup):
    with translation.override("zh-hans"), pytest.raises(DomainError, match="无法"):
        table_import(
            resource_class=MemberResource, data=b"PK\x03\x04 not really", file_format="xlsx", actor=setup.staff
        )


def test_missing_columns_are_named(setup):
    with translation.override("zh-hans"), pytest.raises(DomainError, match="姓名"):
        table_import(
            resource_class=MemberResource,
            data=_xlsx([["东湖区政协"]], header=["政协组织"]),
            file_format="xlsx",
            actor=setup.staff,
        )


def test_groups_import_and_export_round_trip(setup):
    with translation.override("zh-hans"):
        dataset = ActivityGroupResource(user=setup.staff).export()
        assert "东湖街道活动组" in dataset.csv
        header = dataset.headers
        book = openpyxl.Workbook()
        book.active.append(header)
        book.active.append(["东湖区政协", "望江街道活动组", "街镇活动组", "望江街道", "", "", ""])
        out = io.BytesIO()
        book.save(out)
        report = table_import(
            resource_class=ActivityGroupResource, data=out.getvalue(), file_format="xlsx", actor=setup.staff
        )
    assert report.ok, [str(e) for e in report.errors]
    assert ActivityGroup.objects.get(name="望江街道活动组").kind == "street"


def test_the_admin_import_page_rolls_back_a_bad_file(setup, client_for):
    client = client_for(setup.district_staff)
    before = Member.objects.count()
    upload = io.BytesIO(_xlsx([_row(), _row("李四", "12345")]))
    upload.name = "members.xlsx"
    response = client.post(
        reverse("admin:groups_member_import"),
        {"import_file": upload, "format": "1", "resource": "0"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert Member.objects.count() == before
    assert "手机" in response.content.decode()
