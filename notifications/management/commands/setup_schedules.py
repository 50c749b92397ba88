"""Create or refresh the beat schedules for notifications: one PeriodicTask per reminder rule plus the sender
and the outbox drain (``notifications.services.schedules_setup``). Existing entries keep what staff changed
in the admin (time, lead days, enabled)."""

from django.core.management.base import BaseCommand

from notifications.services import schedules_setup


class Command(BaseCommand):
    help = "Create the Celery beat schedules for reminders, the sender and the outbox (idempotent)."

    def handle(self, *args, **options):
        for name, created in schedules_setup(actor=None):
            self.stdout.write(f"{'created' if created else 'kept'} {name}")
