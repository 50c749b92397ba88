"""The activity's columns kept by the database (#22): ``has_evidence`` (activities 0007) and ``invited_count``,
``present_count``, ``evidence_count`` (activities 0009), each equal to the attendance and evidence rows they count.

The triggers of those migrations keep them in every write's transaction; this module says what the rows say of
every activity, sets the columns from them again (``manage.py activity_counts_rebuild``: a table restored apart from
its rows, a trigger dropped by hand) and lists where the two differ (``--check``)."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from activities.models import Activity, Attendance, Evidence
from core.management import kept_counts

Counts = tuple[int, int, int, bool]  # invited, present, evidence, has_evidence

KEPT = ("invited_count", "present_count", "evidence_count", "has_evidence")


def _count(rows, **filters) -> Coalesce:
    per_activity = rows.filter(activity_id=OuterRef("pk"), **filters).order_by().values("activity_id")
    return Coalesce(Subquery(per_activity.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), 0)


def _from_rows() -> dict[str, Coalesce]:
    return {
        "invited_count": _count(Attendance.objects),
        "present_count": _count(Attendance.objects, status=Attendance.Status.PRESENT),
        "evidence_count": _count(Evidence.objects),
    }


def differences() -> dict[int, tuple[Counts, Counts]]:
    """Activities whose kept columns and rows disagree: id -> (the columns, the rows)."""
    rows = Activity.objects.order_by().annotate(**{f"rows_{k}": v for k, v in _from_rows().items()})
    table, counted = {}, {}
    for pk, invited, present, evidence, has, r_invited, r_present, r_evidence in rows.values_list(
        "pk", *KEPT, "rows_invited_count", "rows_present_count", "rows_evidence_count"
    ):
        table[pk] = (invited, present, evidence, has)
        counted[pk] = (r_invited, r_present, r_evidence, r_evidence > 0)
    return kept_counts.differences(table, counted)


def rebuild() -> int:
    """Set every activity's kept columns from its rows again; returns the activities corrected."""
    wrong = list(differences())
    if wrong:
        has_evidence = Exists(Evidence.objects.filter(activity_id=OuterRef("pk")))
        Activity.objects.filter(pk__in=wrong).update(**_from_rows(), has_evidence=has_evidence)
    return len(wrong)
