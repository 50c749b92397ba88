"""The reports' figures kept as data (#22): ``ReportTally`` equals a fresh count of the reports, their adoptions and
their leaders' instructions after any writes (the database's triggers, ``proposals/migrations/0035_report_tally.py``),
and the report figures read from it are the figures counted from the rows (``year_figures`` = ``figures``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposals import selectors, tally
from proposals.models import Adoption, Instruction, Level, OpinionReport, Proposal, ReportTally
from tests import factories as f
from tests.proposals.factories import OpinionReportFactory

pytestmark = pytest.mark.django_db

STATES = OpinionReport.State.values
LEVELS = Level.values
YEARS = [2025, 2026]
DAY = date(2026, 3, 2)

# One write each: (what, report slot, committee slot, a choice, another choice)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "create",
                "create",
                "state",
                "move",
                "adopt",
                "adopt",
                "unadopt",
                "relevel",
                "readopt",
                "instruct",
                "instruct",
                "uninstruct",
                "reinstruct",
                "clear",
                "delete",
            ]
        ),
        st.integers(0, 4),
        st.integers(0, 1),
        st.integers(0, 7),
        st.integers(0, 3),
    ),
    max_size=30,
)


def _write(op, reports, committees):
    """One write through the ORM's every path: a saved instance, a bulk ``update()``, a ``delete()`` of one row or of
    several rows of one report in one statement (the row triggers of PostgreSQL run after the whole statement)."""
    what, slot, c, a, b = op
    if what == "create":
        reports.append(
            OpinionReportFactory(
                committee=committees[c],
                author=f.MemberFactory(committee=committees[c]),
                state=STATES[a % len(STATES)],
                year=YEARS[b % 2],
                decline_reason="重复",
            )
        )
        return
    if not reports:
        return
    report = reports[slot % len(reports)]
    other = reports[(slot + 1) % len(reports)]
    adoptions, instructions = Adoption.objects.filter(report=report), Instruction.objects.filter(report=report)
    if what == "state":
        OpinionReport.objects.filter(pk=report.pk).update(state=STATES[a % len(STATES)], decline_reason="重复")
    elif what == "move":  # a stale instance saved whole: every column written, the key ones changed
        report.refresh_from_db()
        report.committee, report.year = committees[c], YEARS[a % 2]
        report.author = f.MemberFactory(committee=committees[c])
        report.save()
    elif what == "adopt":
        level = LEVELS[a % len(LEVELS)]
        if not adoptions.filter(level=level).exists():
            Adoption.objects.create(report=report, level=level, date=DAY)
    elif what == "unadopt":
        adoptions.filter(pk__in=adoptions.values("pk")[:1]).delete()
    elif what == "relevel":  # an adoption moved to a level its report has no adoption at, or to another report
        row = adoptions.first()
        free = [lv for lv in LEVELS if not Adoption.objects.filter(report=other, level=lv).exists()]
        if row and b % 2 and free:
            Adoption.objects.filter(pk=row.pk).update(report=other, level=free[0])
        elif row:
            taken = set(adoptions.values_list("level", flat=True))
            if left := [lv for lv in LEVELS if lv not in taken]:
                Adoption.objects.filter(pk=row.pk).update(level=left[a % len(left)])
    elif what == "readopt":  # every adoption of one report moved to another free report in one statement
        if not Adoption.objects.filter(report=other).exists():
            adoptions.update(report=other)
    elif what == "instruct":
        for _ in range(1 + b % 2):
            Instruction.objects.create(report=report, leader="张三", level=LEVELS[a % 4], date=DAY, text="请研究")
    elif what == "uninstruct":
        instructions.filter(pk__in=instructions.values("pk")[:1]).delete()
    elif what == "reinstruct":
        instructions.update(report=other)
    elif what == "clear":  # several rows of one report in one statement each
        adoptions.delete()
        instructions.delete()
    else:
        OpinionReport.objects.filter(pk=report.pk).delete()
        reports.remove(report)


@pytest.fixture
def committees():
    return [f.CommitteeFactory(), f.CommitteeFactory()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_cells_equal_the_reports_and_the_figures_equal_the_rows(committees, ops):
    reports: list[OpinionReport] = []
    for op in ops:
        _write(op, reports, committees)
    assert tally.report_differences() == {}
    ids = [c.pk for c in committees]
    for year in YEARS:
        for chosen in (ids, ids[:1]):
            kept = selectors.year_figures(chosen, year, today=DAY)
            counted = selectors.figures(
                Proposal.objects.filter(committee_id__in=chosen, year=year),
                OpinionReport.objects.filter(committee_id__in=chosen, year=year),
                chosen,
                DAY,
            )
            assert (kept["reports"], kept["adoption_levels"]) == (counted["reports"], counted["adoption_levels"])
            for name, n in kept["reports"].items():  # each figure is its drill-down's rows
                rows = selectors.filter_reports_by_figure(
                    OpinionReport.objects.filter(committee_id__in=chosen, year=year), name
                )
                assert rows.count() == n
    OpinionReport.objects.all().delete()  # hypothesis runs every example in the same test transaction
    assert not ReportTally.objects.exists()


def test_a_draft_counts_in_no_cell_until_it_is_submitted(committees):
    report = OpinionReportFactory(committee=committees[0], state=OpinionReport.State.DRAFT)
    Adoption.objects.create(report=report, level=Level.CITY, date=DAY)
    assert not ReportTally.objects.exists()
    OpinionReport.objects.filter(pk=report.pk).update(state=OpinionReport.State.SUBMITTED)
    cell = ReportTally.objects.get()
    assert (cell.submitted, cell.adopted, cell.adopted_city, cell.adopted_national) == (1, 1, 1, 0)


def test_the_check_names_a_report_cell_that_differs_and_the_rebuild_mends_it(committees, capsys):
    report = OpinionReportFactory(committee=committees[0])
    Instruction.objects.create(report=report, leader="张三", level=Level.CITY, date=DAY, text="请研究")
    ReportTally.objects.update(instructed=0)  # a table restored apart from the reports
    with pytest.raises(CommandError, match="1 report figure cells differ"):
        call_command("figures_rebuild", "--check")
    call_command("figures_rebuild")
    call_command("figures_rebuild", "--check")
    assert "the report figure cells the reports" in capsys.readouterr().out
    assert ReportTally.objects.get().instructed == 1


def test_emptying_the_cells_then_the_reports_leaves_no_cell(committees):
    """A flush deletes the tables in name order (the adoptions, the instructions, the reports, then the cells; on
    SQLite a DELETE per table, which fires the triggers): nothing is left negative or behind."""
    report = OpinionReportFactory(committee=committees[0])
    Adoption.objects.create(report=report, level=Level.CITY, date=DAY)
    ReportTally.objects.all().delete()
    Adoption.objects.all().delete()
    OpinionReport.objects.all().delete()
    assert not ReportTally.objects.exists()
    assert tally.report_differences() == {}


def test_the_figures_of_no_committee_are_zeros():
    """A committee out of the user's reach chosen on the figures page leaves no committee: the kept tables' one
    statement is not run with an empty ``IN ()``, and every figure is 0."""
    kept = selectors.year_figures([], 2026, today=DAY)
    assert kept["totals"]["submitted"] == 0 and kept["by_unit"] == [] and kept["codes"] == []
    assert kept["reports"] == dict.fromkeys(selectors.REPORT_FIGURES, 0)
