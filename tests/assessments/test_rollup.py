"""The quarterly roll-up: snapshots per member, group and committee, replaced whole and reproducibly."""

import time
from datetime import date
from decimal import Decimal

import pytest

from assessments import rollup
from assessments.kinds import EventKind as K
from assessments.models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun, RuleSet
from assessments.services import (
    rollup_execute,
    rollup_mark_stale,
    rollup_start,
    rollup_start_due,
    ruleset_create_from_preset,
)
from assessments.sources import all_branches, values_sql
from core.exceptions import DomainError
from groups.models import GroupMembership
from tests.assessments.helpers import D, ev


@pytest.fixture
def district_year(world):
    """The district scores by 桐城's rules in 2026; two members of ``group`` did things."""
    ruleset_create_from_preset(committee=world.district, year=2026, preset="tongcheng", actor=None)
    member, convener = world.member_record.pk, world.convener_member.pk
    return [
        (member, ev(K.PLENARY_PRESENT, 1, 10, qty=4)),  # Q1: 50
        (member, ev(K.ACTIVITY_THREE_ENTERS, 2, 1)),  # Q1: 2
        (member, ev(K.ACTIVITY_PRESENT, 4, 1)),  # Q2: 2
        (member, ev(K.PROPOSAL_SUBMITTED, 4, 5)),  # Q2: 10
        (convener, ev(K.ACTIVITY_THREE_ENTERS, 5, 1)),  # Q2: 2
        (convener, ev(K.REPORT_SUBMITTED, 5, 2)),  # Q2: 10
        (convener, ev(K.ACTIVITY_ABSENT, 5, 3)),  # Q2: no rule in 桐城, 0
    ]


@pytest.fixture
def events(monkeypatch, district_year):
    def fake(committee, start, end, built=None, **kwargs):
        return values_sql([(m, e) for m, e in district_year if start <= e.on <= end], **kwargs)

    monkeypatch.setattr(rollup, "event_sql", fake)
    return district_year


def _run(world, quarter=2, year=2026):
    run = rollup_start(committee=world.district, year=year, quarter=quarter, actor=world.district_staff)
    return rollup_execute(run_id=run.pk)


def _categories(snapshot):
    return {k: Decimal(v) for k, v in snapshot.points_by_category.items()}


def _figures(model, **where):
    return sorted(
        model.objects.filter(**where).values(
            *[f.name for f in model._meta.concrete_fields if f.name not in ("id", "run")]
        ),
        key=repr,
    )


pytestmark = pytest.mark.django_db


