from celery import shared_task

from consultations import services


@shared_task(name="consultations.flag_overdue_outcomes", acks_late=True)
def flag_overdue_outcomes() -> int:
    """Daily: put an "overdue" mark on the timeline of every outcome past its deadline (idempotent)."""
    return services.outcomes_flag_overdue()
