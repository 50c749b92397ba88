"""A proposal's whole life in a real browser: drafted on a phone, filed, assigned, answered twice, rated, closed."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from proposals.models import Proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state()


def new_page(browser, live_server, username, phone=False):
    options = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True} if phone else {}
    page = browser.new_context(locale="zh-CN", **options).new_page()
    log_in(page, live_server, username)
    return page


def reply(page, live_server, pk, text, code, tmp_path, screenshot=None):
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(PDF)
    page.goto(f"{live_server.url}/proposals/unit/")
    page.get_by_role("link", name=re.compile("老旧小区")).first.click()
    page.fill("textarea[name=text]", text)
    page.select_option("select[name=result_code]", code)
    page.set_input_files("input[name=signed_pdf]", str(pdf))
    if screenshot:
        screenshot(page, "proposal-4-unit-reply-form")
    page.click("button[data-action=reply]")
    expect(page.locator(".alert-success[role=alert]")).to_contain_text("答复已提交")


def rate(page, live_server, pk, label, comment=""):
    page.goto(f"{live_server.url}/proposals/{pk}/")
    page.get_by_label(label, exact=True).check()
    if comment:
        page.fill("textarea[name=comment]", comment)
    page.click("button[data-action=rate]")
    expect(page.locator(".alert-success[role=alert]")).to_contain_text("感谢您的评价")


def test_a_proposal_goes_from_draft_to_closed_through_two_rounds(world, live_server, browser, screenshot, tmp_path):
    member = new_page(browser, live_server, "member", phone=True)
    member.goto(f"{live_server.url}/proposals/mine/")
    member.get_by_role("link", name="撰写提案").click()
    member.fill("#id_title", "关于加快老旧小区加装电梯的建议")
    member.select_option("#id_category", "urban")
    member.fill("#id_analysis", "我区老旧小区多为六层以下住宅，老年居民上下楼困难。")
    member.fill("#id_suggestions", "一、简化审批流程；二、设立专项补贴；三、引导居民协商分摊费用。")
    screenshot(member, "proposal-1-member-draft-phone")
    member.get_by_role("button", name="保存并提交").click()
    expect(member.locator(".alert-success[role=alert]")).to_contain_text("提案已提交")
    p = Proposal.objects.get()
    assert p.state == "submitted"

    staff = new_page(browser, live_server, "staff")
    staff.goto(f"{live_server.url}/proposals/review/")
    staff.get_by_role("link", name=re.compile("加装电梯")).click()
    staff.click("details[data-confirm=file] > summary")
    staff.click("button[data-action=file]")
    expect(staff.locator(".alert-success[role=alert]")).to_contain_text("已立案")
    staff.select_option("select[name=lead_unit]", label=world.unit.name)
    screenshot(staff, "proposal-2-staff-assign")
    staff.click("button[data-action=assign]")
    expect(staff.locator(".alert-success[role=alert]")).to_contain_text("已交办")

    unit = new_page(browser, live_server, "unit")
    reply(unit, live_server, p.pk, "已将加装电梯纳入年度民生实事项目。", "B", tmp_path, screenshot)

    member.reload()
    rate(member, live_server, p.pk, "不满意", "补贴标准未明确")
    p.refresh_from_db()
    assert (p.state, p.round) == ("handling", 2)
    screenshot(member, "proposal-5-member-second-round-phone")

    reply(unit, live_server, p.pk, "经与提案人当面沟通，补贴标准已明确为每台15万元。", "A", tmp_path)
    rate(member, live_server, p.pk, "满意")

    staff.goto(f"{live_server.url}/proposals/{p.pk}/")
    staff.click("details[data-confirm=close] > summary")
    staff.click("button[data-action=close]")
    expect(staff.locator(".alert-success[role=alert]")).to_contain_text("提案已办结")
    screenshot(staff, "proposal-6-staff-closed-timeline")
    p.refresh_from_db()
    assert (p.state, p.rating, p.first_rating, p.replies.count()) == ("closed", "satisfied", "unsatisfied", 2)

    staff.goto(f"{live_server.url}/proposals/figures/")
    expect(staff.locator("[data-figure-name=closed]").first).to_have_text("1")
    expect(staff.locator("[data-figure-name=submitted]").first).to_have_text("1")
    expect(staff.locator("[data-figure-name=first_satisfied]").first).to_contain_text("0.0")
    screenshot(staff, "proposal-7-figures")
