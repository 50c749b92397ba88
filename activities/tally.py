"""The filed activities per group and year kept as data (#22): ``FiledTally`` equal to the activities it counts.

The database keeps the cells (the triggers of ``activities/migrations/0010_filed_tally.py`` move an activity's count
from its old cell to its new one in the transaction of every write); this module says what the activities say of
every cell (filed, organised by a group, keyed by the activity's committee and the local year of its start, as
``assessments.selectors.group_settlement`` and the ledger it links to count them), rebuilds the table from them
(``manage.py filed_rebuild``) and lists where the two differ (``--check``; ``tests/activities/test_filed_tally.py``
runs random writes and compares)."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import ExtractYear

from activities.models import Activity, FiledTally
from core.management import kept_counts

Cell = tuple[int, int, int]  # committee, year, group


def counted() -> dict[Cell, int]:
    """Every non-empty cell as the activities say it: (committee, year, group) -> filed activities."""
    rows = (
        Activity.objects.filter(state=Activity.State.FILED, group__isnull=False)
        .order_by()
        .annotate(year=ExtractYear("starts_at"))  # in the current (the deployment's) time zone
        .values_list("committee_id", "year", "group_id")
        .annotate(n=Count("*"))
    )
    return {(committee, year, group): n for committee, year, group, n in rows}


def tallied() -> dict[Cell, int]:
    """Every cell of the table: (committee, year, group) -> filed activities."""
    return {
        (committee, year, group): n
        for committee, year, group, n in FiledTally.objects.values_list("committee_id", "year", "group_id", "filed")
    }


def differences() -> dict[Cell, tuple[int | None, int | None]]:
    """Cells where the table and the activities disagree: key -> (the table's count, the activities'), None for none."""
    return kept_counts.differences(tallied(), counted())


def rebuild() -> int:
    """Count every cell from the activities again (repairs; the triggers keep it otherwise); returns the cells."""
    cells = counted()
    FiledTally.objects.all().delete()
    FiledTally.objects.bulk_create(
        FiledTally(committee_id=committee, year=year, group_id=group, filed=n)
        for (committee, year, group), n in cells.items()
    )
    return len(cells)
