"""Pickers with search on a 375-px phone: a member finds co-signers among many names by pinyin initials or part
of a name, staff find the lead and co-handling units the same way (core.widgets, static/js/pickers.js)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import HandlingUnit
from proposals.models import CoSigner, Proposal
from proposals.services import proposal_file, proposal_submit
from tests import factories as f
from tests.e2e.test_proposal_journey import new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def close_list(page, field_id, outside):
    """Tap outside the picker, as a person does when done (after Tom Select has settled from the last tap)."""
    page.wait_for_timeout(300)
    page.locator(outside).first.click()
    expect(page.locator(f"#{field_id}-ts-control")).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#{field_id}-ts-dropdown")).to_be_hidden()


def choose(page, field_id, typed, option_text, alone=True):
    """Type into the picker of ``field_id``; the list narrows (to that one option when ``alone``); its option."""
    page.click(f"#{field_id}-ts-control")
    page.locator(f"#{field_id}-ts-control").press_sequentially(typed)
    options = page.locator(f"#{field_id}-ts-dropdown .option")
    if alone:
        expect(options).to_have_count(1)
        expect(options).to_have_text(option_text)
    option = options.filter(has_text=option_text)
    expect(option).to_have_count(1)
    return option


def test_a_member_finds_co_signers_by_pinyin_initials_or_part_of_a_name(world, live_server, browser, screenshot):
    committee = world.member_record.committee
    for _ in range(40):
        f.MemberFactory(committee=committee, term=world.member_record.term, sector=world.member_record.sector)
    ouyang = f.MemberFactory(
        committee=committee, name="欧阳明月", term=world.member_record.term, sector=world.member_record.sector
    )
    page = new_page(browser, live_server, "member", phone=True)
    page.goto(f"{live_server.url}/proposals/new/")
    page.fill("#id_title", "关于增设社区养老服务站的建议")
    page.select_option("#id_category", "society")
    page.fill("#id_suggestions", "一、每个社区设一处养老服务站；二、引入专业机构运营。")
    option = choose(page, "id_cosigners", "oymy", "欧阳明月")
    screenshot(page, "pickers-1-cosigners-by-initials-phone")
    option.click()
    expect(page.locator("#id_cosigners-ts-control").locator("..").locator(".item")).to_have_count(1)
    expect(page.locator("#id_cosigners-ts-control")).to_have_value("")  # the typed letters go after a choice
    part = world.convener_member.name[-2:]
    choose(page, "id_cosigners", part, world.convener_member.name, alone=False).click()
    page.locator("#id_cosigners-ts-control").press_sequentially("qqqq")
    expect(page.locator("#id_cosigners-ts-dropdown .no-results")).to_have_text("无匹配结果")
    page.locator("#id_cosigners-ts-control").fill("")
    close_list(page, "id_cosigners", "h1")
    screenshot(page, "pickers-2-cosigners-chosen-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success[role=alert]")).to_be_visible()
    invited = set(CoSigner.objects.values_list("member_id", flat=True))
    assert invited == {ouyang.pk, world.convener_member.pk}


def test_staff_find_the_lead_and_co_handling_units_by_initials_on_a_phone(world, live_server, browser, screenshot):
    district = world.unit.committee
    for name in (
        "东湖区民政局",
        "东湖区卫生健康委员会",
        "东湖区交通运输局",
        "东湖区财政局",
        "东湖区人力资源和社会保障局",
    ):
        f.HandlingUnitFactory(committee=district, name=name)
    p = Proposal.objects.create(
        committee=district,
        lead_proposer=world.member_record,
        title="关于错峰放学的建议",
        suggestions="错峰放学。",
        category="culture",
        year=timezone.localdate().year,
    )
    proposal_submit(proposal_id=p.pk, actor=world.member)
    proposal_file(proposal_id=p.pk, actor=world.district_staff)
    page = new_page(browser, live_server, "dstaff", phone=True)
    page.goto(f"{live_server.url}/proposals/{p.pk}/")
    option = choose(page, "id_lead_unit", "dhqzjj", "东湖区住建局")  # 东湖区住建局's initials
    screenshot(page, "pickers-3-lead-unit-by-initials-phone")
    option.click()
    choose(page, "id_co_units", "教育", "东湖区教育局").click()
    choose(page, "id_co_units", "mzj", "东湖区民政局").click()
    close_list(page, "id_co_units", "h1")
    screenshot(page, "pickers-4-units-chosen-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("button[data-action=assign]")
    expect(page.locator(".alert-success[role=alert]")).to_contain_text("已交办")
    p.refresh_from_db()
    assert p.lead_unit == world.unit
    roles = {a.unit.name: a.role for a in p.assignments.select_related("unit")}
    assert set(roles) == {"东湖区住建局", "东湖区教育局", "东湖区民政局"}
    assert HandlingUnit.objects.get(name="东湖区民政局").pk in p.assignments.values_list("unit_id", flat=True)


def test_past_the_listed_limit_a_member_finds_co_signers_from_the_server_on_a_phone(
    world, live_server, browser, screenshot, monkeypatch
):
    """A committee with more members than a page lists (``core.widgets.LISTED_AT_MOST``, here 5): the select carries
    no names, and the typed initials are looked up on the server (``core.pickers``, ``pick/members/``)."""
    monkeypatch.setattr("core.widgets.LISTED_AT_MOST", 5)
    committee = world.member_record.committee
    for _ in range(10):
        f.MemberFactory(committee=committee, term=world.member_record.term, sector=world.member_record.sector)
    ouyang = f.MemberFactory(
        committee=committee, name="欧阳明月", term=world.member_record.term, sector=world.member_record.sector
    )
    page = new_page(browser, live_server, "member", phone=True)
    page.goto(f"{live_server.url}/proposals/new/")
    assert page.locator("#id_cosigners option").count() == 0  # nothing listed in the page
    assert "/pick/members/" in page.locator("#id_cosigners").get_attribute("data-picker-url")
    page.fill("#id_title", "关于增设社区养老服务站的建议")
    page.select_option("#id_category", "society")
    page.fill("#id_suggestions", "一、每个社区设一处养老服务站；二、引入专业机构运营。")
    option = choose(page, "id_cosigners", "oymy", "欧阳明月")
    screenshot(page, "pickers-5-cosigners-from-the-server-phone")
    option.click()
    close_list(page, "id_cosigners", "h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success[role=alert]")).to_be_visible()
    assert set(CoSigner.objects.values_list("member_id", flat=True)) == {ouyang.pk}
