"""The filed activities per group and year kept as data (#22): ``FiledTally`` equals a fresh count of the activities
after any writes (the database's triggers, ``activities/migrations/0010_filed_tally.py``), and the annual settlement
read from it counts what the ledger it links to lists (filed, the group's, started in the local year)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities import tally
from activities.models import Activity, FiledTally
from assessments.selectors import group_settlement
from tests import factories as f
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db

STATES = [Activity.State.FILED, Activity.State.FILED, Activity.State.HELD, Activity.State.CANCELLED]
_LOCAL = timezone.get_current_timezone()
# around a new year: the last evening of 2025 and the first morning of 2026 in local time are one UTC day apart
# from their local year (00:30 on 1 January in Beijing is 16:30 on 31 December in UTC)
STARTS = [
    datetime(2025, 12, 31, 23, 30, tzinfo=_LOCAL),
    datetime(2026, 1, 1, 0, 30, tzinfo=_LOCAL),
    datetime(2026, 6, 1, 9, 0, tzinfo=_LOCAL),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=_LOCAL),
]

# One write each: (what, activity slot, group slot, state, start)
operations = st.lists(
    st.tuples(
        st.sampled_from(["create", "create", "state", "start", "group", "committee", "stale", "delete"]),
        st.integers(0, 5),
        st.integers(0, 3),
        st.integers(0, 3),
        st.integers(0, 3),
    ),
    max_size=25,
)


def _write(op, activities, groups):
    """One write of a counted column through the ORM's every path: a saved instance, a bulk ``update()``, a
    ``delete()``; the services write the same columns (``test_the_services_life_cycle_keeps_the_cells``)."""
    what, slot, g, s, t = op
    group = groups[g] if g < 3 else None  # None: the committee's own activity, in no group's cell
    if what == "create":
        committee = group.committee if group is not None else groups[0].committee
        ends = STARTS[3] if t < 3 else None  # the factory's two hours after the start otherwise
        kw = {"ends_at": ends} if ends else {}
        activities.append(ActivityFactory(group=group, committee=committee, state=STATES[s], starts_at=STARTS[t], **kw))
        return
    if not activities:
        return
    a = activities[slot % len(activities)]
    rows = Activity.objects.filter(pk=a.pk)
    if what == "state":
        rows.update(state=STATES[s])
    elif what == "start":
        rows.update(starts_at=STARTS[t % 3], ends_at=STARTS[3])
    elif what == "group":
        rows.update(group=group, committee=group.committee if group is not None else groups[0].committee)
    elif what == "committee":  # the activity's committee apart from its group's: counted under its own
        rows.update(committee=groups[2].committee)
    elif what == "stale":  # a stale instance saved whole: every column written, the key ones changed
        a.refresh_from_db()
        a.state, a.starts_at, a.ends_at = STATES[s], STARTS[t % 3], STARTS[3]
        a.save()
    else:
        rows.delete()
        activities.remove(a)


@pytest.fixture
def groups():
    city = f.CommitteeFactory()
    group = f.ActivityGroupFactory(committee=city)
    return [group, f.ActivityGroupFactory(committee=city), f.ActivityGroupFactory()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_cells_equal_the_activities_and_the_settlement_counts_the_ledgers_rows(groups, ops):
    activities: list[Activity] = []
    for op in ops:
        _write(op, activities, groups)
    assert tally.differences() == {}
    for committee in {g.committee_id for g in groups}:
        for year in (2025, 2026):
            lines, _locked = group_settlement(committee, year)
            for line in lines:  # what the annual page's figure links to: the ledger's filed rows of the local year
                rows = Activity.objects.filter(
                    group_id=line.group_id,
                    committee_id=committee,
                    state=Activity.State.FILED,
                    starts_at__gte=datetime(year, 1, 1, tzinfo=_LOCAL),
                    starts_at__lt=datetime(year + 1, 1, 1, tzinfo=_LOCAL),
                )
                assert line.filed_activities == rows.count()
    Activity.objects.all().delete()  # hypothesis runs every example in the same test transaction
    assert not FiledTally.objects.exists()


def test_the_services_life_cycle_keeps_the_cells(world):
    from activities.models import Evidence
    from activities.services import activities as svc

    a = ActivityFactory(
        group=world.group, starts_at=STARTS[1], ends_at=STARTS[2], state=Activity.State.HELD, summary="委员们座谈。"
    )
    Evidence.objects.create(activity=a, kind=Evidence.Kind.PHOTO, file="x.jpg", size=1, content_type="image/jpeg")
    assert not FiledTally.objects.exists()
    svc.activity_file(activity_id=a.pk, actor=world.convener)
    cell = FiledTally.objects.get()
    assert (cell.committee_id, cell.year, cell.group_id, cell.filed) == (world.district.pk, 2026, world.group.pk, 1)
    assert tally.differences() == {}


def test_the_check_names_a_cell_that_differs_and_the_rebuild_mends_it(world, capsys):
    ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=STARTS[2], ends_at=STARTS[3])
    FiledTally.objects.update(filed=5)  # a table restored apart from the activities
    with pytest.raises(CommandError, match="1 filed activity cells differ"):
        call_command("filed_rebuild", "--check")
    call_command("filed_rebuild")
    call_command("filed_rebuild", "--check")
    assert "equal the activities" in capsys.readouterr().out
    assert FiledTally.objects.get().filed == 1


def test_emptying_the_cells_then_the_activities_leaves_no_cell(world):
    """A flush deletes the tables in name order, the cells before the activities (SQLite's flush is a DELETE per
    table, which fires the triggers): taking an activity out of a cell that is gone changes nothing."""
    ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=STARTS[2], ends_at=STARTS[3])
    assert FiledTally.objects.exists()
    FiledTally.objects.all().delete()
    Activity.objects.all().delete()
    assert not FiledTally.objects.exists()
    assert tally.differences() == {}


def test_the_last_microsecond_of_a_year_counts_in_that_year(world):
    """SQLite keeps milliseconds when it reads a time: 23:59:59.999999 on 31 December would round into the next
    year; the year is read from the whole seconds Django stores."""
    ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=STARTS[3])
    assert FiledTally.objects.get().year == 2026
    assert tally.differences() == {}
