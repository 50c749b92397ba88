"""Exports past ``settings.EXPORT_BACKGROUND_ROWS`` rows are prepared by a worker (``core.export_jobs``): the page
answers at once, the job is built once however often its message comes, the requester is told and downloads it from
"My exports"; the requester or the committee's staff may download it, each checked against the export's own rule."""

import time
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent, ExportJob, OutboxMessage
from core.services import BUILD_EXPORT_TASK, EXPORT_ATTEMPTS, export_build, export_request
from core.tasks import build_export
from notifications.models import Kind, Notification
from tests.assessments.test_annual import year  # noqa: F401  (合肥's rules, Q1 rolled up: 3 members)
from tests.events import deliver_outboxed_events

pytestmark = pytest.mark.django_db

ANNUAL = "assessments:assessment_export"
MEMBERS = 3  # the member snapshots of the ``year`` fixture's district: the annual workbook's rows


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _ask(client, world, url=ANNUAL):
    return client.get(reverse(url), {"committee": world.district.pk, "year": 2026})


def _values(content: bytes) -> dict:
    book = load_workbook(BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.values] for sheet in book.worksheets}


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _queued(world, year=2026):
    return export_request(
        actor=world.district_staff, kind="assessments.annual", params={"committee": world.district.pk, "year": year}
    )


# --- The threshold, both sides ------------------------------------------------------------------------------


def test_an_export_of_as_many_rows_as_the_threshold_is_downloaded_at_once(world, client_for, year, settings):  # noqa: F811
    settings.EXPORT_BACKGROUND_ROWS = MEMBERS
    response = _ask(client_for(world.district_staff), world)
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    assert not ExportJob.objects.exists()
    assert AuditEvent.objects.filter(verb="export", data__rows=MEMBERS).count() == 1


def test_an_export_of_one_row_more_is_queued_and_the_page_says_it_is_being_prepared(
    world,
    client_for,
    year,
    settings,  # noqa: F811
):
    settings.EXPORT_BACKGROUND_ROWS = MEMBERS - 1
    response = _ask(client_for(world.district_staff), world)
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert (job.requested_by, job.state, job.committee_id) == (world.district_staff, "queued", world.district.pk)
    assert job.params == {"committee": world.district.pk, "year": 2026}
    assert "导出文件正在生成" in response.content.decode() and reverse("exports") in response.content.decode()
    assert OutboxMessage.objects.filter(task=BUILD_EXPORT_TASK, args=[job.pk]).count() == 1
    assert AuditEvent.objects.filter(
        verb="export_requested", object_id=str(job.pk), actor=world.district_staff
    ).exists()
    assert not AuditEvent.objects.filter(verb="export").exists()  # exported when built, not when asked for


def test_the_ledger_past_the_threshold_is_queued_with_its_filters(world, client_for, settings):
    from tests.groups.factories import ActivityFactory

    for _ in range(3):
        ActivityFactory(group=world.group)
    client = client_for(world.district_staff)
    settings.EXPORT_BACKGROUND_ROWS = 3
    assert client.get(reverse("activities:ledger"), {"export": "xlsx", "group": world.group.pk}).status_code == 200
    settings.EXPORT_BACKGROUND_ROWS = 2
    response = client.get(reverse("activities:ledger"), {"export": "xlsx", "group": world.group.pk, "page": 2})
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.params == {"query": f"group={world.group.pk}"} and job.committee_id is None  # the requester's alone


# --- Built by the worker ------------------------------------------------------------------------------------


