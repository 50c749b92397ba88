"""The members in office per committee kept as data (#22): ``MemberTally`` equal to the members it counts.

The database keeps the rows (the triggers of ``groups/migrations/0030_member_tally.py`` move a member from their old
committee's row to the new one's in the transaction of every write); this module says what the members say of every
committee (in office, and standing 常委 among them), reads the kept counts (``in_office``, ``standing``), rebuilds the
table from the members (``manage.py members_rebuild``) and lists where the two differ (``--check``;
``tests/groups/test_member_tally.py`` runs random writes and compares)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from core.management import kept_counts
from groups.models import Member, MemberTally

Counts = tuple[int, int]  # in office, standing among them


def in_office(committee_ids: Iterable[int]) -> dict[int, int]:
    """The members in office of each committee (absent: none), from the kept rows: equal to
    ``Member.objects.filter(committee_id=…, status=ACTIVE).count()``."""
    rows = MemberTally.objects.filter(committee_id__in=list(committee_ids))
    return dict(rows.values_list("committee_id", "in_office"))


def counted() -> dict[int, Counts]:
    """Every committee with members in office as the members say it: committee -> (in office, standing)."""
    rows = (
        Member.objects.filter(status=Member.Status.ACTIVE)
        .order_by()
        .values_list("committee_id")
        .annotate(n=Count("pk"), standing=Count("pk", filter=Q(is_standing=True)))
    )
    return {committee: (n, standing) for committee, n, standing in rows}


def tallied() -> dict[int, Counts]:
    """Every row of the table: committee -> (in office, standing)."""
    return {c: (n, s) for c, n, s in MemberTally.objects.values_list("committee_id", "in_office", "standing")}


def differences() -> dict[int, tuple[Counts | None, Counts | None]]:
    """Committees where the table and the members disagree: key -> (the table's counts, the members'), None for none."""
    return kept_counts.differences(tallied(), counted())


def rebuild() -> int:
    """Count every committee from the members again (repairs; the triggers keep it otherwise); returns the rows."""
    rows = counted()
    MemberTally.objects.all().delete()
    MemberTally.objects.bulk_create(
        MemberTally(committee_id=committee, in_office=n, standing=standing) for committee, (n, standing) in rows.items()
    )
    return len(rows)
