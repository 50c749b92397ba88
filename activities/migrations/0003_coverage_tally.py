"""Coverage 全覆盖 kept as data (#22): the table of (member, committee, year, quarter) cells, filled from the rows
of an existing database (``activities.coverage.rebuild_cells``, one INSERT … SELECT, on the models as this migration
sees them)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from activities.coverage import rebuild_cells

    rebuild_cells(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0002_counted_three_enters_index'),
        ('groups', '0027_activity_ledger_to_its_own_app'),
    ]

    operations = [
        migrations.CreateModel(
            name='CoverageTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('quarter', models.PositiveSmallIntegerField(verbose_name='quarter')),
                ('three_enters', models.PositiveIntegerField(default=0, verbose_name='three-enters activities attended')),
                ('point_contacts', models.PositiveIntegerField(default=0, verbose_name='contacts at a contact point')),
                ('committee', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='groups.committee', verbose_name='committee')),
                ('member', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='groups.member', verbose_name='member')),
            ],
            options={
                'verbose_name': 'coverage tally',
                'verbose_name_plural': 'coverage tallies',
                'constraints': [models.UniqueConstraint(fields=('member', 'year', 'quarter', 'committee'), name='coverage_tally_cell'), models.CheckConstraint(condition=models.Q(('quarter__gte', 1), ('quarter__lte', 4)), name='coverage_tally_quarter'), models.CheckConstraint(condition=models.Q(('three_enters__gt', 0), ('point_contacts__gt', 0), _connector='OR'), name='coverage_tally_not_empty')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
