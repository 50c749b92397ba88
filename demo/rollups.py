"""The demo's assessment figures: each committee's quarters rolled up through the assessments services, as the
nightly task does (``rollup_start`` queues a run, ``rollup_execute`` computes it; no message for the worker, this
step runs it), so the annual page, the dashboards and the exports show the seeded duty records.

Every year with a rule set (``demo.assessments`` makes the current year's), up to today's quarter in the current year
and all four in an earlier one. After the load has committed and been vacuumed (``seed_demo``): the roll-up plans on
fresh statistics and reads the visibility map; its snapshots are analysed after it."""

from __future__ import annotations

from django.utils import timezone

from assessments.models import CommitteeSnapshot, GroupSnapshot, MemberSnapshot, RollupRun, RuleSet
from assessments.rollup import quarter_of
from assessments.services import rollup_execute, rollup_start

# what the roll-ups write, for ``seed_demo`` to analyse after them
WRITES = (RollupRun, MemberSnapshot, GroupSnapshot, CommitteeSnapshot)


def quarters(today) -> list[tuple[int, int, int]]:
    """(committee, year, quarter) of every quarter to roll up on ``today``, in that order."""
    this_year = quarter_of(today)
    return [
        (committee_id, year, quarter)
        for committee_id, year in RuleSet.objects.filter(year__lte=today.year)
        .order_by("committee_id", "year")
        .values_list("committee_id", "year")
        for quarter in range(1, (this_year if year == today.year else 4) + 1)
    ]


def seed(ctx) -> None:
    committees = {c.pk: c for c in ctx.committees}
    done = members = 0
    for committee_id, year, quarter in quarters(timezone.localdate()):
        run = rollup_start(committee=committees[committee_id], year=year, quarter=quarter, actor=None, send=False)
        run = rollup_execute(run_id=run.pk)
        done += 1
        members += run.members_done
    ctx.say(f"assessments: {done} quarters rolled up ({members} member quarters)")
