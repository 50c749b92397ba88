"""The proposal figures kept as data (#22): ``FigureTally`` equals a fresh count of the proposals after any writes
(the database's triggers, ``proposals/migrations/0020_figure_tally.py``), and the figures read from it are the
figures counted from the rows (``proposals.selectors.year_figures`` = ``figures``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposals import selectors, tally
from proposals.models import Category, FigureTally, OpinionReport, Proposal
from tests import factories as f
from tests.proposals.factories import TODAY, ProposalFactory

pytestmark = pytest.mark.django_db

STATES = [s for s in Proposal.State.values if s != Proposal.State.MERGED]  # merged needs its target
RATINGS = ["", *Proposal.Rating.values]
CATEGORIES = [Category.URBAN, *[c for c in Category.values if c != Category.URBAN][:1]]
YEARS = [2025, 2026]
CODES = ["", "A", "B"]

# One write each: (what, proposal slot, committee slot, unit slot, a choice, another choice)
operations = st.lists(
    st.tuples(
        st.sampled_from(["create", "create", "state", "reply", "rate", "file", "move", "unit", "implement", "delete"]),
        st.integers(0, 5),
        st.integers(0, 1),
        st.integers(0, 2),
        st.integers(0, 7),
        st.integers(0, 3),
    ),
    max_size=25,
)


def _write(op, proposals, committees, units):
    """One write of a counted column, through the ORM's every path: a saved instance, a bulk ``update()``, a
    ``delete()``; the services write the same columns (``test_the_services_life_cycle_keeps_the_cells``)."""
    what, slot, c, u, a, b = op
    if what == "create":
        proposals.append(
            ProposalFactory(
                committee=committees[c],
                lead_proposer=f.MemberFactory(committee=committees[c]),
                state=STATES[a % len(STATES)],
                year=YEARS[b % 2],
                category=CATEGORIES[b % 2],
                lead_unit=units[u] if u < 2 else None,
                not_filed_reason="不予立案",
            )
        )
        return
    if not proposals:
        return
    p = proposals[slot % len(proposals)]
    rows = Proposal.objects.filter(pk=p.pk)
    if what == "state":
        rows.update(state=STATES[a % len(STATES)], not_filed_reason="不予立案")
    elif what == "reply":
        rows.update(replied_on_time=[None, True, False][b % 3], result_code=CODES[a % 3])
    elif what == "rate":
        rows.update(rating=RATINGS[a % 4], first_rating=RATINGS[b % 4])
    elif what == "file":
        rows.update(filed_at=None if a % 2 else timezone.now())
    elif what == "move":  # a stale instance saved whole: every column written, the key ones changed
        p.refresh_from_db()
        p.committee, p.year, p.category = committees[c], YEARS[a % 2], CATEGORIES[b % 2]
        p.lead_proposer = f.MemberFactory(committee=committees[c])
        p.save()
    elif what == "unit":
        rows.update(lead_unit=units[u] if u < 2 else None)
    elif what == "implement":
        rows.update(implemented_on=None if a % 2 else TODAY, reply_due=TODAY + timedelta(days=b - 2))
    else:
        rows.delete()
        proposals.remove(p)


@pytest.fixture
def committees():
    return [f.CommitteeFactory(), f.CommitteeFactory()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_cells_equal_the_proposals_and_the_figures_equal_the_rows(committees, ops):
    units = [f.HandlingUnitFactory(committee=committees[0]), f.HandlingUnitFactory(committee=committees[1])]
    proposals: list[Proposal] = []
    for op in ops:
        _write(op, proposals, committees, units)
    assert tally.differences() == {}
    ids = [c.pk for c in committees]
    for year in YEARS:
        for today in (TODAY, TODAY + timedelta(days=2)):
            for unit_id, category in ((None, ""), (units[0].pk, ""), (None, CATEGORIES[1])):
                rows = Proposal.objects.filter(committee_id__in=ids, year=year)
                if unit_id:
                    rows = rows.filter(lead_unit_id=unit_id)
                if category:
                    rows = rows.filter(category=category)
                reports = OpinionReport.objects.filter(committee_id__in=ids, year=year)
                kept = selectors.year_figures(ids, year, unit_id=unit_id, category=category, today=today)
                assert kept == selectors.figures(rows, reports, ids, today)
            by_committee = {
                row["committee"]: {k: v for k, v in row.items() if k not in ("committee", "committee__name")}
                for row in selectors.year_figures(ids, year, today=today)["by_committee"]
            }
            assert selectors.committee_year_figures(ids, year, today=today) == by_committee  # the leaders' home
    Proposal.objects.all().delete()  # hypothesis runs every example in the same test transaction
    assert not FigureTally.objects.exists()


def test_the_services_life_cycle_keeps_the_cells(world, walk):
    walk.closed()
    walk.rated(rating="unsatisfied")
    walk.replied(code="B")
    walk.submitted()
    walk.draft()
    assert tally.differences() == {}
    totals = selectors.year_figures([world.district.pk], TODAY.year, today=TODAY)["totals"]
    assert (totals["submitted"], totals["replied"], totals["rated"], totals["closed"]) == (4, 3, 2, 1)


def test_the_check_names_a_cell_that_differs_and_the_rebuild_mends_it(world, walk, capsys):
    walk.filed()
    FigureTally.objects.update(filed=0)  # a table restored apart from the proposals
    with pytest.raises(CommandError, match="1 proposal figure cells differ"):
        call_command("figures_rebuild", "--check")
    call_command("figures_rebuild")
    call_command("figures_rebuild", "--check")
    assert "equal the proposals" in capsys.readouterr().out
    assert FigureTally.objects.get().filed == 1


def test_a_draft_counts_in_no_cell(world, walk):
    walk.draft(year=date.today().year)
    assert not FigureTally.objects.exists()


def test_emptying_the_cells_then_the_proposals_leaves_no_cell(world, walk):
    """A flush deletes the tables in name order, the cells before the proposals (SQLite's flush is a DELETE per table,
    which fires the triggers): taking a proposal out of a cell that is gone changes nothing, and no cell is left
    negative for the next test or the next load to trip on."""
    walk.closed()
    walk.replied(code="B")
    assert FigureTally.objects.exists()
    FigureTally.objects.all().delete()
    Proposal.objects.all().delete()
    assert not FigureTally.objects.exists()
    assert tally.differences() == {}
