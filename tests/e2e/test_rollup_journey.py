"""Browser journey: staff run the quarter's roll-up from the admin and watch it finish (a real Celery worker)."""

import re

import pytest
from django.conf import settings

from assessments.models import CommitteeSnapshot, MemberSnapshot, RollupRun
from assessments.services import ruleset_create_from_preset
from groups.models import Member
from tests.assessments.test_sources import activity

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EXTRA_MEMBERS = 6000  # a committee's worth of members


def test_staff_run_the_quarter_and_watch_the_progress_reach_the_figures(
    world, celery_worker_process, live_server, page, screenshot
):
    ruleset_create_from_preset(committee=world.district, year=2026, preset="hefei", actor=None)
    activity(world, 2, 1, [world.member_record, world.convener_member])  # Q1: an activity, 7.5 points each
    m = world.member_record
    Member.objects.bulk_create(
        [
            Member(committee=m.committee, term=m.term, sector=m.sector, name=f"委员{i}", party=m.party)
            for i in range(EXTRA_MEMBERS)
        ],
        batch_size=2000,
    )
    in_office = Member.objects.filter(committee=world.district, status=Member.Status.ACTIVE).count()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.fill("#id_username", "dstaff")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/assessments/rolluprun/")
    page.get_by_role("link", name="运行季度汇总").click()
    page.wait_for_url("**/rolluprun/start/")
    options = page.locator("#id_committee option").all_inner_texts()
    assert [o for o in options if "政协" in o] == [world.district.name]  # only the staff's own committee
    page.select_option("#id_committee", str(world.district.pk))
    page.fill("#id_year", "2026")
    page.select_option("#id_quarter", "1")
    screenshot(page, "rollup-01-start")
    page.get_by_role("button", name="运行汇总").click()

    page.wait_for_url(re.compile(r"/rolluprun/\d+/progress/$"))
    assert page.locator(".messagelist").inner_text().strip() == "季度汇总已排队。"
    screenshot(page, "rollup-02-running")  # queued or computing, whichever the page shows first
    # the page's script has shown the end (data-seen): a run done before the page loaded is rendered done already
    page.wait_for_selector("[data-rollup-progress][data-status=done][data-seen*='finished']", timeout=90_000)
    run = RollupRun.objects.get()
    assert run.status == RollupRun.Status.DONE, celery_worker_process.log.read_text()[-2000:]

    box = page.locator("[data-rollup-progress]")
    bar = page.locator("[role=progressbar]")
    assert bar.get_attribute("aria-valuenow") == "100" and page.locator("[data-bar]").inner_text() == "100%"
    seen = box.get_attribute("data-seen").split()
    print("stages seen by the page:", seen)
    # The SQL roll-up of 6,000 members takes well under a second: the page may go straight from
    # queued to finished, but it always ends at 100 and never goes backwards.
    percents = [int(s.split(":")[1]) for s in seen]
    assert seen[-1] == "finished:100" and percents == sorted(percents)
    assert page.locator("[data-message]").inner_text() == f"2026年第一季度：已计算 {in_office} 名委员。"
    figures = {
        row.get_attribute("data-figure-row"): row.locator("td").inner_text()
        for row in page.locator("[data-figure-row]").all()
    }
    snapshot = CommitteeSnapshot.objects.get(run=run)
    assert figures["members"] == str(in_office) == str(snapshot.members)
    assert figures["points"] == "15.00" == str(snapshot.points) and figures["activities_present"] == "2"
    assert page.locator("[data-result]").is_visible() and not page.locator("[data-error]").is_visible()
    page.wait_for_timeout(800)  # the bar's width transition (0.6 s)
    screenshot(page, "rollup-03-done")

    page.get_by_role("link", name="本季度委员快照").click()
    page.wait_for_url("**/admin/assessments/membersnapshot/**")
    assert page.locator("#result_list tbody tr").count() > 0
    assert MemberSnapshot.objects.filter(run=run).count() == in_office

    # Starting the same quarter again while nothing is running is allowed; a locked year is refused clearly.
    page.goto(f"{live_server.url}/admin/assessments/rolluprun/start/")
    from assessments.models import RuleSet

    RuleSet.objects.filter(committee=world.district, year=2026).update(is_locked=True)
    page.select_option("#id_committee", str(world.district.pk))
    page.fill("#id_year", "2026")
    page.get_by_role("button", name="运行汇总").click()
    assert page.locator("[data-refusal]").inner_text() == "2026年度已锁定，数据不能再改变。"
    assert page.get_by_text("2026年度已锁定").count() == 1  # said once, not twice
    screenshot(page, "rollup-04-refused")
