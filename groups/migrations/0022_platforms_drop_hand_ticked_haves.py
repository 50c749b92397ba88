from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("groups", "0021_platforms_six_haves_declared")]

    operations = [
        migrations.RemoveField(
            model_name="historicalplatform",
            name="has_activities",
        ),
        migrations.RemoveField(
            model_name="historicalplatform",
            name="has_archive",
        ),
        migrations.RemoveField(
            model_name="historicalplatform",
            name="has_evaluation",
        ),
        migrations.RemoveField(
            model_name="historicalplatform",
            name="has_rules",
        ),
        migrations.RemoveField(
            model_name="historicalplatform",
            name="has_sign",
        ),
        migrations.RemoveField(
            model_name="historicalplatform",
            name="has_venue",
        ),
        migrations.RemoveField(
            model_name="platform",
            name="has_activities",
        ),
        migrations.RemoveField(
            model_name="platform",
            name="has_archive",
        ),
        migrations.RemoveField(
            model_name="platform",
            name="has_evaluation",
        ),
        migrations.RemoveField(
            model_name="platform",
            name="has_rules",
        ),
        migrations.RemoveField(
            model_name="platform",
            name="has_sign",
        ),
        migrations.RemoveField(
            model_name="platform",
            name="has_venue",
        ),
    ]
