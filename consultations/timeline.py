"""The audit trail of a topic, session or outcome, in the users' words."""

from django.utils.translation import gettext_lazy as _

from core.services import events_for

from .models import ConsultationSession, Outcome, Topic

VERBS = {
    "proposed": _("proposed"),
    "ranked": _("ranked"),
    "adopted": _("adopted"),
    "declined": _("declined"),
    "created": _("created"),
    "updated": _("updated"),
    "held": _("held"),
    "cancelled": _("cancelled"),
    "published": _("published"),
    "attendance": _("attendance recorded"),
    "participant_added": _("participant added"),
    "stage_recorded": _("speech recorded"),
    "document_uploaded": _("file uploaded"),
    "merged": _("merged"),
    "assigned": _("handed to a unit"),
    "progress": _("progress recorded"),
    "supervised": _("supervised"),
    "replied": _("replied"),
    "reviewed": _("reply reviewed"),
    "returned": _("reply returned"),
    "followed_up": _("followed up"),
    "closed": _("closed"),
    "linked_proposal": _("linked to a proposal"),
    "overdue": _("past the deadline"),
    "unlinked_proposal": _("proposal link removed"),
    "proposal_drafted": _("proposal drafted from the outcome"),
    "research_linked": _("research activity linked"),
    "research_unlinked": _("research activity link removed"),
}
STATES = {**dict(Topic.State.choices), **dict(ConsultationSession.State.choices), **dict(Outcome.State.choices)}


def timeline(obj) -> list:
    """Events oldest first, each with ``verb_label`` and ``state_label`` for display."""
    events = list(events_for(obj))
    for e in events:
        e.verb_label = VERBS.get(e.verb, e.verb)
        e.state_label = STATES.get(e.to_state, e.to_state)
    return events
