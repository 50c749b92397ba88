"""Who receives each kind of notice, so the settings page offers a person only the kinds that can reach them.

Roles are ``groups.access.Role`` values (core cannot import groups; ``core.directory.scope_of`` gives them).
A kind missing here is offered to staff, and to anyone who has already received one: a new kind never shows
up on a member's page until it has reached them. ``STAFF_ONLY`` kinds never appear on a member's page.
"""

from __future__ import annotations

from .models import Kind

STAFF, LEADER, CONVENER, MEMBER, UNIT = "staff", "leader", "convener", "member", "unit"

AUDIENCE: dict[str, frozenset[str]] = {
    Kind.ACTIVITY_TOMORROW: frozenset({MEMBER, CONVENER}),
    Kind.LEAVE_REQUEST_WAITING: frozenset({CONVENER}),
    Kind.COSIGN_EXPIRING: frozenset({MEMBER}),
    Kind.REPLY_DUE_SOON: frozenset({UNIT}),
    Kind.REPLY_OVERDUE: frozenset({UNIT, STAFF, LEADER}),
    Kind.RATING_WAITING: frozenset({MEMBER}),
    Kind.REASSIGNMENT_WAITING: frozenset({STAFF}),
    Kind.NO_SANJIN_ACTIVITY: frozenset({CONVENER}),
    Kind.OUTCOME_REPLY_OVERDUE: frozenset({UNIT, STAFF}),
    Kind.ROLLUP_FINISHED: frozenset({STAFF}),
    Kind.ROLLUP_FAILED: frozenset({STAFF}),
    Kind.EXPORT_FINISHED: frozenset({STAFF, LEADER}),  # the exports big enough to be prepared are theirs
    Kind.PROPOSAL_ASSIGNED: frozenset({UNIT}),
    Kind.COSIGN_INVITED: frozenset({MEMBER}),
    Kind.LEAVE_DECIDED: frozenset({MEMBER, CONVENER}),
    # Hand-offs: proposers, units, conveners and staff hear of each step that concerns them.
    Kind.COSIGN_ANSWERED: frozenset({MEMBER}),
    Kind.PROPOSAL_FILED: frozenset({MEMBER}),
    Kind.PROPOSAL_NOT_FILED: frozenset({MEMBER}),
    Kind.PROPOSAL_CONVERTED: frozenset({MEMBER}),
    Kind.PROPOSAL_MERGED: frozenset({MEMBER}),
    Kind.PROPOSAL_RETURNED: frozenset({STAFF}),
    Kind.PROPOSAL_REPLIED: frozenset({MEMBER}),
    Kind.PROPOSAL_REOPENED: frozenset({UNIT}),
    Kind.PROPOSAL_CLOSED: frozenset({MEMBER, UNIT}),
    Kind.PROPOSAL_KEY_MARKED: frozenset({LEADER, UNIT}),
    Kind.REPORT_ACCEPTED: frozenset({MEMBER}),
    Kind.REPORT_COMPILED: frozenset({MEMBER}),
    Kind.REPORT_ADOPTED: frozenset({MEMBER}),
    Kind.REPORT_INSTRUCTED: frozenset({MEMBER}),
    Kind.ACTIVITY_ANNOUNCED: frozenset({MEMBER, CONVENER}),
    Kind.ACTIVITY_CHANGED: frozenset({MEMBER, CONVENER}),
    Kind.ACTIVITY_CANCELLED: frozenset({MEMBER, CONVENER}),
    Kind.LEAVE_REQUESTED: frozenset({CONVENER, STAFF}),
    Kind.EVIDENCE_MISSING: frozenset({CONVENER}),
    Kind.OUTCOME_ASSIGNED: frozenset({UNIT}),
    Kind.OUTCOME_REPLIED: frozenset({STAFF}),
    Kind.OUTCOME_PUBLISHED: frozenset({UNIT, MEMBER}),
    Kind.ACCOUNT_INVITATION: frozenset({MEMBER}),
    Kind.DEADLINE_MOVED: frozenset({MEMBER, UNIT}),  # co-signers, proposers (feedback), units (return window)
    Kind.MAILBOX_ROUTED: frozenset({MEMBER, CONVENER}),  # the member or the group's conveners it is passed to
    Kind.MAILBOX_OVERDUE: frozenset({MEMBER, CONVENER, STAFF}),  # and staff while nobody has it yet
    Kind.MAILBOX_DISSATISFIED: frozenset({MEMBER, CONVENER}),  # who answered: the member or the group's conveners
    Kind.OUTCOME_DISSATISFIED: frozenset({MEMBER, CONVENER}),  # who had the message: the member or the conveners
    Kind.REPORT_FOLLOW_UP_DUE: frozenset({STAFF}),
    Kind.GENERIC: frozenset({STAFF, LEADER, CONVENER, MEMBER, UNIT}),
}
STAFF_ONLY = frozenset(kind for kind, roles in AUDIENCE.items() if roles == {STAFF})


def kinds_for(roles, received=()) -> list[str]:
    """The kinds a person with ``roles`` may configure, in the order of ``Kind``; plus any kind they received."""
    roles, received = {str(r) for r in roles}, set(received)
    offered = []
    for kind in Kind.values:
        audience = AUDIENCE.get(kind, frozenset({STAFF}))
        if audience & roles or (kind in received and kind not in STAFF_ONLY):
            offered.append(kind)
    return offered
