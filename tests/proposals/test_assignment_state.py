"""``Assignment.proposal_state`` is kept by the database (migration proposals/0030), on SQLite and PostgreSQL alike:
whatever writes the proposal's state, and whatever the application writes back to an assignment, it is the state of
the assignment's proposal; the unit's pages order and count by it (#22)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from proposals import kept_columns
from proposals.models import Assignment, Proposal

pytestmark = pytest.mark.django_db


def kept(proposal) -> set[str]:
    return set(Assignment.objects.filter(proposal=proposal).values_list("proposal_state", flat=True))


def test_the_services_life_cycle_keeps_the_state(world, walk):
    p = walk.assigned(co=[world.other_unit])
    assert kept(p) == {Proposal.State.ASSIGNED}
    walk.closed()
    walk.rated()
    walk.replied()
    assert kept_columns.differences() == {}
    assert set(Assignment.objects.values_list("proposal_state", flat=True)) == {
        Proposal.State.ASSIGNED,
        Proposal.State.REPLIED,
        Proposal.State.RATED,
        Proposal.State.CLOSED,
    }


def test_every_kind_of_write_keeps_the_state(world, walk):
    p = walk.assigned()
    Proposal.objects.filter(pk=p.pk).update(state=Proposal.State.HANDLING)  # a bulk update
    assert kept(p) == {Proposal.State.HANDLING}
    p.refresh_from_db()
    p.state = Proposal.State.REPLIED
    p.save()  # a saved instance
    assert kept(p) == {Proposal.State.REPLIED}
    stale = Assignment.objects.get(proposal=p)
    stale.proposal_state = Proposal.State.ASSIGNED  # what a stale instance holds
    stale.save()
    assert kept(p) == {Proposal.State.REPLIED}
    Assignment.objects.filter(proposal=p).update(proposal_state="closed")
    assert kept(p) == {Proposal.State.REPLIED}
    other = walk.filed()
    new = Assignment.objects.create(
        proposal=other,
        unit=world.other_unit,
        role=Assignment.Role.CO,
        assigned_on=stale.assigned_on,
        due_date=stale.due_date,
        reassign_until=stale.reassign_until,
    )  # the instance says "" (the default)
    assert kept(other) == {Proposal.State.FILED}
    Assignment.objects.filter(pk=new.pk).update(proposal=p)  # moved to another proposal
    assert kept(p) == {Proposal.State.REPLIED}
    assert kept_columns.differences() == {}


def _triggers_off() -> None:
    """The triggers that keep the state switched off for the test's transaction (rolled back after), as a restore of
    the assignments apart from the proposals would leave them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in ("proposals_assignment", "proposals_proposal"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            return
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'assignment_state_%'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def test_the_rebuild_command_sets_states_written_past_the_triggers_and_check_says_so(world, walk, capsys):
    p = walk.assigned()
    call_command("assignment_states_rebuild", "--check")
    _triggers_off()
    Assignment.objects.filter(proposal=p).update(proposal_state=Proposal.State.CLOSED)
    with pytest.raises(CommandError, match="^1 assignments' kept proposal states differ"):
        call_command("assignment_states_rebuild", "--check")
    call_command("assignment_states_rebuild")
    call_command("assignment_states_rebuild", "--check")
    assert "equal their proposals'" in capsys.readouterr().out
    assert kept(p) == {Proposal.State.ASSIGNED}


def test_the_units_pages_put_the_proposals_in_handling_first_and_count_them(world, walk, client):
    done = walk.closed()
    waiting = walk.assigned()
    client.force_login(world.unit_user)
    page = client.get(reverse("proposals:unit"))
    shown = [a.proposal_id for a in page.context["page_obj"]]
    assert shown == [waiting.pk, done.pk]
    assert [a.proposal_id for a in client.get(reverse("proposals:unit"), {"state": "open"}).context["page_obj"]] == [
        waiting.pk
    ]
    assert [a.proposal_id for a in client.get(reverse("proposals:unit"), {"state": "closed"}).context["page_obj"]] == [
        done.pk
    ]
    home = client.get(reverse("groups:unit_home"))
    assert [a.proposal_id for a in home.context["items"]] == [waiting.pk]
    assert home.context["total"] == 1
