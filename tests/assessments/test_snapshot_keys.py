"""Snapshots belong to their run's committee and quarter (migration assessments/0006): one composite
key on PostgreSQL, triggers on SQLite, tested on both."""

import pytest
from django.db import IntegrityError, connection, transaction

from assessments.models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset

pytestmark = pytest.mark.django_db
SNAPSHOTS = (MemberSnapshot, GroupSnapshot, CommitteeSnapshot)


@pytest.fixture
def run(world):
    ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    started = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    rollup_execute(run_id=started.pk)
    assert all(model.objects.filter(run=started).exists() for model in SNAPSHOTS)
    return started


def refused(write) -> bool:
    """Whether the database refuses the write (keys checked now, not at a commit the test never makes)."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("model", SNAPSHOTS, ids=lambda m: m.__name__)
def test_a_snapshot_cannot_claim_another_committee_or_quarter_than_its_run(world, run, model):
    row = model.objects.filter(run=run).first()
    assert refused(lambda: model.objects.filter(pk=row.pk).update(committee=world.city))
    assert refused(lambda: model.objects.filter(pk=row.pk).update(quarter=3))
    other = RollupRun.objects.create(committee=world.city, year=2026, quarter=2, status=RollupRun.Status.DONE)
    assert refused(lambda: model.objects.filter(pk=row.pk).update(run=other))
    assert not refused(lambda: model.objects.filter(pk=row.pk).update(points=row.points))  # the rest is free


def test_a_run_keeps_its_quarter_under_its_snapshots_and_takes_them_when_deleted(run):
    def move():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE assessments_rolluprun SET quarter = 3 WHERE id = %s", [run.pk])

    assert refused(move)
    with connection.cursor() as cursor:  # below the ORM: the database itself deletes them
        cursor.execute("DELETE FROM assessments_rolluprun WHERE id = %s", [run.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not any(model.objects.filter(run_id=run.pk).exists() for model in SNAPSHOTS)


@pytest.mark.parametrize("model", SNAPSHOTS, ids=lambda m: m.__name__)
def test_a_snapshot_written_with_another_quarter_than_its_run_is_refused(world, run, model):
    """Written, not changed: member snapshots are checked once per statement on PostgreSQL (assessments/0011), the
    others per row; a run that does not exist is refused as well."""
    row = model.objects.filter(run=run).first()
    model.objects.filter(pk=row.pk).delete()

    def copy(**changes):
        fields = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
        return lambda: model.objects.create(**{**fields, **changes})

    assert refused(copy(quarter=3))
    assert refused(copy(run_id=run.pk + 1000))
    assert not refused(copy())
