"""Larger text (大字模式, 1.25×) on a 375-px phone: a member switches it on with the button at the foot of the
page, and the main member pages keep everything inside the screen, with nothing drawn over anything else."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import ARTIFACTS
from tests.e2e.test_accessibility import open_as
from tests.test_permission_matrix import build_objects

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERLAP = (Path(__file__).parent / "overlap.js").read_text()
MEMBER_PAGES = (
    "groups:my_page",
    "activities:my_activities",
    "groups:my_groups",
    "groups:group_detail",
    "activities:activity_detail",
    "proposals:mine",
    "proposals:create",
    "proposals:detail",
    "proposals:report_create",
    "assessments:my_record",
    "notifications:inbox",
    "notifications:preferences",
    "password_change",
    "consultations:public",
)


def member_urls(world) -> dict[str, str]:
    o = build_objects(world)
    args = {
        "groups:group_detail": [world.group.pk],
        "activities:activity_detail": [o["activity"].pk],
        "proposals:detail": [o["proposal"].pk],
        "consultations:public": [world.district.code],
    }
    return {name: reverse(name, args=args.get(name)) for name in MEMBER_PAGES}


def layout_problems(page) -> list[str]:
    problems = page.evaluate(OVERLAP)
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > 375:
        problems.append(f"the page is {wide} px wide")
    return problems


def root_font_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_a_member_switches_on_larger_text_and_the_main_pages_fit_a_phone(world, live_server, browser):
    urls = member_urls(world)
    page = open_as(browser, world.member, 375, live_server.url)
    page.goto(live_server.url + urls["groups:my_page"])
    assert root_font_px(page) == 16
    button = page.get_by_test_id("text-size")
    assert button.get_attribute("aria-pressed") == "false" and " ".join(button.inner_text().split()) == "A+ 大字模式"
    button.click()
    page.wait_for_load_state()
    assert page.url == live_server.url + urls["groups:my_page"]  # back on the same page
    assert root_font_px(page) == 20 and page.get_by_test_id("text-size").get_attribute("aria-pressed") == "true"

    shots = ARTIFACTS / "larger-text"
    shots.mkdir(parents=True, exist_ok=True)
    failures = []
    for name, url in urls.items():
        assert page.goto(live_server.url + url).status == 200, name
        assert root_font_px(page) == 20, name  # the setting holds on every page
        failures += [f"{name}: {problem}" for problem in layout_problems(page)]
        page.screenshot(path=str(shots / f"{name.replace(':', '-')}.png"), full_page=True)
    assert not failures, "\n".join(failures)

    page.goto(live_server.url + urls["groups:my_page"])
    page.get_by_test_id("text-size").click()  # and off again
    page.wait_for_load_state()
    assert root_font_px(page) == 16
    page.context.close()


def test_the_login_page_takes_larger_text_before_anyone_logs_in(world, live_server, browser):
    page = open_as(browser, None, 375, live_server.url)
    page.goto(live_server.url + reverse("login"))
    page.get_by_test_id("text-size").click()
    page.wait_for_load_state()
    assert root_font_px(page) == 20 and page.url.endswith(reverse("login"))
    assert layout_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "larger-text" / "login.png"), full_page=True)
    page.context.close()


def test_the_layout_checks_see_overlap_and_sideways_overflow(browser):
    """The checks themselves: text drawn over a button and a row wider than the phone are reported."""
    page = open_as(browser, None, 375, "http://localhost")
    page.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1"><body style="margin:0"><p style="position:absolute;top:0;left:0">委员履职服务</p>'
        '<button class="btn" style="position:absolute;top:0;left:10px">保存</button>'
        '<div style="width:500px">宽</div></body>'
    )
    problems = layout_problems(page)
    assert any("委员履职服务" in p and "保存" in p for p in problems), problems
    assert "the page is 500 px wide" in problems
    page.context.close()
