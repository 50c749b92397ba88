"""Snapshots belong to their run's committee and quarter (migration assessments/0006): one composite
key on PostgreSQL, triggers on SQLite, tested on both."""

import pytest
from django.db import IntegrityError, connection, transaction

from assessments.models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from groups.models import Member
from tests.factories import MemberFactory

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


def refused_at_commit(write) -> bool:
    """Whether the database refuses the write by the time the transaction would commit: PostgreSQL's deferred checks
    made immediate, SQLite's deferred foreign keys checked as its commit would (``check_constraints``)."""

    def checked():
        write()
        if connection.vendor == "sqlite":
            connection.check_constraints()

    return refused(checked)


def test_a_member_snapshot_names_an_existing_member_and_keeps_it(world, run):
    """The member key (checked once per statement on PostgreSQL since assessments/0014, by the foreign key on SQLite):
    a snapshot of a member that does not exist is refused, written alone or among others, and so is deleting or
    re-keying a member under its snapshots (a member nothing else names); deleting the snapshot first lets it go."""
    rows = list(MemberSnapshot.objects.filter(run=run).order_by("pk")[:2])
    alone = MemberFactory(committee=world.district)
    missing = Member.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

    def copy_with(member_id):
        def write():
            MemberSnapshot.objects.filter(pk__in=[row.pk for row in rows]).delete()
            fields = [
                {f.attname: getattr(row, f.attname) for f in MemberSnapshot._meta.concrete_fields} for row in rows
            ]
            for values in fields:
                values.pop("id")
            fields[-1]["member_id"] = member_id
            MemberSnapshot.objects.bulk_create([MemberSnapshot(**values) for values in fields])  # one statement

        return write

    assert refused_at_commit(copy_with(missing))
    assert not refused_at_commit(copy_with(alone.pk))  # kept: the member's snapshot for the rest of the test

    def raw(*statements):
        def write():
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, [alone.pk])

        return write

    assert refused_at_commit(raw("DELETE FROM groups_member WHERE id = %s"))
    assert refused_at_commit(raw(f"UPDATE groups_member SET id = {missing} WHERE id = %s"))
    assert not refused_at_commit(raw("UPDATE groups_member SET name = name WHERE id = %s"))
    assert not refused_at_commit(
        raw("DELETE FROM assessments_membersnapshot WHERE member_id = %s", "DELETE FROM groups_member WHERE id = %s")
    )
