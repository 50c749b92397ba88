"""Coverage 全覆盖 kept as data (#22): ``CoverageTally`` equal to the rows it counts, in the same transaction.

The rows: a member present at a held or filed 三进 activity (``counted_attendance``), and a member's contact with
people at a contact point (``point_contact_rows``); each counts in the cell (member, the row's committee, the
year and quarter of the activity's start or the contact's day, local time). The coverage reads
(``activities.selectors.activities``) ask the cells, never every member's attendance.

Every write that can change a cell names the cells it touched, before and after the change, and calls
``refresh``: the member rows are locked (``FOR NO KEY UPDATE``, in id order), then the cells are recomputed from
the rows and written (an empty cell is deleted). Two writers of the same member's cells take turns: the second
recomputes after the first has committed, so the cells never lag the rows (a counter moved by deltas would need
every writer to know the row's before and after exactly; a recount needs only which cells). The writers: the
activity services (update, state changes, delete, attendance marked, corrected, removed), the contact services
(record, update, delete, and the admin's edits through ``on_record_write``). Rows loaded in bulk (the demo, the
migration that created the table) are counted with ``rebuild``, one statement; ``manage.py coverage_rebuild
--check`` says whether the table equals the rows. ``tests/activities/test_coverage_tally.py`` runs random
sequences of writes through the services and compares the table with a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import Any, NamedTuple

from django.apps import apps as global_apps
from django.db import connections, router, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone

from activities.models import Activity

COUNTED = (Activity.State.HELD, Activity.State.FILED)  # the states whose attendance counts (the ledger's too)
THREE_ENTERS = Activity.Kind.THREE_ENTERS


class Cell(NamedTuple):
    member_id: int
    committee_id: int
    year: int
    quarter: int


def quarter_of(when: datetime | date) -> tuple[int, int]:
    """The year and quarter of a moment (in local time) or a day."""
    day = timezone.localtime(when).date() if isinstance(when, datetime) else when
    return day.year, (day.month - 1) // 3 + 1


def counted_attendance(registry: Any = global_apps) -> QuerySet:
    """Attendance that covers its member: present at a held or filed 三进 activity (any period)."""
    return registry.get_model("activities", "Attendance").objects.filter(
        status="present", activity__kind=THREE_ENTERS, activity__state__in=COUNTED
    )


def point_contact_rows(registry: Any = global_apps) -> QuerySet:
    """Contacts with people at a contact point (any period; the committee's rule applies when read)."""
    return registry.get_model("groups", "ConstituentContact").objects.filter(contact_point__isnull=False)


def _cells_of(attendance: QuerySet, contacts: QuerySet) -> tuple[QuerySet, QuerySet]:
    """The two kinds of rows grouped by cell: (member, committee, year, quarter, 三进, contacts) each."""
    att = (
        attendance.order_by()
        .annotate(
            m=F("member_id"),
            c=F("activity__committee_id"),
            y=ExtractYear("activity__starts_at"),
            q=ExtractQuarter("activity__starts_at"),
        )
        .values("m", "c", "y", "q")
        .annotate(te=Count("*"), pc=Value(0, output_field=IntegerField()))
        .values_list("m", "c", "y", "q", "te", "pc")
    )
    con = (
        contacts.order_by()
        .annotate(
            m=F("member_id"), c=F("committee_id"), y=ExtractYear("contacted_on"), q=ExtractQuarter("contacted_on")
        )
        .values("m", "c", "y", "q")
        .annotate(te=Value(0, output_field=IntegerField()), pc=Count("*"))
        .values_list("m", "c", "y", "q", "te", "pc")
    )
    return att, con


def _by_cell(rows: Iterable[tuple[int, int, int, int, int, int]]) -> dict[Cell, tuple[int, int]]:
    """``_cells_of``'s rows of both kinds added up per cell: (三进 attendances, point contacts)."""
    found: dict[Cell, tuple[int, int]] = {}
    for m, c, y, q, te, pc in rows:
        cell = Cell(m, c, int(y), int(q))
        before = found.get(cell, (0, 0))
        found[cell] = (before[0] + te, before[1] + pc)
    return found


def recount(cells: Iterable[Cell]) -> dict[Cell, tuple[int, int]]:
    """What the rows say of ``cells`` now: (三进 attendances, point contacts) of each non-empty one."""
    cells = set(cells)
    if not cells:
        return {}
    from activities.selectors.activities import Period

    members = sorted({c.member_id for c in cells})
    when, days = Q(), Q()
    for year, quarter in sorted({(c.year, c.quarter) for c in cells}):
        period = Period(year, quarter)
        start, end = period.bounds
        when |= Q(activity__starts_at__gte=start, activity__starts_at__lt=end)
        days |= Q(contacted_on__gte=period.first_day, contacted_on__lt=period.end_day)
    att, con = _cells_of(
        counted_attendance().filter(when, member_id__in=members),
        point_contact_rows().filter(days, member_id__in=members),
    )
    return {cell: counts for cell, counts in _by_cell([*att, *con]).items() if cell in cells}


def refresh(cells: Iterable[Cell]) -> None:
    """Recount ``cells`` from the rows under their members' locks and write them (inside the caller's
    transaction, after its writes to the rows; its own when there is none, e.g. a script or a test that wrote rows
    with autocommit: the rows are committed then, and the recount reads them)."""
    cells = set(cells)
    if not cells:
        return
    if transaction.get_connection().in_atomic_block:
        _refresh(cells)
    else:
        with transaction.atomic():
            _refresh(cells)


def _refresh(cells: set[Cell]) -> None:
    from activities.models import CoverageTally
    from groups.models import Member

    # the members' rows in id order: a second writer of the same member waits here and recounts after the first
    # commits (NO KEY: inserting attendance or contacts of the member, a foreign-key share lock, is not blocked)
    members = sorted({c.member_id for c in cells})
    list(Member.objects.select_for_update(no_key=True).filter(pk__in=members).order_by("pk").values_list("pk"))
    counts = recount(cells)
    if counts:
        CoverageTally.objects.bulk_create(
            [
                CoverageTally(member_id=m, committee_id=c, year=y, quarter=q, three_enters=te, point_contacts=pc)
                for (m, c, y, q), (te, pc) in sorted(counts.items())
            ],
            update_conflicts=True,
            unique_fields=["member", "year", "quarter", "committee"],
            update_fields=["three_enters", "point_contacts"],
        )
    empty = cells - counts.keys()
    if empty:
        CoverageTally.objects.filter(
            reduce(or_, (Q(member_id=m, committee_id=c, year=y, quarter=q) for m, c, y, q in empty))
        ).delete()


# --- the cells a write touches ----------------------------------------------------------------------------


def activity_key(activity: Any) -> tuple[int, int, int] | None:
    """Where an activity's present attendance counts (committee, year, quarter), or None when it counts nowhere
    (not 三进, or not held or filed). Compare before and after a change: the cells move only when it moves."""
    if activity.kind != THREE_ENTERS or activity.state not in COUNTED:
        return None
    return (activity.committee_id, *quarter_of(activity.starts_at))


def attendance_cells(activity: Any, member_ids: Iterable[int]) -> set[Cell]:
    """The cells of some members' attendance rows at ``activity`` (their status changed, or the rows went; rows
    added as invitations count nowhere yet: no call needed)."""
    place = activity_key(activity)
    if place is None:
        return set()  # attendance at an activity that does not count (another kind, not held) counts nowhere
    return {Cell(m, *place) for m in member_ids}


def moved_activity_cells(activity_id: int, *keys: tuple[int, int, int] | None) -> set[Cell]:
    """The cells of an activity's present members at each of its ``keys`` (before and after), when they differ."""
    from activities.models import Attendance

    places = {k for k in keys if k is not None}
    if len(set(keys)) < 2 or not places:
        return set()
    present = Attendance.objects.filter(activity_id=activity_id, status="present").values_list("member_id", flat=True)
    return {Cell(m, *place) for m in present for place in places}


def contact_cells(*contacts: Any) -> set[Cell]:
    """The cells of contacts (the same contact before and after a change, or one recorded or deleted)."""
    return {
        Cell(c.member_id, c.committee_id, *quarter_of(c.contacted_on))
        for c in contacts
        if c is not None and c.contact_point_id is not None
    }


# --- all of it at once ----------------------------------------------------------------------------------------


def rebuild(registry: Any = global_apps) -> int:
    """Count every cell from the rows again, in one statement (the demo's bulk loads, the migration that made the
    table, repairs: ``manage.py coverage_rebuild``); returns the cells written. ``registry``: a migration's apps."""
    tally = registry.get_model("activities", "CoverageTally")
    using = router.db_for_write(tally)
    att, con = _cells_of(counted_attendance(registry), point_contact_rows(registry))
    att_sql, att_params = att.query.sql_with_params()
    con_sql, con_params = con.query.sql_with_params()
    table = connections[using].ops.quote_name(tally._meta.db_table)
    tally.objects.using(using).all().delete()
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, committee_id, year, quarter, three_enters, point_contacts) "
            f"SELECT m, c, y, q, SUM(te), SUM(pc) FROM ({att_sql} UNION ALL {con_sql}) AS cells GROUP BY m, c, y, q",
            (*att_params, *con_params),
        )
        return cursor.rowcount


def differences(registry: Any = global_apps) -> dict[Cell, tuple[tuple[int, int] | None, tuple[int, int] | None]]:
    """Cells where the table and the rows disagree: cell -> (the table's counts, the rows'), None for no row."""
    tally = registry.get_model("activities", "CoverageTally")
    att, con = _cells_of(counted_attendance(registry), point_contact_rows(registry))
    rows = _by_cell([*att, *con])
    table = {
        Cell(m, c, y, q): (te, pc)
        for m, c, y, q, te, pc in tally.objects.values_list(
            "member_id", "committee_id", "year", "quarter", "three_enters", "point_contacts"
        )
    }
    return {
        cell: (table.get(cell), rows.get(cell))
        for cell in table.keys() | rows.keys()
        if table.get(cell) != rows.get(cell)
    }
