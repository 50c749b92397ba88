"""Issue 20 item 7 on a phone (375 px): staff record a follow-up 跟踪促办 of an adopted public-opinion report on the
report's page; the record and the form fit the screen (no sideways scroll, nothing overlapping), and the author reads
it there."""

import pytest
from django.utils import timezone

from proposals.models import ReportFollowUp
from proposals.services import report_record_follow_up
from tests.e2e.test_mailbox_journey import log_in, no_sideways_scroll, phone
from tests.proposals.test_report_follow_ups import adopted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_record_a_report_follow_up_on_a_phone(world, live_server, browser, screenshot):
    report = adopted(world)
    report_record_follow_up(
        report_id=report.pk,
        actor=world.district_staff,
        date=timezone.localdate(),
        done_by="区政协社会和法制委员会（与区住房和城乡建设局、东湖街道办事处联合督办）",
        action="与区住建局座谈，督促落实老旧小区加装电梯补贴；" * 4,
        feedback="已列入年度计划，第一批12部电梯于下季度开工，后续每月向区政协书面反馈进度。",
    )
    url = f"/proposals/reports/{report.pk}/"
    context, page = phone(browser)
    log_in(page, live_server.url, world.district_staff.username, url)
    page.wait_for_selector("[data-testid=report-follow-ups]")
    form = page.locator("[data-testid=follow-up-form]")
    form.scroll_into_view_if_needed()
    assert "选填" in form.inner_text()  # the one optional field says so
    no_sideways_scroll(page)
    screenshot(page, "report-follow-up-phone")
    box = page.locator("[data-testid=report-follow-ups]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    for field in ("date", "done_by", "action", "feedback"):
        field_box = page.locator(f"[data-testid=report-follow-ups] [name={field}]").bounding_box()
        assert field_box is not None and field_box["x"] + field_box["width"] <= box["x"] + box["width"], field
    page.fill("[data-testid=report-follow-ups] [name=done_by]", "区政协提案委")
    page.fill("[data-testid=report-follow-ups] [name=action]", "再次督办，现场查看开工情况")
    button = form.locator("button").bounding_box()
    assert button is not None and button["width"] >= box["width"] * 0.7  # a full-width button on a phone
    form.locator("button").click()
    page.wait_for_selector("text=再次督办，现场查看开工情况")
    no_sideways_scroll(page)
    assert ReportFollowUp.objects.filter(report=report).count() == 2
    context.close()
