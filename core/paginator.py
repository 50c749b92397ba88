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
from django.db.models import Expression, IntegerField
from django.db.models.query import ValuesListIterable
from django.utils.functional import cached_property


def _counted_rows(queryset):
    """What a count of ``queryset`` reads: the rows, not what is computed per row (the list's annotations)."""
    queryset = queryset.order_by()
    if not queryset.query.distinct and not queryset.query.combinator:
        queryset = queryset.values("pk")
    return queryset


class CountUpTo(Expression):
    """``COUNT(*)`` of a queryset's rows up to ``limit``, as an uncorrelated scalar subquery of another statement
    (PostgreSQL and SQLite run it once per statement, not per row)."""

    output_field = IntegerField()

    def __init__(self, queryset, limit: int):
        super().__init__()
        self.rows = _counted_rows(queryset)[:limit]

    def as_sql(self, compiler, connection):
        sql, params = self.rows.query.get_compiler(connection=connection).as_sql()
        return f"(SELECT COUNT(*) FROM ({sql}) counted)", params  # noqa: S608 (the compiler's SQL, its parameters apart)

    def get_group_by_cols(self):
        return []


def estimated_count(queryset, exact_up_to: int, counted: int | None = None) -> int:
    """The number of rows of ``queryset``: exact up to ``exact_up_to``, else (PostgreSQL) the estimate.
    ``counted``: the rows up to ``exact_up_to + 1``, when the caller counted them already."""
    queryset = _counted_rows(queryset)
    exact = queryset[: exact_up_to + 1].count() if counted is None else counted
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
        rows, counted = self._rows(bottom)
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        more = len(rows) > self.per_page
        if not more:  # the end of the list is on this page: the count is known without counting
            self.__dict__["count"] = bottom + len(rows)
        elif counted is not None:
            self.__dict__["count"] = max(estimated_count(self.object_list, self.EXACT, counted), bottom + len(rows))
        self.floor = bottom + len(rows)
        return LookaheadPage(rows[: self.per_page], number, self, more=more)

    def _rows(self, bottom: int) -> tuple[list, int | None]:
        """The page's rows and one past it; when they are tuples (the API's lists written from ``values_list``),
        also the list's rows counted up to ``EXACT + 1`` in the same statement (a column after the row's own,
        taken off): one round trip for the rows and their count."""
        rows = self.object_list
        query = getattr(rows, "query", None)
        if query is None or rows._iterable_class is not ValuesListIterable or query.combinator or query.distinct:
            return list(rows[bottom : bottom + self.per_page + 1]), None
        rows = list(rows.annotate(rows_up_to=CountUpTo(rows, self.EXACT + 1))[bottom : bottom + self.per_page + 1])
        return [row[:-1] for row in rows], rows[0][-1] if rows else 0

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
