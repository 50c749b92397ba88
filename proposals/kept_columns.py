"""The assignment's column kept by the database (#22): ``Assignment.proposal_state`` (proposals 0030), equal to the
state of the assignment's proposal, by which a unit's pages order and count its assignments.

The triggers of that migration keep it in every write's transaction; this module says where it and the proposals
differ and sets it from them again (``manage.py assignment_states_rebuild [--check]``: a table restored apart from
the proposals, a trigger dropped by hand)."""

from __future__ import annotations

from django.db.models import F, OuterRef, Subquery

from proposals.models import Assignment, Proposal


def differences() -> dict[int, tuple[str, str]]:
    """Assignments whose kept state is not their proposal's: id -> (the kept state, the proposal's)."""
    wrong = Assignment.objects.exclude(proposal_state=F("proposal__state")).order_by("pk")
    return {pk: (kept, state) for pk, kept, state in wrong.values_list("pk", "proposal_state", "proposal__state")}


def rebuild() -> int:
    """Set the kept state of every assignment that differs from its proposal's; returns the assignments corrected."""
    wrong = list(differences())
    if wrong:
        state = Subquery(Proposal.objects.filter(pk=OuterRef("proposal_id")).values("state")[:1])
        Assignment.objects.filter(pk__in=wrong).update(proposal_state=state)
    return len(wrong)
