"""Day ranges on datetime columns: sargable (a range on the column, never a function of it), same rows as before."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from activities.filters import ActivityFilter
from activities.models import Activity
from core.dates import day_range, during, in_year, on_day
from tests.groups.factories import ActivityFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_day_range_runs_from_local_midnight_to_the_next_local_midnight():
    start, end = day_range(date(2026, 4, 1), date(2026, 4, 30))
    assert (start, end) == (local(2026, 4, 1), local(2026, 5, 1))
    # Asia/Shanghai is UTC+8 all year (no daylight saving): the range starts at 16:00 UTC the day before
    assert start.astimezone(UTC) == datetime(2026, 3, 31, 16, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 4, 30, 16, tzinfo=UTC)
    assert day_range(None, date(2026, 1, 1)) == (None, local(2026, 1, 2))
    assert day_range(date.min, date.max) == (None, None)  # no datetime out of range, no overflow to UTC


@pytest.mark.django_db
def test_the_ledger_date_filter_keeps_the_edges_of_the_days_as_the_date_lookup_did():
    edges = {
        "before, 23:59:59 local on the day before": local(2026, 3, 31, 23, 59, 59),
        "first, 00:00 local on the first day": local(2026, 4, 1, 0, 0),
        "first, 01:00 local = 17:00 UTC the day before": datetime(2026, 3, 31, 17, tzinfo=UTC),
        "last, 23:59 local on the last day": local(2026, 4, 30, 23, 59),
        "last, 23:59:59.999999 local": local(2026, 4, 30, 23, 59, 59, 999999),
        "after, 00:00 local on the next day": local(2026, 5, 1, 0, 0),
        "after, 16:00 UTC on the last day = 00:00 local next day": datetime(2026, 4, 30, 16, tzinfo=UTC),
    }
    for title, at in edges.items():
        ActivityFactory(title=title, starts_at=at, ends_at=at + timedelta(hours=2))
    data = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
    found = set(ActivityFilter(data, queryset=Activity.objects.all()).qs.values_list("title", flat=True))
    assert found == {t for t in edges if not t.startswith(("before", "after"))}
    old = Activity.objects.filter(starts_at__date__gte=date(2026, 4, 1), starts_at__date__lte=date(2026, 4, 30))
    assert found == set(old.values_list("title", flat=True))  # the rows the __date lookups gave
    only_from = set(
        ActivityFilter({"date_from": "2026-05-01"}, queryset=Activity.objects.all()).qs.values_list("title", flat=True)
    )
    assert only_from == {t for t in edges if t.startswith("after")}
    only_to = set(
        ActivityFilter({"date_to": "2026-03-31"}, queryset=Activity.objects.all()).qs.values_list("title", flat=True)
    )
    assert only_to == {t for t in edges if t.startswith("before")}


@pytest.mark.django_db
def test_a_year_and_a_day_on_a_datetime_column_match_the_year_and_date_lookups():
    for at in (
        local(2025, 12, 31, 23, 59),
        local(2026, 1, 1),
        local(2026, 12, 31, 23, 59, 59),
        local(2027, 1, 1),
        datetime(2026, 6, 30, 16, tzinfo=UTC),
        datetime(2026, 6, 30, 15, 59, tzinfo=UTC),
    ):
        ActivityFactory(starts_at=at, ends_at=at + timedelta(hours=1))
    for year in (2025, 2026, 2027):
        assert set(Activity.objects.filter(in_year("starts_at", year))) == set(
            Activity.objects.filter(starts_at__year=year)
        )
    for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 1, 1)):
        assert set(Activity.objects.filter(on_day("starts_at", day))) == set(
            Activity.objects.filter(starts_at__date=day)
        )
        assert Activity.objects.filter(on_day("starts_at", day)).exists()


@pytest.mark.django_db
def test_the_session_year_filter_takes_the_whole_range_of_years(client_for, world):
    from django.urls import reverse

    client = client_for(world.staff)
    for name in ("api:consultation-list", "api:public-consultation-list"):
        for year in (1, 2026, 9999):
            assert client.get(reverse(name), {"year": year}).status_code == 200, (name, year)
        assert client.get(reverse(name), {"year": 0}).status_code == 400


# --- the class: no calendar-part lookup on a datetime column in filters, selectors, views, api -----------

TRANSFORMS = r"date|year|month|day|week|week_day|iso_week_day|iso_year|quarter|hour|minute|second|time"
LOOKUP = re.compile(rf"\b([a-z0-9_]+?)__({TRANSFORMS})(?:__(?:exact|gte|gt|lte|lt|range|in))?(?:\s*=(?!=)|[\"']\s*:)")
FILTER_EXPR = re.compile(rf"field_name=[\"']([a-z0-9_]+)[\"'][^)]*lookup_expr=[\"'](?:{TRANSFORMS})(?:__\w+)?[\"']")
# (path, the matched text) of lookups left on purpose, each with its reason
EXEMPT: dict[tuple[str, str], str] = {
    ("core/dates.py", "starts_at__date__gte="): "the module docstring names what it replaces",
    ("core/dates.py", "field__date="): "on_day's docstring names what it replaces",
}


def datetime_field_names() -> set[str]:
    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.DateTimeField):
                names.add(field.name)
    return names - {
        f.name
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    }


def calendar_lookups(source: str, datetime_names: set[str]) -> list[str]:
    found = []
    for m in LOOKUP.finditer(source):
        if m.group(1).split("__")[-1] in datetime_names:
            found.append(m.group(0))
    for m in FILTER_EXPR.finditer(source):
        if m.group(1).split("__")[-1] in datetime_names:
            found.append(m.group(0))
    return found


def test_the_scan_catches_the_lookups_that_cannot_use_an_index():
    names = {"starts_at", "leave_requested_at"}
    for bad in (
        "qs.filter(starts_at__date__gte=day)",
        "qs.filter(session__starts_at__year=year, x=1)",
        "Q(activity__starts_at__date=day)",
        '{"starts_at__month": 4}',
        'DateFilter(field_name="starts_at", lookup_expr="date__gte", label=_("From"))',
        'YearFilter(field_name="starts_at", lookup_expr="year")',
        "waiting.filter(leave_requested_at__date__lte=today)",
    ):
        assert calendar_lookups(bad, names), bad
    for fine in (
        "qs.filter(starts_at__gte=start)",
        "qs.filter(date__year=2026)",
        'qs.filter(during("starts_at", a, b))',
        "if x.starts_at__date == 1: pass",
    ):
        assert not calendar_lookups(fine, names), fine


def test_no_filter_selector_view_or_api_filters_a_datetime_column_by_a_calendar_part():
    names = datetime_field_names()
    assert {"starts_at", "created_at", "reassignment_requested_at", "leave_requested_at"} <= names
    base = Path(settings.BASE_DIR)
    offenders = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base).as_posix()
        if rel.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in rel:
            continue
        for text in calendar_lookups(path.read_text(encoding="utf-8"), names):
            if (rel, text) not in EXEMPT:
                offenders.append(f"{rel}: {text}")
    assert offenders == [], "use core.dates (during/on_day/in_year) or core.filters instead"


# --- the index applies ------------------------------------------------------------------------------


@pytest.mark.django_db
def _plan(qs) -> str:
    """The planner's plan for ``qs``; on PostgreSQL with sequential scans priced out, so an index that can serve
    the filter is used whatever the (tiny) test table's size."""
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return " | ".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(row[-1] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_ledger_month_filter_searches_an_index_on_starts_at():
    data = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
    plan = _plan(ActivityFilter(data, queryset=Activity.objects.all()).qs.order_by("-starts_at", "-id"))
    old = _plan(Activity.objects.filter(starts_at__date__gte=date(2026, 4, 1), starts_at__date__lte=date(2026, 4, 30)))
    if connection.vendor == "postgresql":
        assert re.search(r"Index Cond: \(\(starts_at >=", plan), plan
        assert "Index Cond: ((starts_at" not in old, old  # what it replaced: every row's local date computed
    else:
        assert re.search(
            r"SEARCH groups_activity USING (COVERING )?INDEX \w+ \(starts_at>\? AND starts_at<\?\)", plan
        ), plan
        assert "starts_at>?" not in old  # what it replaced: a scan


def test_during_leaves_an_open_end_open():
    assert during("starts_at", None, None) == during("starts_at", date.min, date.max)
    assert "starts_at__lt" not in dict(during("starts_at", date(2026, 1, 1), None).children)
