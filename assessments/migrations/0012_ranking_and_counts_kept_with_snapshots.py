"""Member snapshots keep their rank and place in the committee's ranking; committee snapshots keep their members per
grade, below the minimums and per band of ten points. The roll-up writes them with the rows (``rollup.RANKED``,
``rollup._member_counts``); this fills them for the snapshots written before.

The annual page read the committee's 16,666 snapshots and ranked them on every request (a window over the
committee: 45 ms of SQL alone at 50,000 members), the dashboard counted them per band (13 filtered counts). The
index on (committee, year, quarter) gains the place: a page of the ranking is 50 rows of it. It is made before the
rows are filled: made after, over the update's dead row versions, PostgreSQL would not use it while any transaction
older than the migration's is open (``pg_index.indcheckxmin``).
"""

import importlib

from django.db import migrations, models
from django.db.models import Count, Q

from core.migration_sql import per_vendor

# SQLite adds a column that is not null by copying the table, which drops its triggers and trips over the run's
# triggers that name it: 0006's triggers (a snapshot keyed to its run) are dropped before and made again after.
KEYED = importlib.import_module("assessments.migrations.0006_snapshots_keyed_to_their_run")

RANKS = """UPDATE assessments_membersnapshot SET ytd_rank = r.rnk, ytd_place = r.place FROM (
SELECT s.id, RANK() OVER (PARTITION BY s.committee_id, s.year, s.quarter ORDER BY s.ytd_total DESC) AS rnk,
ROW_NUMBER() OVER (PARTITION BY s.committee_id, s.year, s.quarter ORDER BY s.ytd_total DESC, m.name, s.member_id)
AS place FROM assessments_membersnapshot s JOIN groups_member m ON m.id = s.member_id) r
WHERE assessments_membersnapshot.id = r.id"""

BUCKETS = 13  # as rollup.BUCKETS: below 10, 10–19, …, 120 and more


def _band(bucket: int) -> Q:
    q = Q()
    if bucket > 0:
        q &= Q(ytd_total__gte=bucket * 10)
    if bucket < BUCKETS - 1:
        q &= Q(ytd_total__lt=(bucket + 1) * 10)
    return q


def fill(apps, schema_editor):
    MemberSnapshot = apps.get_model("assessments", "MemberSnapshot")
    CommitteeSnapshot = apps.get_model("assessments", "CommitteeSnapshot")
    schema_editor.execute(RANKS)
    for snapshot in CommitteeSnapshot.objects.all():
        rows = MemberSnapshot.objects.filter(
            committee_id=snapshot.committee_id, year=snapshot.year, quarter=snapshot.quarter
        ).order_by()
        snapshot.grades = dict(sorted(rows.values("ytd_grade").annotate(n=Count("pk")).values_list("ytd_grade", "n")))
        snapshot.members_below = rows.exclude(missing=[]).count()
        bands = rows.aggregate(**{f"b{b}": Count("pk", filter=_band(b)) for b in range(BUCKETS)})
        snapshot.buckets = [bands[f"b{b}"] for b in range(BUCKETS)]
        snapshot.save(update_fields=["grades", "members_below", "buckets"])


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0011_member_snapshots_run_key_per_statement'),
        ('groups', '0029_membership_group_span'),
    ]

    operations = [
        per_vendor({"sqlite": KEYED.SQLITE_REVERSE}, {"sqlite": KEYED.SQLITE}),
        migrations.RemoveIndex(
            model_name='membersnapshot',
            name='assessments_committ_7dda76_idx',
        ),
        migrations.AddField(
            model_name='committeesnapshot',
            name='buckets',
            field=models.JSONField(blank=True, default=list, help_text='Members per band of ten points of the year-to-date total: below 10, 10–19, …, 120 and more.', verbose_name='members per ten points'),
        ),
        migrations.AddField(
            model_name='committeesnapshot',
            name='grades',
            field=models.JSONField(blank=True, default=dict, help_text="Members per year-to-date grade ('': none).", verbose_name='members per grade'),
        ),
        migrations.AddField(
            model_name='committeesnapshot',
            name='members_below',
            field=models.PositiveIntegerField(default=0, verbose_name='members below the minimums'),
        ),
        migrations.AddField(
            model_name='membersnapshot',
            name='ytd_place',
            field=models.PositiveIntegerField(default=0, help_text="1, 2, 3 … in the ranking's order: by rank, then name, then member number.", verbose_name='place in the ranking'),
        ),
        migrations.AddField(
            model_name='membersnapshot',
            name='ytd_rank',
            field=models.PositiveIntegerField(default=0, help_text="1 plus the members of the committee's quarter with a higher year-to-date total.", verbose_name='rank'),
        ),
        migrations.AddIndex(
            model_name='membersnapshot',
            index=models.Index(fields=['committee', 'year', 'quarter', 'ytd_place'], name='member_snapshot_place'),
        ),
        per_vendor({"sqlite": KEYED.SQLITE}, {"sqlite": KEYED.SQLITE_REVERSE}),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
