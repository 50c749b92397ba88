"""The API's pages cost what the page costs: one read of page_size + 1 rows; a COUNT only when the end of the
list is not on the page, exact up to ``EXACT`` rows and the planner's estimate past it (PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paginator import LookaheadPaginator
from groups.models import Member
from tests.factories import CommitteeFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _members():
    committee = CommitteeFactory()
    MemberFactory.create_batch(5, committee=committee)
    return Member.objects.filter(committee=committee).order_by("name", "pk")


def test_the_last_page_is_counted_without_a_count_query():
    members = _members()
    paginator = LookaheadPaginator(members, 2)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(3)
        assert paginator.count == 5
    assert len(queries) == 1 and "COUNT" not in queries[0]["sql"].upper()
    assert not page.has_next() and page.has_previous() and page.previous_page_number() == 2
    assert [m.pk for m in page] == list(members.values_list("pk", flat=True))[4:]


def test_next_follows_the_rows_read_past_the_page_whatever_the_count(monkeypatch):
    members = _members()
    monkeypatch.setattr(LookaheadPaginator, "EXACT", 2)
    seen = []
    number = 1
    while True:
        paginator = LookaheadPaginator(members, 2)
        page = paginator.page(number)
        seen += [m.pk for m in page]
        assert paginator.count >= len(seen)  # the estimate is never below the rows up to this page
        if connection.vendor != "postgresql":
            assert paginator.count == 5
        if not page.has_next():
            break
        number = page.next_page_number()
    assert seen == list(members.values_list("pk", flat=True))


def test_a_page_past_the_end_is_empty():
    from django.core.paginator import EmptyPage

    members = _members()
    with pytest.raises(EmptyPage):
        LookaheadPaginator(members, 2).page(4)
    with pytest.raises(EmptyPage):
        LookaheadPaginator(members, 2).page(10**20)
    assert list(LookaheadPaginator(Member.objects.none(), 2).page(1)) == []


def test_get_page_past_an_overestimated_end_falls_back_to_a_page_that_exists(monkeypatch):
    members = _members()
    monkeypatch.setattr(LookaheadPaginator, "count", 50)  # an estimate far past the 5 rows
    page = LookaheadPaginator(members, 2).get_page(20)
    assert page.number == 1 and len(page) == 2
    assert LookaheadPaginator(members, 2).get_page("x").number == 1
