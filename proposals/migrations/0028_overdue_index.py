"""The index of "overdue now" per cell of a committee's year (#22): the figures page, its workbook and the leaders'
home count the proposals in handling past their reply deadline from this index alone, over the overdue entries only
(``proposal_figures`` read every proposal in handling of the year, and the count by id read the table: 20–60 ms at
50k, 3–5 ms here)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0027_duplicate_hints_by_score"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                condition=models.Q(("state__in", ["assigned", "handling"])),
                fields=["committee", "year", "reply_due"],
                include=("lead_unit", "category"),
                name="proposal_overdue",
            ),
        ),
    ]
