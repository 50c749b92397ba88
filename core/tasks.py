from celery import shared_task
from django.db import connection

from core import events


@shared_task(name="core.health")
def health() -> dict:
    """Prove a worker is alive and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"ok": one == 1}


@shared_task(name=events.DELIVER_TASK, acks_late=True, bind=True, max_retries=None)
def deliver_event(self, event: str, data: dict, subscriber: str, attempt: int = 1, outbox_id: int | None = None) -> str:
    """Run one after-commit subscriber for one domain event (queued through the outbox by ``events.publish``).

    A failing subscriber is retried through the outbox (``events.deliver``); only when even that cannot be
    written (the database is down) does the message go back to the broker, a minute later.
    """
    try:
        return events.deliver(event=event, data=data, subscriber=subscriber, attempt=attempt, outbox_id=outbox_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(name="core.build_export", acks_late=True)
def build_export(job_id: int) -> dict:
    """Build one export asked for on a page (idempotent: a job done or failed is left alone)."""
    from core.services import export_build

    job = export_build(job_id=job_id)
    return {"job": job.pk, "state": job.state, "rows": job.rows}


@shared_task(name="core.tidy_exports")
def tidy_exports() -> dict:
    """Beat, hourly: remove prepared files past their days, send stuck jobs to a worker again
    (``core.services.exports_tidy``)."""
    from core.services import exports_tidy

    return exports_tidy()
