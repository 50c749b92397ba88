"""The duty events behind a summed figure, a page at a time (``assessments:dashboard_events``), by keyset.

A quarter's figure adds up tens of thousands of events (at 50,000 members, Q1's proposals: 45,417; its activities
attended: 184,000). Counting the union of their sources and sorting all of it for each page of 50 cost 160–180 ms
idle (#22). Here a page reads only its own rows: the rows are ordered newest first by the source's own moment
(``Branch.at``: the activity's or session's start, the proposal's submission, the report's creation), then by source,
source pk, member and kind, all descending, a total order (one event per member, kind and source record). Each
branch of the union is read in that order from its own index (the committee and moment: ``groups_activity``'s,
``proposal_submitted_in_period``, ``report_committee_created``, the session's), cut at the page's size plus one, and
only those few rows per branch are merged: a page costs O(page), not O(quarter), whichever page it is. The next
page starts after the last row's key, the previous one before the first's (no OFFSET). The total is not counted
here: the figure's snapshot keeps it while the quarter's run is not stale (``selectors.figure_total``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import F, Q
from django.utils.dateparse import parse_datetime

from core.parsing import as_int

from .sources import COLUMNS, DETAIL, Branch, _branches, all_branches, remember, statement_key

PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# The sources' branches of a committee and period, built once per process: building the two dozen annotated
# querysets is most of a page's time (40 ms at load 3; the page's SQL: 2-9 ms). They are never evaluated, only
# cloned and narrowed per page, so keeping them is keeping their SQL (``sources.statement_key``: what it depends on).
_BUILT: dict[tuple, list[Branch]] = {}
# The key's columns in the branches' order (the source rank ``s`` is the same on every row of a branch).
_ORDER = ("ev_at", "ev_p", "ev_m", "ev_k")


@dataclass(frozen=True)
class EventKey:
    """Where a row stands in the page order: its moment, source rank, source pk, member and kind."""

    at: datetime
    s: int
    p: int
    m: int
    k: str

    @property
    def token(self) -> str:
        """The key in a URL (``after=`` / ``before=``): the moment in microseconds since 1970 (UTC), then the rest."""
        return f"{(self.at - _EPOCH) // _MICROSECOND}.{self.s}.{self.p}.{self.m}.{self.k}"

    @classmethod
    def parse(cls, token: str | None) -> EventKey | None:
        """The key of a ``token``; None for anything that is not one (the first page then)."""
        parts = (token or "").split(".", 4)
        if len(parts) != 5 or not parts[4]:
            return None
        moment, s, p, m = (as_int(part) for part in parts[:4])
        if moment is None or s is None or p is None or m is None:
            return None
        try:
            at = _EPOCH + moment * _MICROSECOND
        except OverflowError:
            return None
        return cls(at, s, p, m, parts[4][:30])


@dataclass(frozen=True)
class EventPage:
    """One page: ``rows`` as ``(m, k, d, q, a, s, p, t, r)`` (``sources.event_rows``' columns), newest first."""

    rows: list[tuple]
    keys: list[EventKey]
    has_previous: bool
    has_next: bool

    @property
    def first(self) -> str:  # ``before=`` of the previous page's link
        return self.keys[0].token if self.keys else ""

    @property
    def last(self) -> str:  # ``after=`` of the next page's link
        return self.keys[-1].token if self.keys else ""


def event_page(
    committee,
    start: date,
    end: date,
    *,
    kinds: Iterable[str],
    members,
    after: EventKey | None = None,
    before: EventKey | None = None,
    size: int = PAGE_SIZE,
) -> EventPage:
    """The events of ``kinds`` dated start..end of the ``members`` (a queryset of member ids: the members a quarter's
    roll-up scored) that come after the key ``after`` (or before ``before``; neither: the first page), in one query
    whatever the page: each branch's first ``size + 1`` rows in the page order, merged (module docstring)."""
    wanted = {str(k) for k in kinds}
    newest_first = before is None
    key = after if newest_first else before
    committee_id = getattr(committee, "pk", committee)
    cache_key = statement_key(committee_id, start, end)
    built = _BUILT.get(cache_key)
    if built is None:
        built = remember(_BUILT, cache_key, all_branches(committee_id, start, end), at_most=64)
    parts = [
        _branch_sql(branch, members, wanted, key, newest_first, size + 1)
        for branch in _branches(committee_id, start, end, wanted, built=built)
    ]
    if not parts:
        return EventPage([], [], has_previous=False, has_next=False)
    way = "DESC" if newest_first else "ASC"
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) b{i}" for i, (sql, _params) in enumerate(parts))
    # the columns: 1 the moment, then ``COLUMNS + DETAIL`` (2 m, 3 k, …, 7 s, 8 p)
    sql = f"SELECT * FROM ({union}) u ORDER BY 1 {way}, 7 {way}, 8 {way}, 2 {way}, 3 {way} LIMIT {size + 1}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _sql, params in parts for param in params])
        found = cursor.fetchall()
    more = len(found) > size
    found = found[:size] if newest_first else found[:size][::-1]
    rows = [(m, k, _day(d), q, a, s, p, t, r) for _at, m, k, d, q, a, s, p, t, r in found]
    keys = [EventKey(_moment(at), s, p, m, k) for at, m, k, _d, _q, _a, s, p, _t, _r in found]
    if newest_first:
        return EventPage(rows, keys, has_previous=after is not None, has_next=more)
    return EventPage(rows, keys, has_previous=more, has_next=True)


