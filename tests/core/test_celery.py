import pytest

from core.tasks import health

pytestmark = pytest.mark.worker


def test_health_task_runs_on_a_real_worker(celery_worker_process):
    result = health.delay()
    assert result.get(timeout=30) == {"ok": True}
    assert "core.health" in celery_worker_process.log.read_text()


def test_beat_schedules_are_stored_in_the_database(db):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="health", task="core.health", interval=every)
    assert PeriodicTask.objects.get(name="health").enabled
