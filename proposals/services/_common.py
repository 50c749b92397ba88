"""Shared checks of the proposal services: state and permission checks, the transition, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import record_event
from groups.access import scope_of
from proposals.deadlines import settings_for
from proposals.models import (
    Proposal,
    ProposalSettings,
)
from proposals.verbs import ProposalVerb

BATCH_LIMIT = 200  # the most proposals one batch action takes (a page of the review queue is 50)


# --- helpers --------------------------------------------------------------------------------------


def _require_state(proposal: Proposal, *states: str, message: str) -> None:
    if proposal.state not in states:
        raise InvalidTransition(message)


def _require_lead_proposer(actor: User, proposal: Proposal) -> None:
    if scope_of(actor).member_id != proposal.lead_proposer_id:
        raise NotPermitted(_("Only the lead proposer may do this."))


def _move(
    proposal: Proposal,
    to: str,
    *,
    actor: User | None,
    verb: ProposalVerb,
    comment: str = "",
    fields: Iterable[str] = (),
    data: dict[str, Any] | None = None,
) -> Proposal:
    """Change the state, save the given fields with it and append the transition to the timeline."""
    before = proposal.state
    proposal.state = to
    proposal.save(update_fields=["state", "updated_at", *fields])
    record_event(proposal, actor=actor, verb=verb, from_state=before, to_state=to, comment=comment, data=data)
    return proposal


def _lock_settings(committee_id: int) -> ProposalSettings:
    """The committee's settings row doubles as the lock for its year's serial numbers."""
    settings_for(committee_id)
    return ProposalSettings.objects.select_for_update().get(committee_id=committee_id)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _check_dated(
    value: object, *, after: date | None, message: str, field: str = "date", today: date | None = None
) -> None:
    """A dated fact follows the fact it answers (``after``: the earliest allowed day, shown in ``message`` as
    ``%(date)s``) and has happened already: neither before it nor in the future."""
    if not isinstance(value, date):
        raise DomainError({field: _("Enter the date.")})
    if value > _today(today):
        raise DomainError({field: _("The date cannot be later than today.")})
    if after is not None and value < after:
        raise DomainError({field: message % {"date": formats.date_format(after)}})


def _day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None
