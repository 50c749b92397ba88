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

``CommitteeCoverage`` is the figure the coverage page, the leaders' home and the workbench show: per committee and
period (a quarter, or the year as quarter 0), how many of its members in office the cells cover. It moves by one
member at a time, in the transaction of the write that moved it: ``refresh`` compares the locked members' covered
periods before and after it wrote their cells; a member who leaves office, comes back or changes committee
(``record_save`` of a member, under its row lock) takes their covered periods out of one committee's counts and into
another's; a committee's rule on contacts (``ActivitySettings.contacts_count_for_coverage``) changing recounts the
committees whose members have contacts there. Those recounts read every such member's cells, so they take the
table in a mode that waits for the member writes in flight and holds new ones back (PostgreSQL: ``SHARE ROW
EXCLUSIVE`` against the ``ROW EXCLUSIVE`` every member write takes first; SQLite runs one writer at a time anyway):
a member write never counts one member by two rules. ``rebuild`` counts this table too, and ``committee_differences``
compares it with a count from the cells. A member with cells cannot be deleted (their attendance and contacts
protect them), so a deletion moves no count.
"""

from __future__ import annotations

from collections import Counter
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

from activities.models import Activity, ActivitySettings
from core.management import kept_counts
from core.services import on_record_write
from groups.models import Member

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

    _member_write()
    # the members' rows in id order: a second writer of the same member waits here and recounts after the first
    # commits (NO KEY: inserting attendance or contacts of the member, a foreign-key share lock, is not blocked)
    members = sorted({c.member_id for c in cells})
    in_office = {
        pk: committee_id
        for pk, committee_id, status in Member.objects.select_for_update(no_key=True)
        .filter(pk__in=members)
        .order_by("pk")
        .values_list("pk", "committee_id", "status")
        if status == Member.Status.ACTIVE
    }
    years = sorted({c.year for c in cells if c.member_id in in_office})
    before = covered_periods(in_office, years) if in_office else set()
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
    if in_office:
        after = covered_periods(in_office, years)
        moves: Counter[tuple[int, int, int]] = Counter()
        for m, y, q in after - before:
            moves[in_office[m], y, q] += 1
        for m, y, q in before - after:
            moves[in_office[m], y, q] -= 1
        move(moves)


# --- the committees' covered counts -------------------------------------------------------------------------


def covering_q(registry: Any = global_apps) -> Q:
    """THE rule of coverage on one cell: a 三进 attendance, or contacts at a contact point where the cell's committee
    counts them (``ActivitySettings.contacts_count_for_coverage``; a committee without rules counts them)."""
    rules = registry.get_model("activities", "ActivitySettings")
    return Q(three_enters__gt=0) | (
        Q(point_contacts__gt=0)
        & ~Q(committee_id__in=rules.objects.filter(contacts_count_for_coverage=False).values("committee_id"))
    )


def covered_periods(members: Iterable[int], years: Iterable[int] | None = None) -> set[tuple[int, int, int]]:
    """(member, year, quarter) for each period in ``years`` (all: None) that covers one of ``members``; a covered
    quarter also covers its year (quarter 0)."""
    from activities.models import CoverageTally

    cells = CoverageTally.objects.filter(covering_q(), member_id__in=list(members))
    if years is not None:
        cells = cells.filter(year__in=list(years))
    found = set()
    for m, y, q in cells.order_by().values_list("member_id", "year", "quarter").distinct():
        found |= {(m, y, q), (m, y, 0)}
    return found


def move(moves: Counter[tuple[int, int, int]]) -> None:
    """Add each (committee, year, quarter)'s number to its covered count, in key order (two writers of the same
    counts lock them in the same order); a count that reaches 0 is no row."""
    from activities.models import CommitteeCoverage

    emptied = []
    table = CommitteeCoverage._meta.db_table
    connection = connections[router.db_for_write(CommitteeCoverage)]
    quoted = connection.ops.quote_name(table)
    for (committee_id, year, quarter), n in sorted(moves.items()):
        if n > 0:  # the first covered member of a period makes its row; the next add to it
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {quoted} (committee_id, year, quarter, covered) VALUES (%s, %s, %s, %s) "
                    f"ON CONFLICT (committee_id, year, quarter) DO UPDATE SET covered = {quoted}.covered + %s",
                    (committee_id, year, quarter, n, n),
                )
        elif n < 0:  # the row is there: it counted the member (below 0 breaks the column's check)
            CommitteeCoverage.objects.filter(committee_id=committee_id, year=year, quarter=quarter).update(
                covered=F("covered") + n
            )
            emptied.append(Q(committee_id=committee_id, year=year, quarter=quarter))
    if emptied:
        CommitteeCoverage.objects.filter(reduce(or_, emptied), covered=0).delete()


def _member_write() -> None:
    """A write of members' coverage takes the committees' counts in a mode that lets other member writes through and
    waits for a rule's recount (``_recount_write``) to commit, so it reads one rule before and after (PostgreSQL)."""
    from activities.models import CommitteeCoverage

    _lock_table(CommitteeCoverage, "ROW EXCLUSIVE")