def test_the_prepared_workbook_holds_what_the_request_would_have_given(
    world,
    client_for,
    year,
    settings,
    media,  # noqa: F811
):
    client = client_for(world.district_staff)
    settings.EXPORT_BACKGROUND_ROWS = MEMBERS
    direct = _values(_ask(client, world).content)
    settings.EXPORT_BACKGROUND_ROWS = 0
    _ask(client, world)
    job = ExportJob.objects.get()
    assert build_export(job.pk) == {"job": job.pk, "state": "done", "rows": MEMBERS}
    job.refresh_from_db()
    assert job.filename.startswith("年度考核-东湖区政协-2026-") and job.filename.endswith(".xlsx")
    response = client.get(reverse("export_download", args=[job.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert _values(_content(response)) == direct
    assert AuditEvent.objects.filter(verb="export", object_id=str(job.pk)).count() == 2  # built, then downloaded


def test_a_job_is_built_once_however_often_its_message_comes(world, year, media):  # noqa: F811
    job = _queued(world)
    first = export_build(job_id=job.pk)
    name = first.file.name
    again = export_build(job_id=job.pk)
    assert again.state == ExportJob.State.DONE and again.file.name == name and again.attempts == 1
    assert AuditEvent.objects.filter(verb="export", object_id=str(job.pk)).count() == 1
    deliver_outboxed_events()
    assert Notification.objects.filter(kind=Kind.EXPORT_FINISHED).count() == 1


def test_asking_again_while_it_is_being_prepared_is_the_same_job(world, year, media):  # noqa: F811
    job = _queued(world)
    assert _queued(world) == job
    assert _queued(world, 2025) != job  # other parameters: another export
    export_build(job_id=job.pk)
    assert _queued(world) != job  # once it is ready, asking again prepares it anew


def test_the_requester_is_told_when_it_is_ready(world, client_for, year, media):  # noqa: F811
    job = export_build(job_id=_queued(world).pk)
    deliver_outboxed_events()
    notice = Notification.objects.get(kind=Kind.EXPORT_FINISHED)
    assert notice.recipient == world.district_staff and notice.title == f"您申请的导出文件已生成：{job.title}"
    page = client_for(world.district_staff).get(notice.url)
    assert reverse("export_download", args=[job.pk]) in page.content.decode()


def test_a_requester_who_lost_the_right_before_the_build_gets_a_failed_job_and_no_file(world, year, media):  # noqa: F811
    from groups.models import CommitteeStaff

    job = _queued(world)
    CommitteeStaff.objects.filter(user=world.district_staff).delete()
    world.district_staff = type(world.district_staff).objects.get(pk=world.district_staff.pk)  # a fresh scope
    job = export_build(job_id=job.pk)
    assert job.state == ExportJob.State.FAILED and not job.file and "工作人员和领导" in job.error
    deliver_outboxed_events()
    assert Notification.objects.get(kind=Kind.EXPORT_FINISHED).title.startswith("您申请的导出文件生成失败")


def test_a_build_that_raises_fails_the_job_with_a_plain_reason(world, year, media, monkeypatch):  # noqa: F811
    from dataclasses import replace

    from core import export_jobs

    def broken(user, params):
        raise ValueError("the database went away")

    kind = export_jobs.KINDS["assessments.annual"]
    monkeypatch.setitem(export_jobs.KINDS, kind.name, replace(kind, build=broken))
    job = export_build(job_id=_queued(world).pk)
    assert job.state == ExportJob.State.FAILED and job.error == "导出文件生成失败。" and not job.file
    assert AuditEvent.objects.filter(verb="export_failed", object_id=str(job.pk)).exists()


def test_a_job_whose_worker_died_too_often_fails(world, year, media):  # noqa: F811
    job = _queued(world)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING, attempts=EXPORT_ATTEMPTS)
    assert export_build(job_id=job.pk).state == ExportJob.State.FAILED


# --- Who may download, and the list -------------------------------------------------------------------------


@pytest.fixture
def ready(world, year, media):  # noqa: F811
    """A district staff's prepared annual workbook."""
    return export_build(job_id=_queued(world).pk)


@pytest.mark.parametrize(
    "role,status",
    [
        ("district_staff", 200),  # the requester
        ("staff", 200),  # the city's staff reach the district
        ("leader", 404),  # may export it themselves, but not download another's copy
        ("other_staff", 404),
        ("convener", 404),
        ("member", 404),
        ("unit_user", 404),
    ],
)
def test_a_prepared_export_is_downloaded_by_its_requester_and_its_committees_staff(
    world, client_for, ready, role, status
):
    response = client_for(getattr(world, role)).get(reverse("export_download", args=[ready.pk]))
    assert response.status_code == status
    if status == 200:
        assert _content(response)[:2] == b"PK"


def test_an_anonymous_visitor_is_sent_to_log_in(client, ready):
    response = client.get(reverse("export_download", args=[ready.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_exports_rule_is_checked_again_at_download(world, client_for, ready):
    """The requester left the secretariat: the row is still theirs, the export's rule refuses them now."""
    from groups.models import CommitteeStaff

    CommitteeStaff.objects.filter(user=world.district_staff).delete()
    assert client_for(world.district_staff).get(reverse("export_download", args=[ready.pk])).status_code == 403


def test_a_job_not_ready_is_not_downloaded(world, client_for, year, media):  # noqa: F811
    job = _queued(world)
    assert client_for(world.district_staff).get(reverse("export_download", args=[job.pk])).status_code == 404


def test_an_export_of_no_committee_is_its_requesters_alone(world, client_for, media):
    job = export_request(actor=world.district_staff, kind="activities.ledger", params={"query": ""})
    export_build(job_id=job.pk)
    assert client_for(world.district_staff).get(reverse("export_download", args=[job.pk])).status_code == 200
    assert client_for(world.staff).get(reverse("export_download", args=[job.pk])).status_code == 404


def test_my_exports_lists_ones_own_and_ones_committees_jobs_only(
    world, client_for, ready, django_assert_max_num_queries
):
    mine = export_request(actor=world.staff, kind="activities.ledger", params={"query": ""})
    theirs = export_request(actor=world.other_staff, kind="activities.ledger", params={"query": ""})
    client = client_for(world.staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("exports")).content.decode()
    assert f'data-export-job="{mine.pk}"' in page and f'data-export-job="{ready.pk}"' in page
    assert f'data-export-job="{theirs.pk}"' not in page
    assert reverse("export_download", args=[ready.pk]) in page  # ready: its link
    assert reverse("export_download", args=[mine.pk]) not in page  # waiting: no link yet
    own = client_for(world.other_staff).get(reverse("exports")).content.decode()
    assert f'data-export-job="{theirs.pk}"' in own and f'data-export-job="{ready.pk}"' not in own


def test_asking_for_an_export_one_may_not_have_is_refused_either_way(world, client_for, year, settings):  # noqa: F811
    client = client_for(world.other_staff)
    for threshold in (MEMBERS, 0):
        settings.EXPORT_BACKGROUND_ROWS = threshold
        assert _ask(client, world).status_code == 403
    assert not ExportJob.objects.exists()


# --- A real worker ------------------------------------------------------------------------------------------


@pytest.mark.worker
def test_a_real_worker_prepares_the_export_the_page_asked_for(world, client_for, year, settings, celery_worker_process):  # noqa: F811
    """The page's request commits the job and publishes its message; the worker process builds it from the same
    database and storage; the requester downloads it."""
    settings.EXPORT_BACKGROUND_ROWS = 0
    client = client_for(world.district_staff)
    assert _ask(client, world).status_code == 202
    job = ExportJob.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (ExportJob.State.DONE, ExportJob.State.FAILED):
            break
        time.sleep(0.3)
    assert job.state == ExportJob.State.DONE, celery_worker_process.log.read_text()[-2000:]
    try:
        response = client.get(reverse("export_download", args=[job.pk]))
        assert response.status_code == 200
        assert len(_values(_content(response))["年度考核"]) == MEMBERS + 1
    finally:
        job.file.delete(save=False)


# --- The hourly tidy: files past their days, stuck jobs ------------------------------------------------------


def _aged(job, **ago):
    from datetime import timedelta

    from django.utils import timezone

    fields = {name: timezone.now() - timedelta(**{unit: value}) for name, (unit, value) in ago.items()}
    ExportJob.objects.filter(pk=job.pk).update(**fields)
    return ExportJob.objects.get(pk=job.pk)


def test_a_ready_file_past_its_days_is_removed_and_the_job_says_so(
    world, client_for, ready, settings, django_capture_on_commit_callbacks
):
    from core.services import exports_tidy

    settings.EXPORT_KEEP_DAYS = 7
    fresh = export_build(job_id=_queued(world, 2025).pk)  # ready an hour ago: kept
    job = _aged(ready, finished_at=("days", 8))
    storage, name = job.file.storage, job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_tidy() == {"expired": 1, "resent": 0, "given_up": 0}
    job.refresh_from_db()
    assert job.state == ExportJob.State.EXPIRED and not job.file and not storage.exists(name)
    assert storage.exists(fresh.file.name)
    event = AuditEvent.objects.get(verb="export_expired", object_id=str(job.pk))
    assert (event.from_state, event.to_state, event.committee_id) == ("done", "expired", world.district.pk)
    staff = client_for(world.district_staff)
    assert staff.get(reverse("export_download", args=[job.pk])).status_code == 404
    page = staff.get(reverse("exports")).content.decode()
    assert "已过期" in page and "文件已在生成 7 天后删除" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_tidy() == {"expired": 0, "resent": 0, "given_up": 0}  # a second run finds nothing
    assert export_build(job_id=job.pk).state == ExportJob.State.EXPIRED  # a late copy of its message builds nothing


def test_a_rolled_back_tidy_keeps_the_file(world, ready, settings, django_capture_on_commit_callbacks, monkeypatch):
    from core import services

    job = _aged(ready, finished_at=("days", 30))

    def failing(rows):
        raise RuntimeError("the audit insert failed")

    monkeypatch.setattr(services, "record_events", failing)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.exports_tidy()
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.file.storage.exists(job.file.name)


def test_a_stuck_job_is_sent_to_a_worker_again_and_built_once(world, year, media, settings):  # noqa: F811
    from core.services import exports_tidy

    settings.EXPORT_STUCK_MINUTES = 30
    lost = _aged(_queued(world), created_at=("minutes", 45))  # its message lost with the broker
    started = _aged(_queued(world, 2025), created_at=("minutes", 45))
    ExportJob.objects.filter(pk=started.pk).update(state=ExportJob.State.RUNNING, started_at=lost.created_at)
    building = _aged(_queued(world, 2024), created_at=("minutes", 45))  # a worker on it for 5 minutes
    _aged(building, started_at=("minutes", 5))
    ExportJob.objects.filter(pk=building.pk).update(state=ExportJob.State.RUNNING)
    waiting = _queued(world, 2023)  # asked for a minute ago
    last = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert exports_tidy() == {"expired": 0, "resent": 2, "given_up": 0}
    resent = OutboxMessage.objects.filter(task=BUILD_EXPORT_TASK, pk__gt=last)
    assert sorted(m.args[0] for m in resent) == sorted([lost.pk, started.pk])
    assert set(AuditEvent.objects.filter(verb="export_resent").values_list("object_id", flat=True)) == {
        str(lost.pk),
        str(started.pk),
    }
    for _ in range(2):  # the old message arrives after all, and the resent one
        assert build_export(lost.pk)["state"] == "done"
    assert ExportJob.objects.get(pk=lost.pk).attempts == 1
    assert ExportJob.objects.get(pk=waiting.pk).state == ExportJob.State.QUEUED


def test_a_job_not_ready_after_its_days_is_failed_and_its_requester_told(world, year, media, settings):  # noqa: F811
    from core.services import exports_tidy

    settings.EXPORT_KEEP_DAYS = 7
    job = _aged(_queued(world), created_at=("days", 8))
    assert exports_tidy() == {"expired": 0, "resent": 0, "given_up": 1}
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED and job.error == "导出文件生成失败。"
    deliver_outboxed_events()
    assert Notification.objects.get(kind=Kind.EXPORT_FINISHED).title.startswith("您申请的导出文件生成失败")


def test_the_tidy_runs_hourly_from_beat(db):
    """Run the data migration's function itself: a transactional test earlier in the same process may have flushed
    the rows the migration wrote when the test database was built."""
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from cppcc_portal.celery import app

    migration = import_module("core.migrations.0018_export_tidy")
    migration.schedule(apps, None)
    migration.schedule(apps, None)  # idempotent
    task = PeriodicTask.objects.get(task="core.tidy_exports")
    assert task.enabled and task.crontab.hour == "*" and "core.tidy_exports" in app.tasks
