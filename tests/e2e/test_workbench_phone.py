"""The workbench and its to-do lists on a 375-px phone, and the review queue's batch action in a real browser
(issue 18): nothing wider than the screen, no English on the page, the batch asks before it acts."""

import re

import pytest
from django.core.management import call_command

from cppcc_portal.workbench.todos import TODOS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ENGLISH = re.compile(r"\b(?=[A-Za-z]*[a-z])[A-Za-z]{4,}\b")  # words, not capital codes (a tracking code EKXRW-ZFDDK)
ALLOWED = {"admin", "Excel", "PDF"}  # names, not sentences


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", members=60, districts=1, force=True, verbosity=0)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")


def _fits_and_reads_chinese(page, label):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, (label, width)
    words = set(ENGLISH.findall(page.locator("main").inner_text())) - ALLOWED
    assert not words, (label, sorted(words)[:10])


def test_the_workbench_and_every_todo_list_fit_a_phone_in_chinese(demo, live_server, phone_page, screenshot):
    page = phone_page
    _log_in(page, live_server, "staff")
    page.wait_for_url("**/workbench/")
    _fits_and_reads_chinese(page, "workbench")
    screenshot(page, "workbench-staff-375")
    for todo in TODOS:
        page.goto(f"{live_server.url}/workbench/todo/{todo.slug}/")
        _fits_and_reads_chinese(page, todo.slug)
        screenshot(page, f"workbench-todo-{todo.slug}-375")


def test_staff_not_file_two_ticked_proposals_after_the_confirmation_on_a_phone(
    demo, live_server, phone_page, screenshot
):
    from proposals.models import Proposal

    page = phone_page
    _log_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/proposals/review/")
    _fits_and_reads_chinese(page, "review")
    boxes = page.locator("input[name=proposals]")
    assert boxes.count() >= 2
    picked = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    for i in range(2):
        boxes.nth(i).check()
    page.select_option("#id_ground", label="一案多事的")
    page.locator("details[data-confirm=bulk_reject] > summary").click()
    screenshot(page, "review-bulk-confirm-375")
    assert Proposal.objects.filter(pk__in=picked, state="not_filed").count() == 0  # nothing before the second tap
    page.locator("button[data-action=bulk_reject]").click()
    page.wait_for_load_state()
    assert "已对 2 件提案不予立案" in page.content()
    assert Proposal.objects.filter(pk__in=picked, state="not_filed").count() == 2
    page.goto(f"{live_server.url}/proposals/review/?state=filed")
    _fits_and_reads_chinese(page, "waiting")
    screenshot(page, "review-waiting-375")
