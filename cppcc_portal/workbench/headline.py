"""The leaders' home: the year's headline figures of each committee they lead (a city: itself and each district side
by side), from the selectors the figures pages use, so a figure here is the figure there:

- 三进 coverage: ``activities.selectors.activities.committees_coverage`` (the coverage page);
- proposals 立案率, on time, 满意率, 落实率: ``proposals.selectors.committee_year_figures``, the ``by_committee`` rows
  of ``year_figures`` (the proposal figures page) from the same cells; each links to ``proposals:list`` with the figure's filter, whose rows are its numerator;
- reports adopted: the same definition as ``figures`` (a submitted report with an adoption), per committee;
- average points: the members' year-to-date totals of the latest quarter rolled up (``assessment_rows``, the annual
  assessment page), with the date of that roll-up and who ran it.

A fixed number of queries for any number of committees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from activities.selectors.activities import Period, committees_coverage
from assessments.models import CommitteeSnapshot, RollupRun
from groups.access import scope_of
from groups.models import Committee
from proposals import selectors as proposal_selectors
from proposals.models import OpinionReport


@dataclass
class Figure:
    """One headline figure: ``value`` is what is shown (a rate, a count, an average); ``count`` the rows ``url``
    lists (a rate's numerator, of ``whole``), None for a figure that is not a count (average points)."""

    label: str
    value: str
    detail: str
    url: str
    count: int | None = None
    whole: int | None = None


@dataclass
class Column:
    committee: Committee
    figures: list[Figure] = field(default_factory=list)
    data_as_of: datetime | None = None
    run_by: str = ""
    quarter: int | None = None


def leader_committees(user):
    scope = scope_of(user)
    if scope.is_superuser:
        return Committee.objects.all()
    return Committee.objects.filter(pk__in=scope.leader_committee_ids | scope.staff_committee_ids)


def _pct(value) -> str:
    return "—" if value is None else f"{value:g}%"


def headline(user, year: int) -> list[Column]:
    from django.utils.translation import gettext as _

    committees = committees_coverage(leader_committees(user), Period(year))
    ids = [c.pk for c in committees]
    today = timezone.localdate()
    reports = OpinionReport.objects.filter(committee_id__in=ids, year=year)
    by_committee = proposal_selectors.committee_year_figures(ids, year, today=today)
    adopted = dict(
        reports.exclude(state=OpinionReport.State.DRAFT)
        .order_by()
        .values("committee_id")
        .annotate(n=Count("pk", filter=proposal_selectors.report_figure_q("adopted")))
        .values_list("committee_id", "n")
    )
    runs = {}
    for run in (
        RollupRun.objects.filter(committee_id__in=ids, year=year, status=RollupRun.Status.DONE)
        .select_related("requested_by")
        .order_by("committee_id", "-quarter", "-finished_at", "-pk")
    ):
        runs.setdefault(run.committee_id, run)  # the latest quarter rolled up, its latest run
    # The average of the members' year-to-date totals in the latest quarter rolled up: the committee snapshot's
    # sum over its members (one row per committee; the run wrote both), not an average over the member snapshots.
    points = {
        committee_id: total / members
        for committee_id, total, members in CommitteeSnapshot.objects.filter(
            run__in=[run.pk for run in runs.values()], members__gt=0
        ).values_list("committee_id", "ytd_total", "members")
    }

    columns = []
    for c in committees:
        base = {"committee": c.pk, "year": year}

        def listed(figure: str, _base=base) -> str:
            return reverse("proposals:list") + "?" + urlencode({**_base, "figure": figure})

        row = by_committee.get(c.pk) or proposal_selectors._with_rates(dict.fromkeys(proposal_selectors.COUNTED, 0))
        covered_pct = round(100 * c.covered_count / c.member_count, 1) if c.member_count else None
        run = runs.get(c.pk)
        avg = points.get(c.pk)
        column = Column(
            c,
            data_as_of=run.finished_at if run else None,
            run_by=(run.requested_by.display_name if run and run.requested_by else ""),
            quarter=run.quarter if run else None,
        )
        column.figures = [
            Figure(
                _("Three-enters coverage"),
                _pct(covered_pct),
                _("%(covered)s of %(members)s members") % {"covered": c.covered_count, "members": c.member_count},
                reverse("activities:coverage_members") + "?" + urlencode({**base, "covered": "1"}),
                c.covered_count,
                c.member_count,
            ),
            Figure(
                _("Filing rate"),
                _pct(row["filing_rate"]),
                _("%(n)s filed of %(of)s") % {"n": row["filed"], "of": row["submitted"]},
                listed("filed"),
                row["filed"],
                row["submitted"],
            ),
            Figure(
                _("Replies on time"),
                _pct(row["on_time_rate"]),
                _("%(n)s on time of %(of)s replied") % {"n": row["on_time"], "of": row["replied"]},
                listed("on_time"),
                row["on_time"],
                row["replied"],
            ),
            Figure(
                _("Satisfaction rate"),
                _pct(row["satisfaction_rate"]),
                _("%(n)s satisfied of %(of)s rated") % {"n": row["satisfied"], "of": row["rated"]},
                listed("satisfied"),
                row["satisfied"],
                row["rated"],
            ),
            Figure(
                _("Implementation rate"),
                _pct(row["implementation_rate"]),
                _("%(n)s implemented of %(of)s closed") % {"n": row["implemented"], "of": row["closed"]},
                listed("implemented"),
                row["implemented"],
                row["closed"],
            ),
            Figure(
                _("Reports adopted"),
                str(adopted.get(c.pk, 0)),
                _("public-opinion reports"),
                reverse("proposals:reports") + "?" + urlencode({**base, "figure": "adopted"}),
                adopted.get(c.pk, 0),
            ),
            Figure(
                _("Average points"),
                "—" if avg is None else str(Decimal(avg).quantize(Decimal("0.1"))),
                _("per member, year to date"),
                reverse("assessments:annual") + "?" + urlencode(base),
            ),
        ]
        columns.append(column)
    return columns
