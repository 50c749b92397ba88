"""A group's activities by start carry their state, kind and six-ones item (#22): the coverage page counts its page
of groups' held, three-enters and six-ones activities in a period from the index alone (an index-only scan on
PostgreSQL; SQLite has no included columns and keeps the plain index) instead of reading ~10,000 rows at 50k."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0010_filed_tally"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="activity",
            name="groups_acti_group_i_daccb1_idx",
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["group", "starts_at"], include=("state", "kind", "six_item"), name="activity_group_start"
            ),
        ),
    ]
