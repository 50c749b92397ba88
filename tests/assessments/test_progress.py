"""Progress of a roll-up: its stages are readable while the transaction is open; staff watch it in the admin."""

import pytest
from django.urls import reverse

from assessments import progress, rollup
from assessments.models import RollupRun, RuleSet
from assessments.services import rollup_execute, rollup_start
from tests.assessments.test_rollup import district_year, events  # noqa: F401  (the same fixtures)

pytestmark = pytest.mark.django_db

START = reverse("admin:assessments_rolluprun_start")


@pytest.fixture(autouse=True)
def _progress_cache(settings, tmp_path):
    """A file cache of this test's own (what `make run` uses without Redis)."""
    settings.CACHES = {
        **settings.CACHES,
        progress.ALIAS: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "progress"),
        },
    }


def _status_url(run):
    return reverse("assessments:rollup_status", args=[run.pk])


def test_each_stage_is_published_while_the_transaction_is_still_open(world, events, monkeypatch):  # noqa: F811
    seen = []
    for name in ("member_snapshots", "group_snapshots", "committee_snapshot"):
        real = getattr(rollup, name)

        def spy(run, real=real):
            fresh = RollupRun.objects.select_related("committee").get(pk=run.pk)
            seen.append((progress.status(fresh)["stage"], progress.status(fresh)["percent"]))
            return real(run)

        monkeypatch.setattr(rollup, name, spy)
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    assert progress.status(run)["stage"] == "queued" and progress.status(run)["percent"] == 0
    rollup_execute(run_id=run.pk)
    assert seen == [("members", 2), ("groups", 33), ("committee", 67)]
    assert progress.read(run) == {"stage": "done", "done": 3, "total": 3}
    run.refresh_from_db()
    done = progress.status(run)
    assert (done["status"], done["stage"], done["percent"], done["finished"]) == ("done", "finished", 100, True)
    assert done["message"] == "2026年第二季度：已计算 3 名委员。"
    figures = {f["name"]: f["value"] for f in done["figures"]}
    assert figures["members"] == "3" and figures["points"] == "24.00"
    assert done["links"]["annual"] == f"/assessments/annual/?committee={world.district.pk}&year=2026"


def test_while_saving_the_bar_stops_short_of_100(world):
    run = RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.RUNNING)
    assert progress.status(run)["stage"] == "starting"
    progress.publisher(run)("done", 3, 3)
    assert (progress.status(run)["stage_label"], progress.status(run)["percent"]) == ("正在保存快照", 99)


def test_a_failed_run_says_so_in_chinese(world, events, monkeypatch, client_for):  # noqa: F811
    monkeypatch.setattr(rollup, "committee_snapshot", lambda run: 1 / 0)
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=None)
    with pytest.raises(ZeroDivisionError):
        rollup_execute(run_id=run.pk)
    body = client_for(world.district_staff).get(_status_url(run)).json()
    assert body["status"] == "failed" and body["finished"]
    assert body["error"].startswith("汇总失败，原有数据保持不变。技术细节：ZeroDivisionError")
    page = client_for(world.district_staff).get(reverse("admin:assessments_rolluprun_progress", args=[run.pk]))
    assert "汇总失败，原有数据保持不变。" in page.content.decode()


def test_the_status_is_for_staff_of_the_runs_committee_in_a_fixed_number_of_queries(
    world, events, client_for, django_assert_max_num_queries
):  # noqa: F811
    run = rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=2, actor=None).pk)
    for user in (world.district_staff, world.staff):  # the district's staff and the city's
        client = client_for(user)
        with django_assert_max_num_queries(8):
            response = client.get(_status_url(run))
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response["Cache-Control"] == "no-store"
    for user in (world.other_staff, world.leader, world.member):
        assert client_for(user).get(_status_url(run)).status_code == 404


def test_staff_run_a_quarter_from_the_admin_and_land_on_its_progress_page(world, client_for):
    client = client_for(world.district_staff)
    form = client.get(START)
    assert form.status_code == 200
    assert list(form.context["form"].fields["committee"].queryset) == [world.district]
    response = client.post(START, {"committee": world.district.pk, "year": 2026, "quarter": 1})
    run = RollupRun.objects.get()
    assert response.url == reverse("admin:assessments_rolluprun_progress", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert f'data-status-url="{_status_url(run)}"' in page and 'aria-valuenow="0"' in page
    assert "js/rollup-progress.js" in page and "<script>" not in page  # CSP: no inline script
    assert "等待后台任务" in page


def test_refusals_are_clear_messages(world, client_for):
    client = client_for(world.district_staff)
    data = {"committee": world.district.pk, "year": 2026, "quarter": 1}
    client.post(START, data)
    again = client.post(START, data).content.decode()
    assert "data-refusal>该季度的汇总已在排队或运行中。" in again
    RuleSet.objects.create(committee=world.district, year=2025, is_locked=True)
    locked = client.post(START, {**data, "year": 2025}).content.decode()
    assert "data-refusal>2025年度已锁定，数据不能再改变。" in locked


def test_staff_of_another_committee_cannot_watch_a_run(world, client_for):
    run = RollupRun.objects.create(committee=world.district, year=2026, quarter=1)
    url = reverse("admin:assessments_rolluprun_progress", args=[run.pk])
    assert client_for(world.other_staff).get(url).status_code == 404
    assert client_for(world.staff).get(url).status_code == 200


def test_running_one_quarter_again_opens_its_progress(world, events, client_for):  # noqa: F811
    done = rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=2, actor=None).pk)
    response = client_for(world.district_staff).post(
        reverse("admin:assessments_rolluprun_changelist"), {"action": "run_again", "_selected_action": [done.pk]}
    )
    again = RollupRun.objects.exclude(pk=done.pk).get()
    assert response.url == reverse("admin:assessments_rolluprun_progress", args=[again.pk])


def test_the_progress_page_has_a_fixed_number_of_queries(
    world,
    events,
    client_for,  # noqa: F811
    django_assert_max_num_queries,
):
    client = client_for(world.district_staff)
    run = rollup_execute(run_id=rollup_start(committee=world.district, year=2026, quarter=2, actor=None).pk)
    url = reverse("admin:assessments_rolluprun_progress", args=[run.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as done:
        page = client.get(url)
    assert page.status_code == 200 and 'data-figure-name="members"' in page.content.decode()
    queued = rollup_start(committee=world.district, year=2026, quarter=3, actor=None)
    with django_assert_max_num_queries(len(done.captured_queries)):
        assert client.get(reverse("admin:assessments_rolluprun_progress", args=[queued.pk])).status_code == 200
