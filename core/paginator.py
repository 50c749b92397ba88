"""A paginator for large tables: exact counts while they are cheap, the planner's estimate past that.

``COUNT(*)`` of every row a list could show costs as much as reading them all (hundreds of thousands of
activities, attendance rows or proposals at a city's scale), on every page. ``EstimatingPaginator`` counts
exactly up to ``EXACT`` rows (``COUNT`` over ``LIMIT EXACT + 1``: a bounded read); past that, on
PostgreSQL, it takes the planner's row estimate (``EXPLAIN``, no rows read), never less than what it
counted. SQLite, which keeps no such estimate, and lists below ``EXACT`` rows keep the exact count.
"""

from __future__ import annotations

import json

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.utils.functional import cached_property


def estimated_count(queryset, exact_up_to: int) -> int:
    """The number of rows of ``queryset``: exact up to ``exact_up_to``, else (PostgreSQL) the estimate."""
    queryset = queryset.order_by()
    if not queryset.query.distinct and not queryset.query.combinator:
        # the rows, not what is computed per row: a count need not run the list's annotations
        queryset = queryset.values("pk")
    exact = queryset[: exact_up_to + 1].count()
    connection = connections[queryset.db]
    if exact <= exact_up_to:
        return exact
    if connection.vendor != "postgresql":
        return queryset.count()
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(exact, int(plan[0]["Plan"]["Plan Rows"]))


class EstimatingPaginator(Paginator):
    """Counts exactly up to ``EXACT`` rows; past that, on PostgreSQL, takes the planner's estimate."""

    EXACT = 10_000

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):
            return super().count
        return estimated_count(self.object_list, self.EXACT)


class LookaheadPage(Page):
    """A page that knows whether another follows from the one row read past it, not from the count."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class LookaheadPaginator(EstimatingPaginator):
    """Reads one row past the page; counts only when the page does not show the end of the list, and then
    exactly up to ``EXACT`` rows, past that the estimate (``EstimatingPaginator``)."""

    EXACT = 1_000

    def page(self, number) -> LookaheadPage:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        if bottom > 2**62:  # past any list, and past what an OFFSET holds
            raise EmptyPage("That page contains no results")
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        more = len(rows) > self.per_page
        if not more:  # the end of the list is on this page: the count is known without counting
            self.__dict__["count"] = bottom + len(rows)
        self.floor = bottom + len(rows)
        return LookaheadPage(rows[: self.per_page], number, self, more=more)

    @cached_property
    def count(self) -> int:
        counted = super().count
        return max(counted, getattr(self, "floor", 0))

    def get_page(self, number) -> LookaheadPage:
        """As ``Paginator.get_page`` (a bad number: the first page, past the end: the last); when the last page by
        the estimate is past the real end, the first page."""
        try:
            return super().get_page(number)
        except EmptyPage:
            return self.page(1)
