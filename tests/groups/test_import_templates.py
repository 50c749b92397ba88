"""Downloadable Excel templates of the admin imports (members, groups, contact points, handling units, holidays):
Chinese headers the import reads, drop-down lists of the staff's own committees' values, an example row on its own
sheet; a filled-in template imports through ``table_import`` (every row or none, errors by Excel row and column)."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.services import events_for
from groups.models import ActivityGroup, ContactPoint, GroupMembership, HandlingUnit, Member, Term
from groups.resources import MemberResource
from groups.services import table_import
from proposals.models import Holiday
from tests import factories as f

pytestmark = pytest.mark.django_db

ADMINS = ["groups_member", "groups_activitygroup", "groups_contactpoint", "groups_handlingunit", "proposals_holiday"]


@pytest.fixture
def setup(world):
    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")
    f.SectorFactory(committee=world.other, name="远山界别")
    f.ActivityGroupFactory(committee=world.other, name="远山活动组")
    return world


def _book(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _lists(book, header: str) -> list[str]:
    """The values of a column's drop-down list, read through the data validation's range."""
    data = book.worksheets[0]
    headers = [c.value for c in data[1]]
    letter = openpyxl.utils.get_column_letter(headers.index(header) + 1)
    rules = [dv for dv in data.data_validations.dataValidation if f"{letter}2" in str(dv.sqref).split(":")[0]]
    assert len(rules) == 1, header
    sheet_name, cells = rules[0].formula1.split("!")
    first, last = cells.replace("$", "").split(":")
    sheet = book[sheet_name.strip("'")]
    return [c.value for row in sheet[f"{first}:{last}"] for c in row]


@pytest.mark.parametrize("admin_name", ADMINS)
def test_each_import_page_links_its_template_whose_headers_are_the_imports_columns(setup, client_for, admin_name):
    client = client_for(setup.district_staff)
    page = client.get(reverse(f"admin:{admin_name}_import"))
    template_url = reverse(f"admin:{admin_name}_import_template")
    assert template_url in page.content.decode()
    book = _book(client.get(template_url))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers == page.context["columns"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers)  # Chinese
    assert book.worksheets[0].max_row == 1  # nothing but the header on the sheet the import reads
    example = book.worksheets[1]
    assert [c.value for c in example[1]] == headers and any(c.value for c in example[2])
    assert book.worksheets[2].sheet_state == "hidden"


def test_the_member_template_lists_only_the_staffs_committees_sectors_parties_and_groups(setup, client_for):
    book = _book(client_for(setup.district_staff).get(reverse("admin:groups_member_import_template")))
    assert _lists(book, "政协组织") == ["东湖区政协"]
    assert "教育界" in _lists(book, "界别") and "远山界别" not in _lists(book, "界别")
    assert "无党派人士" in _lists(book, "党派") or "无党派" in "".join(_lists(book, "党派"))
    groups = _lists(book, "活动组")
    assert setup.group.name in groups and "远山活动组" not in groups
    assert _lists(book, "常委") == ["是", "否"]


def test_a_filled_in_member_template_imports_and_joins_the_group(setup, client_for):
    client = client_for(setup.district_staff)
    book = _book(client.get(reverse("admin:groups_member_import_template")))
    headers = [c.value for c in book.worksheets[0][1]]
    row = dict(zip(headers, [c.value for c in book.worksheets[1][2]], strict=True))  # the example row
    row.update({"姓名": "陈静", "届次": "9", "界别": "教育界", "手机": "13911112222", "活动组": setup.group.name})
    book.worksheets[0].append([row[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    response = client.post(
        reverse("admin:groups_member_import"), {"import_file": SimpleUploadedFile("members.xlsx", out.getvalue())}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    member = Member.objects.get(name="陈静")
    assert member.committee == setup.district and member.phone == "13911112222"
    assert GroupMembership.objects.filter(member=member, group=setup.group, left_on__isnull=True).exists()


def test_a_wrong_value_names_the_excel_row_and_the_chinese_column_and_nothing_is_saved(setup, client_for):
    client = client_for(setup.district_staff)
    book = _book(client.get(reverse("admin:groups_member_import_template")))
    headers = [c.value for c in book.worksheets[0][1]]
    good = dict(zip(headers, [c.value for c in book.worksheets[1][2]], strict=True))
    good.update({"届次": "9", "界别": "教育界"})
    book.worksheets[0].append([good[h] for h in headers])
    book.worksheets[0].append([{**good, "手机": "13911113333", "活动组": "远山活动组"}[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    before = Member.objects.count()
    report = table_import(
        resource_class=MemberResource, data=out.getvalue(), file_format="xlsx", actor=setup.district_staff
    )
    assert not report.ok and Member.objects.count() == before
    assert [(e.row, e.column) for e in report.errors] == [(3, "活动组")]


def test_the_member_import_still_takes_a_file_without_the_optional_group_column(setup):
    from bench.hostile_import import member_row, members_xlsx

    report = table_import(
        resource_class=MemberResource, data=members_xlsx([member_row()]), file_format="xlsx", actor=setup.district_staff
    )
    assert report.ok and report.created == 1


def test_contact_points_and_handling_units_import_from_their_templates(setup, client_for):
    client = client_for(setup.district_staff)
    for admin_name, rows in (
        ("groups_contactpoint", [{"联系点名称": "湖滨社区", "活动组": setup.group.name}]),
        ("groups_handlingunit", [{"单位名称": "东湖区卫生健康委员会", "简称": "区卫健委"}]),
    ):
        book = _book(client.get(reverse(f"admin:{admin_name}_import_template")))
        headers = [c.value for c in book.worksheets[0][1]]
        example = dict(zip(headers, [c.value for c in book.worksheets[1][2]], strict=True))
        for row in rows:
            book.worksheets[0].append([{**example, **row}.get(h) for h in headers])
        out = io.BytesIO()
        book.save(out)
        response = client.post(
            reverse(f"admin:{admin_name}_import"), {"import_file": SimpleUploadedFile("t.xlsx", out.getvalue())}
        )
        assert response.status_code == 302, response.context["errors"]
    point = ContactPoint.objects.get(name="湖滨社区")
    assert point.committee == setup.district and point in setup.group.contact_points.all()
    assert HandlingUnit.objects.filter(name="东湖区卫生健康委员会", committee=setup.district).exists()


def test_holidays_import_from_the_template_as_local_days_with_an_audit_row(setup, client_for):
    client = client_for(setup.district_staff)
    book = _book(client.get(reverse("admin:proposals_holiday_import_template")))
    headers = [c.value for c in book.worksheets[0][1]]
    assert _lists(book, "日期类型") == ["法定节假日", "调休上班日"] or len(_lists(book, "日期类型")) == 2
    example = dict(zip(headers, [c.value for c in book.worksheets[1][2]], strict=True))
    book.worksheets[0].append([{**example, "日期": "2026-10-09"}[h] for h in headers])
    book.worksheets[0].append([{**example, "日期": date(2026, 10, 10), "名称": "补休"}[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    response = client.post(
        reverse("admin:proposals_holiday_import"), {"import_file": SimpleUploadedFile("h.xlsx", out.getvalue())}
    )
    assert response.status_code == 302, response.context["errors"]
    days = Holiday.objects.filter(committee=setup.district, source=Holiday.Source.LOCAL)
    assert sorted(days.values_list("date", flat=True)) == [date(2026, 10, 9), date(2026, 10, 10)]
    assert events_for(setup.district).filter(verb="holidays_imported", data__days=2).exists()


def test_another_committees_staff_get_their_own_lists_and_cannot_import_into_ours(setup, client_for):
    book = _book(client_for(setup.other_staff).get(reverse("admin:groups_member_import_template")))
    assert _lists(book, "政协组织") == ["远山市政协"] and "教育界" not in _lists(book, "界别")
    assert client_for(setup.member).get(reverse("admin:groups_member_import_template")).status_code == 302


def test_a_formula_like_name_is_text_in_the_template(setup, client_for):
    ActivityGroup.objects.filter(pk=setup.group.pk).update(name='=HYPERLINK("http://x","点")')
    response = client_for(setup.district_staff).get(reverse("admin:groups_member_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.worksheets[2].iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
