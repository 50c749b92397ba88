"""Domain events of consultations (see ``core.events``). Apps above subscribe to them; consultations imports
none of those apps."""
from __future__ import annotations

from dataclasses import dataclass

from groups.events import DutyRecordChanged


@dataclass(frozen=True, kw_only=True)
class SessionAttendanceSet(DutyRecordChanged):
    """A member's attendance at a consultation session was recorded or corrected (present, excused, absent)."""

    name = "consultations.session_attendance_set"
    session_id: int
    member_id: int
    status: str
