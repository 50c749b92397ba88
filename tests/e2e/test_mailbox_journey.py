"""Issue 20's mailbox journey on phones (375 px): a resident (no account) leaves a message at a contact point's
public page → the group's convener passes it to a member → the member records a visit and turns it into a
proposal draft → the resident's tracking page shows 已转为提案, and later the reply (its stage and result code).
Then axe-core on the resident's pages."""

import re

import pytest
from django.conf import settings as django_settings

from activities.models import PublicMessage
from groups.models import ConstituentContact
from proposals.models import Proposal
from tests import factories as f
from tests.e2e.test_accessibility import audit, open_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    return context, context.new_page()


def log_in(page, base: str, username: str, next_url: str):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", django_settings.DEMO_PASSWORD)
    page.click("button[type=submit]")


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_residents_message_becomes_a_proposal_draft_and_the_tracking_page_says_so(
    world, live_server, browser, screenshot, settings
):
    settings.MAILBOX_MIN_SECONDS = 0  # the robot check on time: a test types faster than a person
    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    world.group.contact_points.add(point)
    base = live_server.url

    # 1. The resident, no account, scans the QR code of the contact point and writes
    resident_ctx, resident = phone(browser)
    resident.goto(f"{base}/mailbox/contact_point/{point.pk}/")
    no_sideways_scroll(resident)
    screenshot(resident, "mailbox-form-phone")
    resident.select_option("#id_category", "livelihood")
    resident.fill("#id_text", "东湖社区3号楼加装电梯迟迟没有进展，老人上下楼很困难。")
    resident.fill("#id_phone", "13800000000")
    question = resident.inner_text("label[for=id_answer]")
    a, b = map(int, re.findall(r"(\d+) \+ (\d+)", question)[0])
    resident.fill("#id_answer", str(a + b))
    resident.click("[data-testid=mailbox-send]")
    resident.wait_for_selector("[data-testid=tracking-code]")
    tracking_url = resident.url.split("?")[0]
    assert "您的留言已收到" in resident.inner_text("body")
    no_sideways_scroll(resident)
    screenshot(resident, "mailbox-sent-phone")
    message = PublicMessage.objects.get()
    assert message.contact_point == point and message.state == "new"

    # 2. The group's convener passes it to a member of the group
    convener_ctx, convener = phone(browser)
    log_in(convener, base, "convener", "/messages/")
    convener.click("[data-testid=message-row]")
    convener.wait_for_selector("[data-testid=route-form]")
    assert "13800000000" not in convener.inner_text("body")  # not routed to them: no personal data
    convener.select_option("#id_route-member", str(world.member_record.pk))
    no_sideways_scroll(convener)
    screenshot(convener, "mailbox-route-phone")
    convener.click("[data-testid=route-form] button[type=submit]")
    convener.wait_for_selector("text=留言已转交")
    assert PublicMessage.objects.get().routed_member == world.member_record

    # 3. The member meets the resident, records the visit, and drafts a proposal from it
    member_ctx, member = phone(browser)
    log_in(member, base, "member", f"/messages/{message.pk}/")
    member.wait_for_selector("[data-testid=visit-form]")
    assert "13800000000" in member.inner_text("body")  # the member answering may call back
    member.fill("#id_visit-follow_up", "向区住建局反映，两周内回复")
    member.fill("#id_visit-answer", "委员已上门了解情况，将向区住建局反映。")
    member.click("[data-testid=visit-form] button[type=submit]")
    member.wait_for_selector("text=走访已记入联系群众记录")
    screenshot(member, "mailbox-visited-phone")
    member.click("[data-testid=draft-proposal]")
    member.wait_for_selector("text=已根据群众反映生成提案草稿")
    no_sideways_scroll(member)
    screenshot(member, "mailbox-proposal-draft-phone")
    proposal = Proposal.objects.get()
    assert (proposal.source_message_id, proposal.state) == (message.pk, "draft")
    assert ConstituentContact.objects.get().member == world.member_record

    # 4. The resident opens the tracking page again
    resident.goto(tracking_url)
    body = resident.inner_text("body")
    assert "已转为提案" in body and "委员已上门了解情况" in body and "13800000000" not in body
    no_sideways_scroll(resident)
    screenshot(resident, "mailbox-tracking-converted-phone")

    # 5. Later: the proposal is submitted, filed, assigned and replied to (its own journey is
    # tests/e2e/test_proposal_journey.py); the resident's tracking page shows the reply
    replied = _replied(world, proposal)
    resident.goto(tracking_url)
    converted = resident.inner_text("[data-testid=converted]")
    assert "已转为提案" in converted and replied.get_state_display() in converted and "答复结果 A" in converted
    assert replied.number_display in converted
    no_sideways_scroll(resident)
    screenshot(resident, "mailbox-tracking-replied-phone")
    for ctx in (resident_ctx, convener_ctx, member_ctx):
        ctx.close()


def _replied(world, proposal):
    """The draft submitted by its member, filed by staff, assigned to the world's unit and replied to with code A."""
    from django.utils import timezone

    from proposals import services
    from tests.proposals.factories import pdf_upload

    today = timezone.localdate()
    services.proposal_submit(proposal_id=proposal.pk, actor=world.member, today=today)
    services.proposal_file(proposal_id=proposal.pk, actor=world.staff)
    services.proposal_assign(
        proposal_id=proposal.pk, actor=world.staff, lead_unit_id=world.unit.pk, co_unit_ids=[], today=today
    )
    services.proposal_reply(
        proposal_id=proposal.pk,
        actor=world.unit_user,
        text="已会同有关部门落实加装电梯。",
        result_code="A",
        signed_pdf=pdf_upload(),
        today=today,
    )
    return Proposal.objects.get(pk=proposal.pk)


def test_the_residents_pages_pass_axe_at_375_px(world, live_server, browser, screenshot):
    from django.utils import timezone

    point = f.ContactPointFactory(committee=world.district, name="东湖社区")
    message = PublicMessage.objects.create(
        committee=world.district,
        target="contact_point",
        contact_point=point,
        category="livelihood",
        text="路灯坏了",
        tracking_code="ABCDE23456",
        client_key="k",
        answer_due=timezone.localdate(),
        state="answered",
        answer="已报修",
        answered_at=timezone.now(),
    )
    base = live_server.url
    page = open_as(browser, None, 375, base)
    found = {}
    for name, url in (
        ("form", f"/mailbox/contact_point/{point.pk}/"),
        ("poster", f"/mailbox/contact_point/{point.pk}/poster/"),
        ("lookup", "/mailbox/track/"),
        ("track", f"/mailbox/track/{message.tracking_code}/"),
    ):
        problems = audit(page, base + url, checks=True)
        screenshot(page, f"mailbox-a11y-{name}-375")
        if problems:
            found[url] = problems
    assert not found, found
