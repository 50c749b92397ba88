"""Every notice kind says who it is for, so a settings page offers exactly the kinds that can reach a person."""

from notifications.kinds import AUDIENCE
from notifications.models import Kind


def test_every_kind_names_its_audience():
    assert set(Kind.values) - set(AUDIENCE) == set()