def test_a_quarter_roll_up_snapshots_members_groups_and_the_committee(
    world, events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    assert len(callbacks) == 1 and run.status == RollupRun.Status.QUEUED
    run = rollup_execute(run_id=run.pk)
    assert (run.status, run.members_done) == (RollupRun.Status.DONE, 3)

    member = MemberSnapshot.objects.get(member=world.member_record, quarter=2)
    # Q2: activity 2 + proposal 10 = 12; year to date 50 + 2 + 2 + 10 = 64: 称职
    assert (member.activities_present, member.three_enters, member.proposals, member.points) == (1, 0, 1, D(12))
    assert _categories(member) == {"活动": D(2), "提案": D(10)}
    assert (member.ytd_total, member.ytd_grade) == (D(64), "称职")
    convener = MemberSnapshot.objects.get(member=world.convener_member, quarter=2)
    assert (
        convener.activities_present,
        convener.three_enters,
        convener.activities_absent,
        convener.reports,
        convener.points,
        convener.ytd_grade,
    ) == (1, 1, 1, 1, D(12), "不称职")

    group = GroupSnapshot.objects.get(group=world.group, quarter=2)
    assert (group.members, group.members_covered, group.activities_present, group.points) == (2, 1, 2, D(24))
    assert _categories(group) == {"活动": D(4), "提案": D(10), "社情民意": D(10)}
    assert GroupSnapshot.objects.get(group=world.other_group).members == 1
    committee = CommitteeSnapshot.objects.get(committee=world.district)
    assert (committee.members, committee.members_covered, committee.groups, committee.points) == (3, 1, 2, D(24))
    # the members' year-to-date totals summed (the leaders' home averages them over ``members``)
    assert committee.ytd_total == sum(m.ytd_total for m in MemberSnapshot.objects.filter(committee=world.district))


def test_the_group_and_committee_category_maps_add_up_their_members_maps(world, events):
    """Each group's and the committee's points per category are their members' maps added up, a category appearing
    when some member's map has it (PostgreSQL sums the member rows' per-category columns, SQLite the maps)."""
    run = _run(world)
    start, end = rollup.quarter_bounds(2026, 2)
    maps = {s.member_id: _categories(s) for s in MemberSnapshot.objects.filter(run=run)}

    def added(member_ids):
        total: dict[str, Decimal] = {}
        for member_id in member_ids:
            for category, points in maps[member_id].items():
                total[category] = total.get(category, Decimal(0)) + points
        return total

    assert _categories(CommitteeSnapshot.objects.get(run=run)) == added(maps) != {}
    groups = GroupSnapshot.objects.filter(run=run)
    assert len(groups) == 2
    for snapshot in groups:
        members = {
            m.member_id
            for m in GroupMembership.objects.filter(group_id=snapshot.group_id, joined_on__lte=end)
            if m.left_on is None or m.left_on >= start
        }
        assert _categories(snapshot) == added(members & set(maps))


def test_re_running_a_quarter_replaces_it_with_identical_figures(world, events):
    _run(world)
    before = [_figures(m, year=2026, quarter=2) for m in (MemberSnapshot, GroupSnapshot, CommitteeSnapshot)]
    second = _run(world)
    after = [_figures(m, year=2026, quarter=2) for m in (MemberSnapshot, GroupSnapshot, CommitteeSnapshot)]
    assert before == after
    assert set(MemberSnapshot.objects.values_list("run_id", flat=True)) == {second.pk}


def test_executing_a_finished_run_again_changes_nothing(world, events):
    run = _run(world)
    ids = set(MemberSnapshot.objects.values_list("pk", flat=True))
    assert rollup_execute(run_id=run.pk).status == RollupRun.Status.DONE
    assert set(MemberSnapshot.objects.values_list("pk", flat=True)) == ids


def test_a_failure_midway_leaves_the_previous_snapshot_and_the_retry_completes(world, events, monkeypatch):
    _run(world)
    before = _figures(MemberSnapshot, quarter=2)
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=None)
    real = rollup.committee_snapshot
    monkeypatch.setattr(rollup, "committee_snapshot", lambda run: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        rollup_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RollupRun.Status.FAILED and "ZeroDivisionError" in run.error
    assert _figures(MemberSnapshot, quarter=2) == before and CommitteeSnapshot.objects.count() == 1
    monkeypatch.setattr(rollup, "committee_snapshot", real)
    assert rollup_execute(run_id=run.pk).status == RollupRun.Status.DONE
    assert _figures(MemberSnapshot, quarter=2) == before


def test_a_quarter_already_queued_cannot_be_started_again(world, events):
    rollup_start(committee=world.district, year=2026, quarter=2, actor=None)
    with pytest.raises(DomainError, match="已在排队或运行"):
        rollup_start(committee=world.district, year=2026, quarter=2, actor=None)
    rollup_start(committee=world.district, year=2026, quarter=3, actor=None)


def test_a_locked_year_cannot_be_rolled_up(world, events):
    RuleSet.objects.filter(committee=world.district, year=2026).update(is_locked=True)
    with pytest.raises(DomainError, match="已锁定"):
        rollup_start(committee=world.district, year=2026, quarter=2, actor=None)
    with pytest.raises(DomainError):
        rollup_start(committee=world.district, year=2026, quarter=5, actor=None)


def test_a_late_change_marks_its_quarter_and_the_later_ones_stale_and_beat_recomputes_them(world, events):
    first, second = _run(world, quarter=1), _run(world, quarter=2)
    assert rollup_mark_stale(committee_id=world.district.pk, on=ev(K.REPORT_ADOPTED, 2, 1).on) == 2
    assert RollupRun.objects.filter(is_stale=True).count() == 2
    started = rollup_start_due(today=ev(K.REPORT_ADOPTED, 5, 1).on)  # in Q2: Q1 has a run already
    assert sorted((r.committee_id, r.quarter) for r in started) == [
        (world.city.pk, 1),
        (world.district.pk, 1),
        (world.district.pk, 2),
        (world.other.pk, 1),
    ]
    for run in started:
        rollup_execute(run_id=run.pk)
    assert not RollupRun.objects.filter(is_stale=True).exists()
    assert {first.pk, second.pk} < set(RollupRun.objects.values_list("pk", flat=True))


def test_members_without_events_get_an_empty_snapshot(world):
    run = _run(world, quarter=1)
    assert run.members_done == 3
    assert set(MemberSnapshot.objects.values_list("points", flat=True)) == {D(0)}
    assert MemberSnapshot.objects.first().ytd_grade == ""  # no rule set, no grade


@pytest.mark.worker
def test_a_real_worker_runs_the_roll_up(world, celery_worker_process):
    run = rollup_start(committee=world.district, year=2026, quarter=1, actor=None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RollupRun.Status.DONE, RollupRun.Status.FAILED):
            break
        time.sleep(0.5)
    assert run.status == RollupRun.Status.DONE, celery_worker_process.log.read_text()[-2000:]
    assert MemberSnapshot.objects.filter(run=run).count() == 3


def test_beat_looks_for_due_roll_ups_every_night():
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # the data migration's own function: an earlier transactional test may have flushed its rows
    import_module("assessments.migrations.0003_schedule_rollups").schedule(apps, None)
    task = PeriodicTask.objects.get(task="assessments.start_due_rollups")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("1", "30")


def test_the_beat_task_queues_the_quarter_that_just_ended(world, monkeypatch, django_capture_on_commit_callbacks):
    from assessments.tasks import start_due_rollups

    monkeypatch.setattr("django.utils.timezone.localdate", lambda: ev(K.REPORT_ADOPTED, 4, 2).on)
    with django_capture_on_commit_callbacks() as callbacks:
        ids = start_due_rollups()
    assert len(ids) == len(callbacks) == 3
    assert set(RollupRun.objects.values_list("year", "quarter")) == {(2026, 1)}


def _wait_for(run, states, seconds=60, step=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in states:
            return run
        time.sleep(step)
    raise AssertionError(f"run {run.pk} still {run.status}")


@pytest.mark.worker
def test_a_worker_killed_midway_leaves_the_previous_snapshot_and_the_resent_run_completes(
    world, celery_worker_process, tmp_path
):
    """Enough members that the computation takes about two seconds, so the kill lands inside it."""
    import os
    import signal
    from datetime import timedelta

    from django.utils import timezone

    from assessments.services import rollup_requeue_stuck
    from groups.models import Member
    from tests.conftest import start_celery_worker, stop_celery_worker

    m = world.member_record
    Member.objects.bulk_create(
        [
            Member(committee=m.committee, term=m.term, sector=m.sector, name=f"委员{i}", party=m.party)
            for i in range(6000)
        ],
        batch_size=2000,
    )
    first = rollup_execute(run_id=RollupRun.objects.create(committee=world.district, year=2026, quarter=1).pk)
    assert first.members_done == 6003

    second = rollup_start(committee=world.district, year=2026, quarter=1, actor=None)  # the worker takes it
    _wait_for(second, {RollupRun.Status.RUNNING})
    os.kill(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(10)
    second.refresh_from_db()
    assert second.status == RollupRun.Status.RUNNING, celery_worker_process.log.read_text()[-1500:]
    assert set(MemberSnapshot.objects.values_list("run_id", flat=True)) == {first.pk}
    assert MemberSnapshot.objects.count() == 6003 and CommitteeSnapshot.objects.get().run_id == first.pk

    assert rollup_requeue_stuck(now=timezone.now(), older_than=timedelta(0)) == [second.pk]
    retry = start_celery_worker(tmp_path / "retry.log")
    try:
        _wait_for(second, {RollupRun.Status.DONE, RollupRun.Status.FAILED}, step=0.2)
    finally:
        stop_celery_worker(retry)
    assert second.status == RollupRun.Status.DONE, retry.log.read_text()[-1500:]
    assert set(MemberSnapshot.objects.values_list("run_id", flat=True)) == {second.pk}
    assert MemberSnapshot.objects.count() == 6003


def test_beat_tries_a_failed_quarter_again_but_not_a_done_one(world):
    RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.FAILED)
    RollupRun.objects.create(committee=world.city, year=2026, quarter=1, status=RollupRun.Status.DONE)
    started = rollup_start_due(today=ev(K.REPORT_ADOPTED, 4, 2).on)
    assert sorted(r.committee_id for r in started) == sorted([world.district.pk, world.other.pk])


def test_staff_hear_when_a_roll_up_finishes(world):
    from assessments import services
    from assessments.models import RollupRun
    from notifications.models import Notification
    from tests.events import deliver_outboxed_events

    run = RollupRun.objects.create(committee=world.district, year=2026, quarter=1)
    services.rollup_execute(run_id=run.pk)
    deliver_outboxed_events()  # after commit, through the outbox (assessments/subscribers.py)
    assert Notification.objects.filter(recipient=world.district_staff).exists()
    services.rollup_execute(run_id=run.pk)  # a redelivered task tells nobody twice
    deliver_outboxed_events()
    assert Notification.objects.filter(recipient=world.district_staff).count() == 1


def test_a_roll_up_run_again_reads_the_rows_recorded_since_and_prices_by_the_rules_as_they_are_now(world, monkeypatch):
    """The member statement is kept per committee, quarter and rule book: a later run reuses it and still reads
    the source rows as they are then, and a changed rule book gets a statement of its own."""
    from activities.services.contacts import contact_record
    from assessments.models import PointRule

    rule_set = RuleSet.objects.create(committee=world.district, year=2026)
    rule = PointRule.objects.create(rule_set=rule_set, kind=K.CONSTITUENT_CONTACT, points=D("1.5"), category="联系群众")
    built = []
    monkeypatch.setattr(rollup, "_MEMBER_QUERIES", {})
    monkeypatch.setattr(rollup, "all_branches", lambda *args: built.append(args) or all_branches(*args))

    def contact(on):
        contact_record(
            actor=world.member,
            member_id=world.member_record.pk,
            contacted_on=on,
            place="社区",
            whom_kind="sector_group",
            whom="退休教师",
            topic="livelihood",
            raised="加装电梯",
        )

    def total() -> Decimal:
        run = RollupRun.objects.create(committee=world.district, year=2026, quarter=2)
        rollup_execute(run_id=run.pk)
        return MemberSnapshot.objects.get(run=run, member=world.member_record).ytd_total

    contact(date(2026, 5, 6))
    assert total() == D("1.5")
    contact(date(2026, 5, 20))
    assert total() == D(3) and len(built) == 1  # the statement kept, the new contact read
    rule.points = D(2)
    rule.save()
    assert total() == D(4) and len(built) == 2  # another rule book: its own statement


def test_the_leaders_home_averages_the_members_year_to_date_totals_of_the_latest_run(world, events):
    """The leaders' "average points" is the committee snapshot's sum over its members (#22: averaged over the member
    snapshots on every request): equal to the average of the quarter's member snapshots, after a re-run too."""
    from cppcc_portal.workbench.headline import headline

    _run(world, quarter=1)
    _run(world, quarter=2)
    _run(world, quarter=2)
    snapshots = MemberSnapshot.objects.filter(committee=world.district, year=2026, quarter=2)
    average = sum(s.ytd_total for s in snapshots) / snapshots.count()
    district = next(c for c in headline(world.leader, 2026) if c.committee.pk == world.district.pk)
    shown = next(fig for fig in district.figures if fig.url.startswith("/assessments/annual/"))
    assert shown.value == str(Decimal(average).quantize(Decimal("0.1"))) != "—"
