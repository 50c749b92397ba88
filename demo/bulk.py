"""Fast bulk loading for demo and bench data: COPY on PostgreSQL, ``executemany`` elsewhere.

Rows get explicit primary keys (``next_pk``) so related rows can point at them before they are written;
``insert_rows`` takes plain tuples (the hot tables: activities, attendance), ``insert_objects`` unsaved
model instances (anything with enough fields that a tuple would be unreadable). Both bypass ``save()``,
signals and ``auto_now``: callers set ``created_at``/``updated_at`` themselves (``None`` means now). The
database constraints still apply, so bad rows are refused. Call ``reset_sequences`` afterwards.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

BATCH = 50_000


def next_pk(model) -> int:
    """The first free primary key of ``model`` (max + 1)."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(*model_list) -> None:
    """Point the id sequences past the explicit keys written (PostgreSQL; SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _pg_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _pg_formatter(field):
    """value -> COPY text for one column."""
    if isinstance(field, models.BooleanField):
        return lambda v: "\\N" if v is None else ("t" if v else "f")
    if isinstance(field, models.DateField):  # and DateTimeField
        return lambda v: "\\N" if v is None else v.isoformat()
    if isinstance(field, models.JSONField):
        return lambda v: "\\N" if v is None else _pg_escape(json.dumps(v))
    if isinstance(field, (models.CharField, models.TextField, models.FileField)):
        return lambda v: "\\N" if v is None else _pg_escape(str(v))
    return lambda v: "\\N" if v is None else str(v)


def _other_adapter(field):
    """value -> parameter for backends without COPY (SQLite keeps datetimes as naive UTC text)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(field, models.FileField):
        return lambda v: None if v is None else str(v)
    return None


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence], batch: int = BATCH) -> int:
    """Write ``rows`` (tuples in the order of ``columns``, field attnames) into ``model``'s table; the count."""
    columns, rows = _with_initials(model, columns, rows)
    fields = [model._meta.get_field(c) for c in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    rows = iter(rows)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            formatters = [_pg_formatter(f) for f in fields]
            sql = f"COPY {table} ({names}) FROM STDIN"
            while chunk := list(islice(rows, batch)):
                buf = io.StringIO()
                buf.write(
                    "\n".join("\t".join([fmt(v) for fmt, v in zip(formatters, row, strict=True)]) for row in chunk)
                )
                buf.write("\n")
                buf.seek(0)
                cursor.copy_expert(sql, buf)
                written += len(chunk)
        else:
            adapters = [_other_adapter(f) for f in fields]
            converting = [(i, a) for i, a in enumerate(adapters) if a is not None]
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
            while chunk := list(islice(rows, batch)):
                if converting:
                    chunk = [list(row) for row in chunk]
                    for row in chunk:
                        for i, adapt in converting:
                            if row[i] is not None:
                                row[i] = adapt(row[i])
                cursor.executemany(sql, chunk)
                written += len(chunk)
    return written


def _with_initials(model, columns: Sequence[str], rows: Iterable[Sequence]):
    """A searchable model's ``initials`` (``core.pinyin``) computed from its source column when rows omit it."""
    from core.pinyin import InitialsMixin, initials

    if not issubclass(model, InitialsMixin) or "initials" in columns or model.INITIALS_FROM not in columns:
        return columns, rows
    at = list(columns).index(model.INITIALS_FROM)
    size = model._meta.get_field("initials").max_length
    return (*columns, "initials"), ((*row, initials(row[at] or "", size)) for row in rows)


def assign_pks(model, objs: Sequence[models.Model]) -> None:
    """Give unsaved instances consecutive primary keys after the table's last one."""
    start = next_pk(model)
    for i, obj in enumerate(objs):
        obj.pk = start + i


def insert_objects(model, objs: Sequence[models.Model], batch: int = BATCH) -> int:
    """Write unsaved instances (keys given, else assigned here); ``auto_now`` fields left ``None`` get now."""
    if not objs:
        return 0
    if objs[0].pk is None:
        assign_pks(model, objs)
    fields = [f for f in model._meta.concrete_fields]
    now = timezone.now()
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]

    def rows():
        for obj in objs:
            if hasattr(obj, "fill_initials"):
                obj.fill_initials()
            for name in stamped:
                if getattr(obj, name) is None:
                    setattr(obj, name, now)
            values = []
            for f in fields:
                value = getattr(obj, f.attname)
                if isinstance(f, models.FileField):
                    value = value.name if value else ""
                values.append(value)
            yield values

    return insert_rows(model, [f.attname for f in fields], rows(), batch=batch)


@contextmanager
def foreign_keys_checked_at_end(*model_list):
    """On PostgreSQL, drop the tables' foreign keys for the block and add them back after it.

    Adding a key back checks every row with one join, where a kept (deferred) key queues a trigger
    event per row and checks them one by one at commit: minutes for millions of rows. The rows are
    still checked; a bad one makes the block fail. Elsewhere a no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in model_list]
    with connection.cursor() as cursor:
        # Rows written earlier in the transaction have their checks queued: run them now, since a table
        # with pending trigger events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        saved = cursor.fetchall()
        for table, name, _definition in saved:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in saved:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


@contextmanager
def indexes_built_at_end(*model_list):
    """On PostgreSQL, drop the tables' secondary indexes for the block and build them again after it.

    A row written into a table with its indexes inserts an entry into each, at a random place for most keys (a
    member, an activity): at 50k the activity table has 19 such indexes and the proposals 30, and the volume steps
    spent most of their database time keeping them. Built after the load, each index is one sort. The primary key
    and the indexes of constraints (a unique pair) stay, so a duplicate row is still refused as it is written; the
    block's own reads of these tables go without the dropped indexes. An index comes back as PostgreSQL prints it
    (``pg_get_indexdef``: a partial index's ``IN`` list with its casts on each value, the same predicate; the planner
    uses it as before). Elsewhere a no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in model_list]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in saved:
            cursor.execute(definition)


@contextmanager
def triggers_off(triggers: Sequence[tuple[str, str]], *, then: Sequence[str] = ()) -> Iterator[bool]:
    """On PostgreSQL, switch the ``(table, trigger)`` pairs off for the block, run the ``then`` statements (which
    count at once what the triggers would have kept row by row), and switch them on again. Elsewhere a no-op: the
    triggers keep their counts as the rows are written. The block is told whether they are off (a loader that
    writes the counts itself writes them only then)."""
    if connection.vendor != "postgresql":
        yield False
        return
    with connection.cursor() as cursor:
        for table, trigger in triggers:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    yield True
    with connection.cursor() as cursor:
        for statement in then:
            cursor.execute(statement)
        for table, trigger in triggers:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