def _branch_sql(
    branch: Branch, members, wanted: set[str], key: EventKey | None, newest_first: bool, limit: int
) -> tuple[str, tuple]:
    """One branch's first ``limit`` rows past ``key`` in the page order, read in that order from its moment's index."""
    if branch.at is None:  # every branch of a summed figure's kinds has its moment (``selectors.EVENT_FIGURES``)
        raise ValueError(f"a branch of {sorted(branch.kinds)} has no moment to page by")
    kinds = branch.narrow(wanted) if branch.narrow else Q(ev_k__in=wanted)
    rows = branch.rows.filter(kinds, ev_m__in=members).annotate(ev_at=F(branch.at))
    if key is not None:
        rows = rows.filter(_past(key, branch.rank, newest_first))
    rows = rows.order_by(*(f"-{c}" if newest_first else c for c in _ORDER))
    return rows.values_list("ev_at", *(f"ev_{c}" for c in (*COLUMNS, *DETAIL)))[:limit].query.sql_with_params()


def _past(key: EventKey, rank: int, newest_first: bool) -> Q:
    """The rows of a branch (source rank ``rank``) that come after ``key`` walking the page order (newest first) or
    before it (``newest_first`` False): the moment's bound is an index condition, the rest of the key breaks ties."""
    lt, le = ("lt", "lte") if newest_first else ("gt", "gte")
    bound = Q(**{f"ev_at__{le}": key.at})
    if rank != key.s:  # this branch's rows of the key's moment are all on one side of it
        return bound if (rank < key.s) == newest_first else Q(**{f"ev_at__{lt}": key.at})
    tie = (
        Q(**{f"ev_p__{lt}": key.p})
        | Q(ev_p=key.p, **{f"ev_m__{lt}": key.m})
        | Q(ev_p=key.p, ev_m=key.m, **{f"ev_k__{lt}": key.k})
    )
    return bound & (Q(**{f"ev_at__{lt}": key.at}) | Q(ev_at=key.at) & tie)


def _moment(value) -> datetime:
    """A moment as the database gives it (SQLite: UTC text) as an aware datetime."""
    at = value if isinstance(value, datetime) else parse_datetime(str(value))
    if at is None:
        raise ValueError(f"not a moment: {value!r}")
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
