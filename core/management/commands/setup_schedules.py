"""Create or refresh the beat schedules for notifications: one PeriodicTask per reminder rule plus the sender
and the outbox drain. Existing entries keep what staff changed in the admin (time, lead days, enabled)."""
import json

from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.notifications import rules
from core.notifications.services import DELIVER_TASK

PREFIX = "notifications: "


class Command(BaseCommand):
    help = "Create the Celery beat schedules for reminders, the sender and the outbox (idempotent)."

    def handle(self, *args, **options):
        every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
        fixed = [("send pending deliveries", DELIVER_TASK), ("drain outbox", "core.notifications.drain_outbox")]
        for name, task in fixed:
            _t, created = PeriodicTask.objects.get_or_create(
                name=PREFIX + name, defaults={"task": task, "interval": every_minute}
            )
            self.stdout.write(f"{'created' if created else 'kept'} {PREFIX}{name}")
        for rule in rules.REGISTRY.values():
            crontab, _ = CrontabSchedule.objects.get_or_create(**{
                "minute": "0", "hour": "8", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*",
                **rule.schedule, "timezone": "Asia/Shanghai",
            })
            _t, created = PeriodicTask.objects.get_or_create(
                name=f"{PREFIX}rule {rule.name}",
                defaults={"task": "core.notifications.run_rule", "crontab": crontab,
                          "kwargs": json.dumps({"rule": rule.name, "lead_days": rule.lead_days}),
                          "description": rule.description},
            )
            self.stdout.write(f"{'created' if created else 'kept'} {PREFIX}rule {rule.name}")
