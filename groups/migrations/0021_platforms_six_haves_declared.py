"""The six hand-ticked haves 六有 become declarations: what was ticked stays on the platform as "declared, no
evidence yet" (``Platform.declared_six_haves``); the page counts a have as met only with its evidence. A platform
in service becomes established (date and approval document unknown: it predates the record), one out of service
wound up (date unknown)."""

from django.db import migrations

HAVES = ("venue", "sign", "rules", "activities", "archive", "evaluation")


def declare(apps, schema_editor):
    Platform = apps.get_model("groups", "Platform")
    for platform in Platform.objects.all().iterator():
        platform.declared_six_haves = [k for k in HAVES if getattr(platform, f"has_{k}")]
        platform.state = "established" if platform.is_active else "wound_up"
        platform.save(update_fields=["declared_six_haves", "state"])


def undeclare(apps, schema_editor):
    Platform = apps.get_model("groups", "Platform")
    for platform in Platform.objects.all().iterator():
        for k in HAVES:
            setattr(platform, f"has_{k}", k in (platform.declared_six_haves or []))
        platform.save(update_fields=[f"has_{k}" for k in HAVES])


class Migration(migrations.Migration):
    dependencies = [("groups", "0020_platforms_run")]

    operations = [migrations.RunPython(declare, undeclare)]
