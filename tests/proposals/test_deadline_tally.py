"""The open deadlines per committee and year kept as data (#22): ``DeadlineTally`` equals a fresh count of the active
assignments of proposals in handling after any writes to either (the database's triggers,
``proposals/migrations/0029_deadline_tally.py``), and the workbench's calendar gaps read from it are the
committee-years the assignments themselves give."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models.functions import ExtractYear
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cppcc_portal.workbench import todos
from proposals import deadlines_tally
from proposals.models import Assignment, DeadlineTally, Holiday, Proposal
from tests import factories as f
from tests.proposals.factories import TODAY, ProposalFactory

pytestmark = pytest.mark.django_db

STATES = [Proposal.State.ASSIGNED, Proposal.State.HANDLING, Proposal.State.FILED, Proposal.State.REPLIED]
DUES = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 30), date(2027, 1, 4)]

# One write each: (what, slot, committee or unit slot, state or due, another choice)
operations = st.lists(
    st.tuples(
        st.sampled_from(
            ["proposal", "assign", "assign", "state", "move", "stale", "due", "active", "reassign", "drop", "delete"]
        ),
        st.integers(0, 5),
        st.integers(0, 1),
        st.integers(0, 3),
        st.booleans(),
    ),
    max_size=30,
)


def _write(op, proposals, assignments, committees, units):
    """One write of a counted column of an assignment or its proposal, through the ORM's every path: a saved
    instance, a bulk ``update()``, a ``delete()`` (the services write the same columns)."""
    what, slot, c, s, flag = op
    if what == "proposal" or not proposals:
        proposals.append(
            ProposalFactory(
                committee=committees[c], lead_proposer=f.MemberFactory(committee=committees[c]), state=STATES[s]
            )
        )
        return
    p = proposals[slot % len(proposals)]
    if what == "assign":
        taken = set(Assignment.objects.filter(proposal=p, is_active=True).values_list("unit_id", flat=True))
        unit = next((u for u in units if u.pk not in taken), None)
        if unit is not None:
            assignments.append(
                Assignment.objects.create(
                    proposal=p,
                    unit=unit,
                    role=Assignment.Role.CO,
                    due_date=DUES[s],
                    assigned_on=TODAY,
                    reassign_until=TODAY,
                )
            )
        return
    rows = Proposal.objects.filter(pk=p.pk)
    if what == "state":
        rows.update(state=STATES[s])
    elif what == "move":
        rows.update(committee=committees[c], state=STATES[s] if flag else p.state)
    elif what == "stale":  # a stale instance saved whole: every column written, the key ones changed
        p.refresh_from_db()
        p.state, p.committee = STATES[s], committees[c]
        p.save()
    elif what == "delete":
        Assignment.objects.filter(proposal=p).delete()  # as Django's collector deletes: the assignments first
        rows.delete()
        proposals.remove(p)
    elif assignments:
        a = assignments[slot % len(assignments)]
        one = Assignment.objects.filter(pk=a.pk)
        if what == "due":
            one.update(due_date=DUES[s])
        elif what == "active":
            if flag or not Assignment.objects.filter(proposal_id=a.proposal_id, unit_id=a.unit_id, is_active=True):
                one.update(is_active=flag)
        elif what == "reassign":  # to another proposal: out of one committee-year, into another
            other = proposals[(slot + 1) % len(proposals)]
            if not Assignment.objects.filter(proposal=other, unit_id=a.unit_id, is_active=True).exists():
                one.update(proposal=other)
        else:
            one.delete()
            assignments.remove(a)


@pytest.fixture
def committees():
    return [f.CommitteeFactory(), f.CommitteeFactory()]


def _gaps_from_the_assignments(ids):
    """The calendar gaps as the assignments say them: their committee-years less those with an official calendar."""
    years = set(
        deadlines_tally.open_deadlines()
        .filter(proposal__committee_id__in=ids)
        .annotate(year=ExtractYear("due_date"))
        .values_list("proposal__committee_id", "year")
    )
    loaded = {
        (c, d.year)
        for c, d in Holiday.objects.filter(source=Holiday.Source.OFFICIAL).values_list("committee_id", "date")
    }
    return sorted(years - loaded)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_rows_equal_the_assignments_and_the_gaps_are_the_assignments_years(committees, ops):
    units = [f.HandlingUnitFactory(committee=committees[0]) for _ in range(3)]
    Holiday.objects.create(
        committee=committees[0], date=date(2026, 10, 1), name="国庆节", source=Holiday.Source.OFFICIAL
    )
    proposals: list[Proposal] = []
    assignments: list[Assignment] = []
    for op in ops:
        _write(op, proposals, assignments, committees, units)
    assert deadlines_tally.differences() == {}
    ids = [c.pk for c in committees]
    gaps = todos.calendar_gaps(ids, TODAY)
    assert [(r["committee_id"], r["year"]) for r in gaps] == _gaps_from_the_assignments(ids)
    assert todos.BY_SLUG["calendar"].count_of(ids, TODAY) == len(_gaps_from_the_assignments(ids))
    Assignment.objects.all().delete()  # hypothesis runs every example in the same test transaction
    Proposal.objects.all().delete()
    Holiday.objects.all().delete()
    assert not DeadlineTally.objects.exists()


def test_the_services_life_cycle_keeps_the_rows(world, walk):
    p = walk.assigned()
    lead = walk.lead(p)
    assert deadlines_tally.tallied() == {(world.district.pk, lead.due_date.year): 1}
    walk.replied()
    walk.closed()
    assert deadlines_tally.differences() == {}


def test_the_check_names_a_row_that_differs_and_the_rebuild_mends_it(world, walk, capsys):
    walk.assigned()
    DeadlineTally.objects.update(deadlines=7)  # a table restored apart from the assignments
    with pytest.raises(CommandError, match="1 committee-years' open deadlines differ"):
        call_command("deadlines_rebuild", "--check")
    call_command("deadlines_rebuild")
    call_command("deadlines_rebuild", "--check")
    assert "equal the assignments" in capsys.readouterr().out
    assert DeadlineTally.objects.get().deadlines == 1


def test_emptying_the_rows_then_the_proposals_leaves_no_row(world, walk):
    """A flush deletes the tables in name order (SQLite's flush is a DELETE per table, which fires the triggers):
    taking an assignment or a proposal out of a row that is gone changes nothing."""
    walk.assigned()
    DeadlineTally.objects.all().delete()
    Assignment.objects.all().delete()
    Proposal.objects.all().delete()
    assert not DeadlineTally.objects.exists()
    assert deadlines_tally.differences() == {}