def _lock_table(model: Any, mode: str) -> None:
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN {mode} MODE")


def committee_counts(
    registry: Any = global_apps, committee_ids: Iterable[int] | None = None
) -> dict[tuple[int, int, int], int]:
    """(committee, year, quarter) -> covered members in office, counted from the cells (the quarters, then the years:
    two grouped queries); only of ``committee_ids`` when given."""
    tally = registry.get_model("activities", "CoverageTally")
    cells = tally.objects.filter(covering_q(registry), member__status="active").order_by()
    if committee_ids is not None:
        cells = cells.filter(member__committee_id__in=list(committee_ids))
    counts = {
        (c, y, q): n
        for c, y, q, n in cells.values("member__committee_id", "year", "quarter")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("member__committee_id", "year", "quarter", "n")
    }
    for c, y, n in (
        cells.values("member__committee_id", "year")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("member__committee_id", "year", "n")
    ):
        counts[c, y, 0] = n
    return counts


def recount_committees(committee_ids: Iterable[int] | None = None, registry: Any = global_apps) -> int:
    """Count the covered members of ``committee_ids`` (every committee: None) from the cells again and write them;
    returns the rows written."""
    table = registry.get_model("activities", "CommitteeCoverage")
    rows = table.objects.all()
    if committee_ids is not None:
        committee_ids = sorted(set(committee_ids))
        rows = rows.filter(committee_id__in=committee_ids)
    counts = committee_counts(registry, committee_ids)
    rows.delete()
    table.objects.bulk_create(
        [table(committee_id=c, year=y, quarter=q, covered=n) for (c, y, q), n in sorted(counts.items())],
        batch_size=1000,
    )
    return len(counts)


def committee_differences(registry: Any = global_apps) -> dict[tuple[int, int, int], tuple[int, int]]:
    """(committee, year, quarter) where the kept count and a count from the cells disagree: -> (kept, counted)."""
    table = registry.get_model("activities", "CommitteeCoverage")
    kept = {(c, y, q): n for c, y, q, n in table.objects.values_list("committee_id", "year", "quarter", "covered")}
    return kept_counts.differences(kept, committee_counts(registry), missing=0)


@on_record_write(Member)
def member_changed(*, before: Any, after: Any) -> None:
    """A member who leaves office, comes back or changes committee (``record_save``, under the member's row lock):
    their covered periods leave one committee's counts and join the other's. A new member has no cells yet; one
    with cells cannot be deleted (their rows protect them)."""
    active = Member.Status.ACTIVE
    was = before.committee_id if before is not None and before.status == active else None
    now = after.committee_id if after is not None and after.status == active else None
    if was == now:
        return
    _member_write()
    moves: Counter[tuple[int, int, int]] = Counter()
    for _m, y, q in covered_periods([(after or before).pk]):
        if was is not None:
            moves[was, y, q] -= 1
        if now is not None:
            moves[now, y, q] += 1
    move(moves)


@on_record_write(ActivitySettings)
def rules_changed(*, before: Any, after: Any) -> None:
    """A committee's rule on contacts changed (or its rules were made or removed: without them contacts count):
    the committees whose members have contacts at a point there are counted again."""
    was = {before.committee_id: before.contacts_count_for_coverage} if before is not None else {}
    now = {after.committee_id: after.contacts_count_for_coverage} if after is not None else {}
    changed = [c for c in was.keys() | now.keys() if was.get(c, True) != now.get(c, True)]
    if changed:
        rule_recount(changed)


def rule_recount(committee_ids: Iterable[int]) -> None:
    """Count again the committees whose members have contacts at a point of ``committee_ids``' (their rule on
    contacts changed), with the member writes held back until this commits (``_member_write``)."""
    from activities.models import CommitteeCoverage, CoverageTally

    _lock_table(CommitteeCoverage, "SHARE ROW EXCLUSIVE")
    members = CoverageTally.objects.filter(committee_id__in=list(committee_ids), point_contacts__gt=0)
    affected = set(
        Member.objects.filter(pk__in=members.values("member_id"))
        .order_by()
        .values_list("committee_id", flat=True)
        .distinct()
    )
    if affected:
        recount_committees(affected)


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
    """Count every cell from the rows again, in one statement, then the committees' covered counts from the cells
    (the demo's bulk loads, repairs: ``manage.py coverage_rebuild``); returns the cells written. ``registry``: a
    migration's apps."""
    cells = rebuild_cells(registry)
    recount_committees(registry=registry)
    return cells


def rebuild_cells(registry: Any = global_apps) -> int:
    """Count every member cell from the rows again, in one statement (the migration that made the table: the
    committees' counts came later); returns the cells written."""
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
    return kept_counts.differences(table, rows)
