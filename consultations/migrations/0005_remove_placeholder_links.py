"""The placeholder fields are gone once copied."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("consultations", "0004_copy_old_links")]

    operations = [
        migrations.RemoveField("consultationsession", "legacy_activity_id"),
        migrations.RemoveField("outcome", "proposal_ref"),
    ]
