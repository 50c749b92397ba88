"""The counts the database keeps by triggers that a bulk load would fire row by row, counted once after the load.

Two of the kept counts grow with the attendance and the activities: the filed activities per group and year
(activities 0010, ``activities.tally``) and the attendance's duty events per member and quarter (assessments 0015,
``assessments.tally``). Kept as the seed writes, each COPY of attendance joins its chunk to its activities and
upserts its cells, and every activity written upserts a filed cell: at 50k the first step alone (half a million
attendance rows) spent about half a minute there. ``seed_demo`` runs its loading steps inside ``counted_at_end``:
on PostgreSQL the triggers are off for the whole load and each table is counted once from all the rows at the end,
in the same transaction (``rebuild``); no step reads them before (the roll-ups run after the load). Elsewhere
(SQLite, the ``make run`` default) the triggers keep them as the rows are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from activities import tally as filed_tally
from assessments import tally as event_tally
from demo.bulk import triggers_off

TRIGGERS = (
    # activities 0010: a filed cell per activity written
    ("groups_activity", "filed_tally_insert_delete"),
    ("groups_activity", "filed_tally_update"),
    # assessments 0015: the attendance's events per cell
    ("groups_attendance", "attendance_tally_insert"),
    ("groups_attendance", "attendance_tally_update"),
    ("groups_attendance", "attendance_tally_delete"),
    ("groups_activity", "activity_tally_update"),
    ("groups_activity", "activity_tally_delete"),
)


@contextmanager
def counted_at_end() -> Iterator[None]:
    """The block's writes are not counted by the triggers (PostgreSQL); both tables are rebuilt after it."""
    with triggers_off(TRIGGERS) as off:
        yield
    if off:
        filed_tally.rebuild()
        event_tally.rebuild()
