"""Coverage 全覆盖 per committee and period kept as data (#22): the table of (committee, year, quarter or 0 for the
year) covered counts, filled from the member cells of an existing database (``activities.coverage
.recount_committees``, on the models as this migration sees them). Going back drops the table: the cells keep
everything it was counted from."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from activities.coverage import recount_committees

    recount_committees(registry=apps)


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0007_has_evidence_kept_by_database'),
        ('groups', '0027_activity_ledger_to_its_own_app'),
    ]

    operations = [
        migrations.CreateModel(
            name='CommitteeCoverage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('quarter', models.PositiveSmallIntegerField(help_text='1 to 4; 0 for the whole year.', verbose_name='quarter')),
                ('covered', models.PositiveIntegerField(default=0, verbose_name='members covered')),
                ('committee', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='groups.committee', verbose_name='committee')),
            ],
            options={
                'verbose_name': 'committee coverage',
                'verbose_name_plural': 'committee coverage',
                'constraints': [models.UniqueConstraint(fields=('committee', 'year', 'quarter'), name='committee_coverage_period'), models.CheckConstraint(condition=models.Q(('quarter__gte', 0), ('quarter__lte', 4)), name='committee_coverage_quarter')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
