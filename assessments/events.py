"""Domain events of assessments (see ``core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True, kw_only=True)
class RollupEnded(Event):
    """A quarterly roll-up run finished (``ok``) or failed; the committee's staff hear which."""

    name = "assessments.rollup_ended"
    run_id: int
    committee_id: int
    ok: bool
