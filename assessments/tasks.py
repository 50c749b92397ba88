"""Celery tasks of the assessments app: they take ids and call services."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(name="assessments.run_rollup", acks_late=True)
def run_rollup(run_id: int) -> dict:
    """Compute one quarter's roll-up (idempotent: a run already done is not recomputed)."""
    from .services import rollup_execute

    run = rollup_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "members": run.members_done}


STUCK_AFTER = timedelta(hours=1)


@shared_task(name="assessments.start_due_rollups")
def start_due_rollups() -> list[int]:
    """Beat, nightly: queue the quarter that just ended and every stale quarter; resend stuck runs."""
    from .services import rollup_requeue_stuck, rollup_start_due

    started = [run.pk for run in rollup_start_due(today=timezone.localdate())]
    return started + rollup_requeue_stuck(now=timezone.now(), older_than=STUCK_AFTER)
