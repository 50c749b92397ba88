"""Domain events of plenary attendance (see ``core.events``). Apps above subscribe to them."""

from __future__ import annotations

from dataclasses import dataclass

from groups.events import DutyRecordChanged


@dataclass(frozen=True, kw_only=True)
class PlenaryAttendanceChanged(DutyRecordChanged):
    """Plenary-session attendance was imported, filled in, removed, or the session moved or was deleted
    (``more_days`` then holds the day and committee it left).

    Its name is the one it had in ``groups``: outbox rows queued before the move still find their class."""

    name = "groups.plenary_attendance_changed"
    session_id: int
    verb: str
