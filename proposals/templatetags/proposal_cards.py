"""Proposal cards for the role home pages: what waits for this member or unit, in a fixed number of queries."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from groups.access import scope_of
from proposals import selectors
from proposals.models import CoSigner, Proposal

register = template.Library()
CARD_ITEMS = 5


@register.inclusion_tag("proposals/cards/unit.html", takes_context=True)
def unit_proposals_card(context):
    """Open assignments of the user's units, the most urgent first."""
    open_assignments = selectors.unit_assignments(context["request"].user).filter(
        proposal_state__in=Proposal.HANDLING_STATES  # kept beside the assignment: counted from the unit's index
    )
    today = timezone.localdate()
    items = list(open_assignments[:CARD_ITEMS])
    for a in items:
        a.days_left = (a.due_date - today).days if a.due_date else None
    counts = open_assignments.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return {"items": items, **counts}


@register.inclusion_tag("proposals/cards/member.html", takes_context=True)
def member_proposals_card(context):
    """What a member should act on: replies to rate, co-sign invitations, drafts."""
    member_id = scope_of(context["request"].user).member_id
    mine = Proposal.objects.filter(lead_proposer_id=member_id).aggregate(
        to_rate=Count("pk", filter=Q(state=Proposal.State.REPLIED)),
        drafts=Count("pk", filter=Q(state=Proposal.State.DRAFT)),
        open=Count("pk", filter=~Q(state__in=[Proposal.State.DRAFT, Proposal.State.CLOSED])),
    )
    invitations = CoSigner.objects.filter(
        member_id=member_id, status=CoSigner.Status.INVITED, proposal__state=Proposal.State.DRAFT
    ).count()
    return {**mine, "invitations": invitations}
