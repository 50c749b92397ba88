"""After the activities and proposals merges: real links instead of the placeholder integer and text fields.

The old values are kept where they point at a row that exists: ``activity_id`` becomes the FK as is (if that
activity exists), ``proposal_ref`` (a proposal's id, or a serial number of the outcome's committee) is looked up.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0002_overdue_schedule"),
        ("groups", "0005_committee_ordering"),
        ("proposals", "0002_trigram"),
    ]

    operations = [
        migrations.RenameField("consultationsession", "activity_id", "legacy_activity_id"),
        migrations.AddField(
            model_name="consultationsession",
            name="activity",
            field=models.ForeignKey(blank=True, help_text="A session can be held as an activity of a group.",
                                    null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="consultation_sessions", to="groups.activity",
                                    verbose_name="held as the activity"),
        ),
        migrations.AddField(
            model_name="outcome",
            name="proposal",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="consultation_outcomes", to="proposals.proposal",
                                    verbose_name="linked proposal"),
        ),
        migrations.AddField(
            model_name="topic",
            name="research_activities",
            field=models.ManyToManyField(blank=True, help_text="The research 调研 done on an adopted topic before it is consulted on.",
                                         related_name="consultation_topics", to="groups.activity",
                                         verbose_name="research activities"),
        ),
    ]
