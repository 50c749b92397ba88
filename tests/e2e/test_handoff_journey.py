"""Issue 16's journey: each hand-off reaches the person concerned on their phone within one worker cycle, through
the real Celery worker (events after commit, the outbox, the notice): staff assign a proposal in the browser →
the unit's users see the notice with the end of their return window; the proposer sees 已立案 in the inbox and
已交办 on their page; a member sees the convener's decision on their leave request. (The co-signer's invitation
through the worker is tests/e2e/test_consent_journey.py.)"""

import time
from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from activities.models import Activity, Attendance
from activities.services import activities as activity_services
from proposals import services
from proposals.models import Assignment
from tests.e2e.test_proposal_journey import new_page
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import ProposalFactory

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _inbox_shows(page, base: str, text: str) -> None:
    for _ in range(120):  # the notice is made by the worker after the commit: poll the inbox, as a person would
        page.goto(f"{base}/notifications/")
        if text in page.locator("body").inner_text():
            return
        time.sleep(0.25)
    expect(page.locator("body")).to_contain_text(text)


def test_each_hand_off_reaches_the_person_concerned_on_their_phone(
    world, live_server, browser, screenshot, celery_worker_process
):
    proposal = ProposalFactory(
        committee=world.district, lead_proposer=world.member_record, title="关于加快老旧小区加装电梯的建议"
    )
    services.proposal_submit(proposal_id=proposal.pk, actor=world.member)

    staff = new_page(browser, live_server, "staff")  # the secretariat on a desktop
    staff.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    staff.click("details[data-confirm=file] > summary")
    staff.click("button[data-action=file]")
    expect(staff.locator(".alert-success[role=alert]")).to_contain_text("已立案")
    staff.select_option("select[name=lead_unit]", label=world.unit.name)
    staff.click("button[data-action=assign]")
    expect(staff.locator(".alert-success[role=alert]")).to_contain_text("已交办")

    assignment = Assignment.objects.get(proposal=proposal)
    with translation.override("zh-hans"):
        return_until = formats.date_format(assignment.reassign_until, "DATE_FORMAT")
    unit = new_page(browser, live_server, "unit", phone=True)
    _inbox_shows(unit, live_server.url, "已交办")
    expect(unit.locator("body")).to_contain_text(return_until)  # until when they may send it back
    screenshot(unit, "handoff-1-unit-notice-phone")

    proposer = new_page(browser, live_server, "member", phone=True)
    _inbox_shows(proposer, live_server.url, "提案已立案")
    proposer.goto(f"{live_server.url}/proposals/mine/")
    expect(proposer.locator("body")).to_contain_text("已交办")
    screenshot(proposer, "handoff-2-proposer-page-phone")

    activity = ActivityFactory(
        group=world.group,
        state=Activity.State.ANNOUNCED,
        title="社区议事会",
        starts_at=timezone.now() + timedelta(days=2),
    )
    Attendance.objects.create(activity=activity, member=world.member_record)
    row = activity_services.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    activity_services.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)
    _inbox_shows(proposer, live_server.url, "社区议事会")
    expect(proposer.locator("body")).to_contain_text("请假")
    screenshot(proposer, "handoff-3-member-leave-decision-phone")
