"""Consent in a real browser: a co-signer is asked again after the lead changes the text; a report's co-author
confirms on the report page before the author submits it."""

import re
import time

import pytest
from playwright.sync_api import expect

from proposals.models import CoAuthorInvitation, CoSigner, OpinionReport, Proposal
from tests.e2e.test_proposal_journey import new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.worker
def test_a_cosigner_is_asked_again_after_the_lead_changes_the_proposal(
    world, live_server, browser, screenshot, celery_worker_process
):
    lead = new_page(browser, live_server, "member", phone=True)
    lead.goto(f"{live_server.url}/proposals/new/")
    lead.fill("#id_title", "关于加快老旧小区加装电梯的建议")
    lead.select_option("#id_category", "urban")
    lead.fill("#id_suggestions", "一、简化审批流程；二、设立专项补贴。")
    lead.select_option("#id_cosigners", str(world.convener_member.pk))
    lead.get_by_role("button", name="保存草稿").click()
    expect(lead.locator(".alert-success[role=alert]")).to_be_visible()
    p = Proposal.objects.get()

    cosigner = new_page(browser, live_server, "convener", phone=True)
    cosigner.goto(f"{live_server.url}/proposals/mine/")
    cosigner.get_by_role("button", name="联名").click()
    expect(cosigner.locator(".alert-success[role=alert]")).to_be_visible()
    assert CoSigner.objects.get().status == "confirmed" and Proposal.objects.get().confirmed_cosigners == 1

    lead.goto(f"{live_server.url}/proposals/{p.pk}/edit/")
    lead.fill("#id_suggestions", "一、暂缓加装电梯。")
    lead.get_by_role("button", name="保存并提交").click()
    expect(lead.locator(".alert-danger[role=alert]")).to_contain_text(world.convener_member.name)  # waits again
    assert Proposal.objects.get().state == "draft" and Proposal.objects.get().confirmed_cosigners == 0
    expect(lead.locator("body")).to_contain_text("已请联名人重新确认")
    screenshot(lead, "consent-1-lead-edit-asks-again-phone")

    cosigner.goto(f"{live_server.url}/proposals/mine/")
    expect(cosigner.get_by_role("button", name="联名")).to_be_visible()  # the invitation is back
    for _ in range(120):  # the notice comes from the Celery worker after commit (core.events, the outbox)
        cosigner.goto(f"{live_server.url}/notifications/")
        if "请重新确认联名" in cosigner.locator("body").inner_text():
            break
        time.sleep(0.25)
    expect(cosigner.locator("body")).to_contain_text("请重新确认联名")
    screenshot(cosigner, "consent-2-cosigner-notice-phone")


def test_a_report_co_author_confirms_before_the_author_submits(world, live_server, browser, screenshot):
    author = new_page(browser, live_server, "member", phone=True)
    author.goto(f"{live_server.url}/proposals/reports/new/")
    author.fill("#id_title", "关于校园周边交通拥堵的反映")
    author.fill("#id_content", "上下学高峰时段校门口车辆拥堵，建议错峰放学并增设临时停车位。")
    author.select_option("#id_co_authors", str(world.convener_member.pk))
    author.get_by_role("button", name="提交", exact=True).click()
    expect(author.locator(".alert-success[role=alert]")).to_contain_text("联名作者")
    report = OpinionReport.objects.get()
    assert report.state == "draft"

    co = new_page(browser, live_server, "convener", phone=True)
    co.goto(f"{live_server.url}/proposals/mine/")
    co.get_by_role("link", name=re.compile("交通拥堵")).first.click()
    expect(co.locator("body")).to_contain_text("增设临时停车位")
    screenshot(co, "consent-3-co-author-reads-and-confirms-phone")
    co.click("button[data-action=coauthor-confirm]")
    expect(co.locator(".alert-success[role=alert]")).to_be_visible()
    assert CoAuthorInvitation.objects.get().status == "confirmed"

    author.goto(f"{live_server.url}/proposals/reports/{report.pk}/")
    author.click("button[data-action=report-submit]")
    expect(author.locator(".alert-success[role=alert]")).to_contain_text("已报送")
    report.refresh_from_db()
    assert report.state == "submitted" and list(report.co_authors.all()) == [world.convener_member]
    screenshot(author, "consent-4-report-submitted-with-co-author-phone")
