from celery import shared_task
from django.db import connection

from core.notifications import tasks as notification_tasks  # noqa: F401  (registers the notification tasks)


@shared_task(name="core.health")
def health() -> dict:
    """Prove a worker is alive and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"ok": one == 1}
