"""The context every demo step (``demo/<app>.py``: ``seed(ctx)``) reads and adds to; see ``seed_demo``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class DemoContext:
    """What each app's demo step reads and adds to."""

    rng: random.Random
    members_total: int
    districts: int
    year: int
    stdout: object
    cities: int = 0  # > 0: a province committee with this many cities, the districts shared among them
    committees: list = field(default_factory=list)  # groups.Committee rows, the top one first
    logins: dict[str, object] = field(default_factory=dict)
    data: dict = field(default_factory=dict)

    def say(self, text: str) -> None:
        self.stdout.write(text)
