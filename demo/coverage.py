"""The coverage cells 全覆盖 of everything the steps before loaded (``activities.coverage.rebuild``: one INSERT …
SELECT over the attendance and contacts), then the committees' covered counts from those cells: the volume steps
write rows in bulk (COPY), past the services that keep both. Last, after every step that writes attendance, contacts
or members."""

from __future__ import annotations

from activities.coverage import rebuild
from activities.models import CommitteeCoverage


def seed(ctx) -> None:
    cells = rebuild()
    periods = CommitteeCoverage.objects.count()
    ctx.say(f"coverage: {cells} cells (member, committee, quarter), {periods} committee periods")
