"""The attendance's duty events kept as counts (#22): ``AttendanceTally`` equals a fresh count of the attendance after
any writes (the database's triggers, ``assessments/migrations/0015_attendance_tally.py``), and the roll-up that reads
it writes the same snapshots as the roll-up that counts the attendance itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.models import Activity, Attendance
from assessments import rollup, sources, tally
from assessments.models import AttendanceTally, MemberSnapshot, PointRule
from assessments.services import rollup_execute, rollup_start, ruleset_create_from_preset
from tests import factories as f
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db

_LOCAL = timezone.get_current_timezone()
# around the quarters' and the year's first moments in local time (00:30 on 1 April in Beijing is 16:30 on 31 March
# in UTC), and the last microsecond of a quarter
STARTS = [
    datetime(2025, 12, 31, 23, 30, tzinfo=_LOCAL),
    datetime(2026, 1, 1, 0, 30, tzinfo=_LOCAL),
    datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=_LOCAL),
    datetime(2026, 4, 1, 0, 0, tzinfo=_LOCAL),
    datetime(2026, 7, 1, 7, 59, tzinfo=_LOCAL),
    datetime(2026, 9, 30, 23, 0, tzinfo=_LOCAL),
    datetime(2026, 10, 1, 0, 30, tzinfo=_LOCAL),
]
HOUR = timedelta(hours=1)
STATES = [Activity.State.HELD, Activity.State.FILED, Activity.State.ANNOUNCED, Activity.State.CANCELLED]
KINDS = [Activity.Kind.STUDY, Activity.Kind.THREE_ENTERS, Activity.Kind.CONSULTATION, Activity.Kind.VISIT]
STATUSES = [
    Attendance.Status.PRESENT,
    Attendance.Status.PRESENT,
    Attendance.Status.EXCUSED,
    Attendance.Status.ABSENT,
    Attendance.Status.INVITED,
]

# One write each: (what, slot, a, b, c)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "activity",
                "attend",
                "attend",
                "status",
                "statuses",
                "signup",
                "state",
                "kind",
                "start",
                "committee",
                "platform",
                "stale",
                "move",
                "remove",
                "delete",
            ]
        ),
        st.integers(0, 7),
        st.integers(0, 6),
        st.integers(0, 4),
        st.integers(0, 3),
    ),
    max_size=30,
)


def _kind(kind):
    """The columns of a type (a 三进 activity says where it goes: the table's check)."""
    return {"kind": kind, "target": Activity.Target.COMMUNITY if kind == Activity.Kind.THREE_ENTERS else ""}


def _status(status):
    """The columns of a status (an excused row gives its reason, a present one its time: the table's checks)."""
    present = status == Attendance.Status.PRESENT
    return {
        "status": status,
        "leave_reason": "出差" if status == Attendance.Status.EXCUSED else "",
        "signed_in_at": STARTS[0] if present else None,
        "sign_in_method": Attendance.Method.CONVENER if present else "",
    }


def _write(op, w):
    """One write of a column the events read, through the ORM's every path: a saved instance (new or stale), a bulk
    ``update()``, ``bulk_create``, a ``delete()`` of rows or of their activity."""
    what, slot, a, b, c = op
    activities, members, committees, platforms = w["activities"], w["members"], w["committees"], w["platforms"]
    if what == "activity":
        committee = committees[c % 2]
        activities.append(
            ActivityFactory(
                committee=committee,
                group=None,
                **_kind(KINDS[c]),
                state=STATES[b % 4],
                starts_at=STARTS[a],
                ends_at=STARTS[a] + HOUR,
                platform=platforms[0] if b == 4 else None,
            )
        )
        return
    if not activities:
        return
    act = activities[slot % len(activities)]
    rows = Activity.objects.filter(pk=act.pk)
    present = Attendance.objects.filter(activity=act)
    if what == "attend":
        taken = set(present.values_list("member_id", flat=True))
        free = [m for m in members if m.pk not in taken]
        if not free:
            return
        new = [
            Attendance(activity=act, member=m, signed_up_at=STARTS[a] if c == 0 else None, **_status(STATUSES[b]))
            for m in free[: 1 + a % 3]
        ]
        if len(new) > 1:
            Attendance.objects.bulk_create(new)
        else:
            new[0].save()
    elif what == "status":
        row = present.order_by("pk").first()
        if row is not None:
            for name, value in _status(STATUSES[b]).items():
                setattr(row, name, value)
            row.save()
    elif what == "statuses":  # every row of the activity at once
        present.update(**_status(STATUSES[b]))
    elif what == "signup":
        present.filter(pk__in=present.order_by("-pk").values("pk")[:1]).update(signed_up_at=None if c else STARTS[a])
    elif what == "state":
        rows.update(state=STATES[b % 4])
    elif what == "kind":
        rows.update(**_kind(KINDS[c]))
    elif what == "start":
        rows.update(starts_at=STARTS[a], ends_at=STARTS[a] + HOUR)
    elif what == "committee":
        rows.update(committee=committees[c % 2])
    elif what == "platform":
        rows.update(platform=platforms[c % 2] if c < 2 else None)
    elif what == "stale":  # a stale instance saved whole: every column written, some changed
        act.refresh_from_db()
        act.state, act.starts_at, act.ends_at = STATES[b % 4], STARTS[a], STARTS[a] + HOUR
        act.kind, act.target = _kind(KINDS[c]).values()
        act.save()
    elif what == "move":  # a row moved to another member not yet on the list
        row = present.order_by("pk").first()
        taken = set(present.values_list("member_id", flat=True))
        free = [m for m in members if m.pk not in taken]
        if row is not None and free:
            Attendance.objects.filter(pk=row.pk).update(member=free[0])
    elif what == "remove":
        present.filter(pk__in=present.order_by("pk").values("pk")[: 1 + b % 2]).delete()
    else:
        rows.delete()  # the attendance goes with it (Django deletes it first)
        activities.remove(act)


@pytest.fixture
def w():
    city, other = f.CommitteeFactory(), f.CommitteeFactory()
    return {
        "activities": [],
        "committees": [city, other],
        "members": [f.MemberFactory(committee=city) for _ in range(4)] + [f.MemberFactory(committee=other)],
        "platforms": [f.PlatformFactory(committee=city), f.PlatformFactory(committee=other)],
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_cells_equal_the_attendance(w, ops):
    w["activities"] = []
    for op in ops:
        _write(op, w)
        assert tally.differences() == {}, op
    Activity.objects.all().delete()  # hypothesis runs every example in the same test transaction
    assert not AttendanceTally.objects.exists()


def test_the_cells_count_what_the_duty_record_lists(w):
    """Each cell is the number of the duty record's events of its kind, member and quarter (``sources.duty_events``
    of the committee: the one definition of the attendance's events)."""
    city = w["committees"][0]
    m1, m2 = w["members"][:2]
    study = ActivityFactory(committee=city, group=None, state=Activity.State.HELD, starts_at=STARTS[3])
    platform = ActivityFactory(
        committee=city,
        group=None,
        **_kind(Activity.Kind.THREE_ENTERS),
        state=Activity.State.FILED,
        starts_at=STARTS[4],
        platform=w["platforms"][0],
    )
    Attendance.objects.create(activity=study, member=m1, signed_up_at=STARTS[3], **_status("present"))
    Attendance.objects.create(activity=study, member=m2, **_status("excused"))
    Attendance.objects.create(activity=platform, member=m1, **_status("present"))
    Attendance.objects.create(activity=platform, member=m2, status="absent")
    listed: dict[tuple, int] = {}
    for member_id, e in sources.duty_events(city, date(2026, 1, 1), date(2026, 12, 31)):
        if e.source and e.source[0] == "groups.activity":
            key = (city.pk, 2026, (e.on.month - 1) // 3 + 1, member_id, str(e.kind))
            listed[key] = listed.get(key, 0) + 1
    assert tally.tallied() == listed
    assert listed == {
        (city.pk, 2026, 2, m1.pk, "activity_study"): 1,
        (city.pk, 2026, 2, m1.pk, "activity_signup"): 1,
        (city.pk, 2026, 2, m2.pk, "activity_excused"): 1,
        (city.pk, 2026, 3, m1.pk, "activity_three_enters"): 1,
        (city.pk, 2026, 3, m1.pk, "platform_work"): 1,
        (city.pk, 2026, 3, m2.pk, "activity_absent"): 1,
    }


@pytest.mark.parametrize("preset", ["hefei", "tongcheng", "minhang", "jinan"])
def test_the_roll_up_from_the_cells_writes_what_the_roll_up_from_the_rows_writes(w, monkeypatch, preset):
    """The same quarter rolled up twice, reading the kept counts and counting the attendance: equal snapshots, with
    every kind the attendance yields priced (a preset, and platform work and sign-ups priced on top)."""
    city = w["committees"][0]
    rule_set = ruleset_create_from_preset(committee=city, year=2026, preset=preset, actor=None)
    for kind, points in (("platform_work", "1.5"), ("activity_signup", "0.5")):
        PointRule.objects.update_or_create(
            rule_set=rule_set, kind=kind, adds=False, nth_from=1, defaults={"points": points, "category": "其他"}
        )
    for i, start in enumerate(STARTS[1:6]):
        activity = ActivityFactory(
            committee=city,
            group=None,
            **_kind(KINDS[i % 4]),
            state=Activity.State.HELD,
            starts_at=start,
            ends_at=start + HOUR,
            platform=w["platforms"][0] if i % 2 else None,
        )
        for j, member in enumerate(w["members"]):
            Attendance.objects.create(
                activity=activity,
                member=member,
                signed_up_at=start if j == 0 else None,
                **_status(STATUSES[(i + j) % 4]),
            )

    def snapshots(counting: bool) -> list[tuple]:
        rollup._MEMBER_QUERIES.clear()
        if counting:
            original = rollup.scoring_sql
            monkeypatch.setattr(rollup, "scoring_sql", lambda *a, **k: original(*a, **{**k, "bulk_counts": None}))
        run = rollup_start(committee=city, year=2026, quarter=3, actor=None, send=False)
        rollup_execute(run_id=run.pk)
        monkeypatch.undo()
        rollup._MEMBER_QUERIES.clear()
        return sorted(
            MemberSnapshot.objects.filter(committee=city, year=2026, quarter=3).values_list(*rollup.SNAPSHOT_COLUMNS)
        )

    kept, counted = snapshots(counting=False), snapshots(counting=True)
    assert kept == counted
    assert len(kept) == 4 and any(row[1] for row in kept)  # the city's members, some with points


def test_the_check_names_a_cell_that_differs_and_the_rebuild_mends_it(w, capsys):
    a = ActivityFactory(committee=w["committees"][0], group=None, state=Activity.State.HELD, starts_at=STARTS[3])
    Attendance.objects.create(activity=a, member=w["members"][0], **_status("present"))
    AttendanceTally.objects.update(n=5)  # a table restored apart from the attendance
    with pytest.raises(CommandError, match="1 attendance event cells differ"):
        call_command("attendance_tally_rebuild", "--check")
    call_command("attendance_tally_rebuild")
    call_command("attendance_tally_rebuild", "--check")
    assert "equal the attendance" in capsys.readouterr().out
    assert AttendanceTally.objects.get().n == 1


def test_emptying_the_cells_then_the_rows_leaves_no_cell(w):
    """A flush deletes the tables in name order, the cells before the attendance (SQLite's flush is a DELETE per
    table, which fires the triggers): taking events out of a cell that is gone changes nothing."""
    a = ActivityFactory(committee=w["committees"][0], group=None, state=Activity.State.HELD, starts_at=STARTS[3])
    Attendance.objects.create(activity=a, member=w["members"][0], **_status("present"))
    AttendanceTally.objects.all().delete()
    Attendance.objects.all().delete()
    Activity.objects.all().delete()
    assert not AttendanceTally.objects.exists()


def test_the_migration_fills_the_cells_from_the_rows(w):
    """The migration's fill statement counts the rows already there (run here on rows written with the triggers
    off: the cells emptied first)."""
    from importlib import import_module

    migration = import_module("assessments.migrations.0015_attendance_tally")
    a = ActivityFactory(
        committee=w["committees"][0],
        group=None,
        state=Activity.State.FILED,
        starts_at=STARTS[2],
        platform=w["platforms"][0],
    )
    Attendance.objects.create(activity=a, member=w["members"][0], signed_up_at=STARTS[2], **_status("present"))
    Attendance.objects.create(activity=a, member=w["members"][1], status="absent")
    expected = tally.tallied()
    AttendanceTally.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(migration._fill(connection.vendor))
    assert tally.tallied() == expected == tally.counted()
    assert len(expected) == 4


def test_a_stale_quarters_counts_from_the_cells_equal_the_rows_the_events_page_lists(w):
    """``figure_event_counts`` (a stale quarter's figures) reads the attendance's kinds from the cells: each figure
    equals the rows ``figure_events`` lists, for the members the roll-up scored who still belong to the committee
    (one who moved to another committee since is in neither), other committees' activities left out."""
    from assessments.models import MemberSnapshot, RollupRun
    from assessments.rollup import FIGURES
    from assessments.selectors import figure_event_counts, figure_events

    city, other = w["committees"]
    members = w["members"]
    for i, start in enumerate(STARTS[3:5]):
        for committee in (city, other):
            activity = ActivityFactory(
                committee=committee,
                group=None,
                **_kind(KINDS[i]),
                state=Activity.State.HELD,
                starts_at=start,
                ends_at=start + HOUR,
                platform=w["platforms"][0] if i else None,
            )
            for j, member in enumerate(members):
                Attendance.objects.create(
                    activity=activity,
                    member=member,
                    signed_up_at=start if j == 1 else None,
                    **_status(STATUSES[(i + j) % 4]),
                )
    run = RollupRun.objects.create(committee=city, year=2026, quarter=2, status=RollupRun.Status.DONE)
    for member in members:
        MemberSnapshot.objects.create(run=run, committee=city, year=2026, quarter=2, member=member)
    members[2].committee = other  # moved after the roll-up
    members[2].save(update_fields=["committee"])
    figures = list(FIGURES)
    counts = figure_event_counts(city.pk, 2026, 2, figures)
    for figure in figures:
        assert counts[figure] == len(list(figure_events(city.pk, 2026, 2, figure))), figure
    assert counts["activities_present"] > 0
