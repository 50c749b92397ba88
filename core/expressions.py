"""Query expressions the apps share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class AmongIds(Expression):
    """``field`` among the ids ``rows`` (a ``values("pk")`` queryset) selects, the ids found first: on PostgreSQL
    ``field = ANY(ARRAY(SELECT …))``, an InitPlan whose array each row is probed with in an index (as a list of ids
    would be, without sending the list); elsewhere ``field IN (SELECT …)``, which SQLite reads the same way.

    PostgreSQL plans ``IN (SELECT … LIMIT n)`` as a semi-join that reads the outer table whole (or all of a
    committee's rows) and hashes the few ids against it: 16,666 members read for 301 in a picker (#22)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, rows: QuerySet) -> None:
        super().__init__()
        self.ids_of, self.rows = F(field), Subquery(rows)

    def get_source_expressions(self) -> list:
        return [self.ids_of, self.rows]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.ids_of, self.rows = exprs

    def as_sql(self, compiler, connection, template: str = "%s IN %s"):  # type: ignore[no-untyped-def]
        field, field_params = compiler.compile(self.ids_of)
        rows, rows_params = compiler.compile(self.rows)
        return template % (field, rows), (*field_params, *rows_params)

    def as_postgresql(self, compiler, connection):  # type: ignore[no-untyped-def]
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


class AmongFirstIds(AmongIds):
    """``field`` among the ids ``rows`` selects while they are at most ``up_to``; past that, among the first one
    only. A picker lists its options while they are few: reading up to ``up_to + 1`` whole rows to learn that
    they are too many built them all for nothing (301 members, 4 ms of a proposal page, #22); this reads one row
    then, whose ``CountUpTo`` says how many there were."""

    def __init__(self, field: str, rows: QuerySet, up_to: int) -> None:
        super().__init__(field, rows)
        self.up_to = up_to

    def as_sql(self, compiler, connection, template: str = "%s IN %s"):  # type: ignore[no-untyped-def]
        field, field_params = compiler.compile(self.ids_of)
        rows, rows_params = compiler.compile(self.rows)
        n = int(self.up_to)
        listed = (
            f"(SELECT * FROM {rows} listed LIMIT CASE WHEN (SELECT COUNT(*) FROM (SELECT * FROM {rows} counted "  # noqa: S608 (compiled SQL, its parameters apart; n an int)
            f"LIMIT {n + 1}) up_to) <= {n} THEN {n} ELSE 1 END)"
        )
        return template % (field, listed), (*field_params, *rows_params, *rows_params)
