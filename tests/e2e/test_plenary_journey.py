"""Browser journey: the secretariat imports a plenary session's sign-in tally in the admin, all rows or none."""

import openpyxl
import pytest
from django.conf import settings

from core.models import AuditEvent
from groups.models import Member
from plenary.models import PlenaryAttendance
from tests.groups.factories import PlenarySessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = ["政协组织", "届次", "会次", "姓名", "手机", "出席半天数", "请假半天数", "缺席半天数", "请假原因"]


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _upload(page, base, path):
    page.goto(f"{base}/admin/plenary/plenaryattendance/import/")
    page.set_input_files("input[name=import_file]", str(path))
    page.locator("form input[type=submit]").first.click()
    page.wait_for_load_state()


def test_staff_import_a_tally_refused_whole_for_one_bad_row_then_accepted(
    world, live_server, browser, screenshot, tmp_path
):
    session = PlenarySessionFactory(committee=world.district, number=4)
    m = world.member_record
    extra = Member.objects.bulk_create(
        [
            Member(committee=m.committee, term=m.term, sector=m.sector, name=name, party=m.party)
            for name in ("王建华", "李秀英", "张伟")
        ]
    )
    term = session.term.number
    rows = [["东湖区政协", term, 4, member.name, "", 4, 0, 0, ""] for member in [m, *extra]]
    rows[2] = ["东湖区政协", term, 4, "李秀英", "", 3, 2, 0, "出差"]  # 5 half-days of a 4 half-day session

    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.fill("#id_username", "dstaff")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto(f"{base}/admin/plenary/plenaryattendance/")
    page.get_by_role("link", name="导入").click()
    page.wait_for_url("**/plenaryattendance/import/")
    screenshot(page, "plenary-01-import-form")

    _upload(page, base, _xlsx(tmp_path / "全会签到-有误.xlsx", rows))
    body = page.locator("#content").inner_text()
    assert "本次会议共4个半天，登记了5个半天，超出会期。" in body, body[-1500:]
    assert "第 4 行" in body  # the row number Excel shows (the header is row 1)
    assert "None" not in body
    screenshot(page, "plenary-02-refused")
    assert not PlenaryAttendance.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["recorded", "corrected"]).exists()

    rows[2] = ["东湖区政协", term, 4, "李秀英", "", 2, 2, 0, "出差"]
    _upload(page, base, _xlsx(tmp_path / "全会签到.xlsx", rows))
    page.wait_for_url("**/admin/plenary/plenaryattendance/")
    assert "4" in page.locator(".messagelist").inner_text()
    listed = page.locator("#result_list tbody tr")
    assert listed.count() == 4
    assert "出差" in page.locator("#result_list").inner_text()
    screenshot(page, "plenary-04-imported")

    assert PlenaryAttendance.objects.filter(session=session).count() == 4
    leave = PlenaryAttendance.objects.get(member__name="李秀英")
    assert (leave.present, leave.excused, leave.leave_reason, leave.recorded_by) == (2, 2, "出差", world.district_staff)
    assert AuditEvent.objects.filter(verb="recorded").count() == 4
