"""The admin paginator: exact counts up to its limit; past it, PostgreSQL's estimate (never below the limit)."""

import pytest
from django.db import connection

from groups.admin_base import LargeTablePaginator
from groups.models import Member
from tests.factories import CommitteeFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_the_admin_paginator_counts_exactly_up_to_its_limit_and_estimates_past_it(monkeypatch):
    committee = CommitteeFactory()
    MemberFactory.create_batch(5, committee=committee)
    members = Member.objects.filter(committee=committee).order_by("name")
    assert LargeTablePaginator(members, 2).count == 5
    assert LargeTablePaginator(members, 2).num_pages == 3
    monkeypatch.setattr(LargeTablePaginator, "EXACT", 2)
    count = LargeTablePaginator(members, 2).count
    if connection.vendor == "postgresql":
        assert count >= 3  # the planner's estimate, at least the rows counted
    else:
        assert count == 5
    assert LargeTablePaginator(list(range(7)), 2).count == 7  # a plain list is counted as usual
