"""A committee's reports by the moment they were made (#22): the duty events behind a quarter's "reports submitted"
figure are read a page at a time in that order (``assessments.event_pages``), not every report of the committee
sorted for each page."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0030_assignment_proposal_state"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opinionreport",
            index=models.Index(fields=["committee", "created_at"], name="report_committee_created"),
        ),
    ]
