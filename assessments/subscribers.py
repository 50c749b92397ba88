"""What assessments does when something below it changes (``core.events``; imported at start-up)."""

from __future__ import annotations

from datetime import date

from core.events import subscribe
from groups.events import DutyRecordChanged

from .events import RollupEnded
from .models import RollupRun
from .reminders import notify_rollup
from .services import rollup_mark_stale
from .sources import days_dated_elsewhere


@subscribe(DutyRecordChanged, inline=True)
def duty_record_changed(event: DutyRecordChanged) -> None:
    """The roll-ups of each touched quarter and the later ones of its year go stale: from the earliest day per
    committee and year, one UPDATE each. The touched days are the event's own and those of the events another
    record dates (``sources.days_dated_elsewhere``). Inline, in the transition's own transaction: once the change is
    visible its roll-ups are already marked, so no run started in between is taken as current."""
    earliest: dict[tuple[int, int], date] = {}
    for committee_id, on in (*event.duty_days(), *days_dated_elsewhere(event)):
        key = (committee_id, on.year)
        earliest[key] = min(on, earliest.get(key, on))
    for (committee_id, _year), on in sorted(earliest.items()):
        rollup_mark_stale(committee_id=committee_id, on=on)


@subscribe(RollupEnded)
def tell_staff_rollup_ended(event: RollupEnded) -> None:
    """The committee's secretariat staff: the roll-up is ready, or failed and why (after commit; the same keys as
    the 5-minute ``rollup_finished`` rule, so the two never tell one outcome twice)."""
    run = RollupRun.objects.select_related("committee").filter(pk=event.run_id).first()
    if run is not None and run.status in (RollupRun.Status.DONE, RollupRun.Status.FAILED):
        notify_rollup(run)
