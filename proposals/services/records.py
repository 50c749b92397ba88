"""Records edited in the admin: the quarters a proposal, report, adoption or instruction counted in go stale."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from core.events import publish
from groups.events import DutyRecordChanged
from proposals.models import (
    Adoption,
    Instruction,
    OpinionReport,
    Proposal,
)

Counted = Proposal | OpinionReport | Adoption | Instruction

# --- Records edited in the admin -------------------------------------------------------------------------------


def _counted_on(row: Counted) -> date | None:
    """The day a proposal, report, adoption or instruction entered the duty records (its quarter and later)."""
    if isinstance(row, (Adoption, Instruction)):
        return row.date
    moment = row.created_at if isinstance(row, OpinionReport) else (row.submitted_at or row.created_at)
    return timezone.localtime(moment).date() if moment else None


def _records_changed(*, before: Counted | None, after: Counted | None) -> None:
    """An admin edit of a counted record: the quarters it counted in (before and after) go stale."""
    for row in (before, after):
        on = _counted_on(row) if row is not None else None
        if row is not None and on is not None:
            committee_id = (
                row.committee_id
                if isinstance(row, (Proposal, OpinionReport))
                else OpinionReport.objects.filter(pk=row.report_id).values_list("committee_id", flat=True).first()
            )
            if committee_id is not None:
                publish(DutyRecordChanged(committee_id=committee_id, on=on))


def _register_consequences() -> None:
    from core.services import on_record_write

    on_record_write(Proposal, OpinionReport, Adoption, Instruction)(_records_changed)


_register_consequences()
