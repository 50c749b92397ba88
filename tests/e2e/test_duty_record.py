"""A member opens their duty record on a phone, switches the period and downloads the PDF, which prints Chinese."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings

from tests.assessments.test_api import record_events  # noqa: F401  (the same member and events)
from tests.assessments.test_secretariat_rules import rules, year  # noqa: F401  (the secretariat's hand-worked year)
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _poppler(*args) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def test_a_member_reads_their_duty_record_on_a_phone(
    world,
    record_events,
    live_server,
    phone_page,  # noqa: F811
    screenshot,
    tmp_path,
):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/assessments/record/%3Fyear%3D2026")
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-total]")
    assert page.inner_text("[data-total]") == "57.00"
    assert "关于老旧小区加装电梯的建议" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page must not scroll sideways on a phone"
    # The lines are folded by category; a category opens with one tap on its 44-px heading.
    proposals = page.locator("details.duty-group[data-group=提案]")
    assert not proposals.get_attribute("open") and not page.get_by_text("按规则计 5 分").is_visible()
    heading = proposals.locator("summary")
    assert " ".join(heading.inner_text().split()) == "提案 1 项，计入 5 分"
    assert heading.bounding_box()["height"] >= 44
    heading.click()
    assert page.get_by_text("按规则计 5 分").is_visible() and page.get_by_text("依据：提交提案").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "duty-record-phone-open-category")
    page.select_option("#id_quarter", "1")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_url(lambda url: "quarter=1" in url)
    assert "关于老旧小区加装电梯的建议" not in page.content() and "九届四次会议" in page.content()
    screenshot(page, "duty-record-phone")

    # The whole year again, then the PDF of it.
    page.select_option("#id_quarter", "")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_url(lambda url: "quarter=&" in url or url.endswith("quarter="))
    assert "关于老旧小区加装电梯的建议" in page.content()
    with page.expect_download() as info:
        page.click("[data-pdf]")
    download = info.value
    assert re.fullmatch(rf"duty-record-{world.member_record.pk}-2026\.pdf", download.suggested_filename)
    pdf = tmp_path / "record.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"

    text = _poppler("pdftotext", "-layout", str(pdf), "-")
    name = world.member_record.name
    assert f"{name}的履职档案" in text
    for words in ("分类积分", "履职明细", "九届四次会议", "关于老旧小区加装电梯的建议", world.district.name):
        assert words in text, text
    fonts = _poppler("pdffonts", str(pdf))
    # ReportLab embeds the CJK font as TrueType subsets of 256 glyphs each (AAAAAA+WenQuanYiMicroHei-0, -1, ...)
    cjk = re.findall(r"^\w{6}\+WenQuanYiMicroHei-\d+\s+TrueType\s+\S+\s+(yes|no)\s+(yes|no)", fonts, re.M)
    assert cjk and all(emb == "yes" for emb, _sub in cjk), fonts
    _poppler("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page1"))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "page1.png", ARTIFACTS / "duty-record-pdf-page1.png")
    assert (ARTIFACTS / "duty-record-pdf-page1.png").stat().st_size > 10_000


def test_a_member_reads_why_lines_stopped_scoring_on_a_phone(
    world,
    year,
    live_server,
    phone_page,  # noqa: F811
    screenshot,
):
    """The secretariat's year (tests/assessments/test_secretariat_rules.py): caps reached, a minimum missed and a
    grade below its band, read on a phone with the activities opened."""
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/assessments/record/%3Fyear%3D2026%26quarter%3D2")
    page.fill("#id_username", "member")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-total]")
    summary = " ".join(page.inner_text("[data-summary]").split())
    for words in (
        "第二季度计入积分 11.50",
        "按规则计 20.5 分，因达上限计入 11.5 分",
        "全年累计 56.50 截至第二季度末",
        "连续两年总分低于60分",
        "还差：",
    ):
        assert words in summary, summary
    page.locator("details.duty-group[data-group=活动] > summary").click()
    lines = page.locator("details.duty-group[data-group=活动] [data-verdict]").all_inner_texts()
    assert "已达上限不再计分" in lines and "按规则计 5 分，已达上限，只计入 3 分" in lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "duty-record-phone-caps")
