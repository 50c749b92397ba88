"""Every notice kind says who it is for, so a settings page offers exactly the kinds that can reach a person."""

from core.notifications.kinds import AUDIENCE
from core.notifications.models import Kind


def test_every_kind_names_its_audience():
    assert set(Kind.values) - set(AUDIENCE) == set()
