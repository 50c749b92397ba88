"""The daily overdue check as beat configuration (visible and editable in the admin)."""
from django.db import migrations

TASK_NAME = "consultations: flag overdue outcomes"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="7", day_of_week="*", day_of_month="*",
                                                        month_of_year="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.get_or_create(name=TASK_NAME, defaults={
        "task": "consultations.flag_overdue_outcomes", "crontab": schedule, "enabled": True,
        "description": "每天 7:30 标记超过办理期限的协商成果",
    })


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
