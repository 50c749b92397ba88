"""The coverage cells 全覆盖 of everything the steps before loaded (``activities.coverage.rebuild``: one INSERT …
SELECT over the attendance and contacts): the volume steps write rows in bulk (COPY), past the services that keep
the cells. Last, after every step that writes attendance or contacts."""

from __future__ import annotations

from activities.coverage import rebuild


def seed(ctx) -> None:
    cells = rebuild()
    ctx.say(f"coverage: {cells} cells (member, committee, quarter)")
