"""The attendance's duty events kept as counts (#22): ``AttendanceTally`` equal to the attendance it counts.

The database keeps the cells (the triggers of ``assessments/migrations/0015_attendance_tally.py`` move a row's events
from their old cells to their new ones in the transaction of every write of an attendance row or of an activity's
type, state, start, committee or platform). This module says what the rows say of every cell, with the definitions
the duty record reads (``sources.attendance_kind``, the states and statuses ``sources`` counts), rebuilds the table
from them (``manage.py attendance_tally_rebuild``) and lists where the two differ (``--check``;
``tests/assessments/test_attendance_tally.py`` runs random writes and compares). The roll-up reads it
(``sources.attendance_counts_sql``) instead of the year's attendance.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import ExtractQuarter, ExtractYear

from core.management import kept_counts

from .kinds import EventKind
from .models import AttendanceTally
from .sources import attendance_kind

Cell = tuple[int, int, int, int, str]  # committee, year, quarter, member, event kind


def counted_rows() -> QuerySet:
    """The attendance that yields duty events: present, excused or absent at a held or filed activity."""
    from activities.models import Activity, Attendance

    return Attendance.objects.filter(
        activity__state__in=(Activity.State.HELD, Activity.State.FILED),
        status__in=(Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT),
    ).order_by()


def _cells() -> list[QuerySet]:
    """The three kinds of events as querysets of (committee, year, quarter, member, kind, events), each grouped by
    cell: every row's main event, platform work, the sign-up. The year and quarter are local (the current time
    zone, the deployment's)."""
    from activities.models import Attendance

    present = counted_rows().filter(status=Attendance.Status.PRESENT)
    sources = (
        (counted_rows(), attendance_kind()),
        (present.filter(activity__platform__isnull=False), Value(str(EventKind.PLATFORM_WORK), CharField())),
        (present.filter(signed_up_at__isnull=False), Value(str(EventKind.ACTIVITY_SIGNUP), CharField())),
    )
    return [
        rows.annotate(
            c=F("activity__committee_id"),
            y=ExtractYear("activity__starts_at"),
            q=ExtractQuarter("activity__starts_at"),
            k=kind,
        )
        .values_list("c", "y", "q", "member_id", "k")
        .annotate(n=Count("*"))
        for rows, kind in sources
    ]


def counted() -> dict[Cell, int]:
    """Every non-empty cell as the attendance says it: (committee, year, quarter, member, kind) -> events."""
    cells: Counter[Cell] = Counter()
    for grouped in _cells():
        for c, y, q, m, k, n in grouped:
            cells[c, int(y), int(q), m, k] += n
    return dict(cells)


def tallied() -> dict[Cell, int]:
    """Every cell of the table."""
    return {
        (c, y, q, m, k): n
        for c, y, q, m, k, n in AttendanceTally.objects.values_list(
            "committee_id", "year", "quarter", "member_id", "kind", "n"
        )
    }


def differences() -> dict[Cell, tuple[int | None, int | None]]:
    """Cells where the table and the attendance disagree: key -> (the table's count, the rows'), None for none."""
    return kept_counts.differences(tallied(), counted())


@transaction.atomic
def rebuild() -> int:
    """Count every cell from the attendance again, in one statement (repairs, the demo's bulk load; the triggers keep
    it otherwise); returns the cells written.

    The three kinds of events never share a cell (a row's main event is ``activity_<type>``, ``activity_excused`` or
    ``activity_absent``; the other two are ``platform_work`` and ``activity_signup``), so each grouped query's rows go
    in as they are, without grouping the union again (at 50k: 2.75 M cells, the regrouping's sort was a third of the
    statement; were they ever to meet, the cell's unique key refuses the rebuild rather than
    splitting a count). On PostgreSQL the table is emptied with ``TRUNCATE`` (it holds the table's lock to the end of the
    transaction: a roll-up wanting to read the cells meanwhile waits for the rebuild, where with ``DELETE`` it would
    have read the old ones): inserting the cells again among the deleted rows' index entries, every key checked
    against its dead twin, took twice as long."""
    table = connection.ops.quote_name(AttendanceTally._meta.db_table)
    parts = [grouped.query.sql_with_params() for grouped in _cells()]
    union = " UNION ALL ".join(sql for sql, _params in parts)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
        else:
            AttendanceTally.objects.all().delete()
        cursor.execute(
            f"INSERT INTO {table} (committee_id, year, quarter, member_id, kind, n) {union}",  # noqa: S608 (compiled ORM)
            [p for _sql, params in parts for p in params],
        )
        return cursor.rowcount
