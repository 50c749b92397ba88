"""What was heard, across its three sources: residents' messages (``PublicMessage``), contacts with constituents
(``ConstituentContact``) and suggestions gathered at activities (``ActivitySuggestion``).

"定期对了解到的群众呼声进行汇总分析": the pooled themes of a period by kind of matter and by recurring word, and the
matters that keep returning (``pooled``), each count the size of the theme page's rows (``theme_page``: the same
filters over the same three querysets, so the number shown equals the rows listed). A place is a key
``kind:id``: a message's target; a contact's contact point, else its committee; a suggestion's activity's contact
point, else its platform, else its group, else its committee.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from activities.models import ActivitySuggestion, PublicMessage
from activities.selectors.activities import Period
from activities.selectors.mailbox import (
    RARE_SHARE,
    RARE_WORDS,
    RECUR_MESSAGES,
    STOPWORDS,
    WORDS,
    contains_counts,
    window_of,
)
from core.dates import during
from core.paginator import LookaheadPaginator
from core.parsing import as_id
from groups.models import ActivityGroup, Committee, ConstituentContact, ContactPoint, Platform
from groups.models.contacts import ContactTopic

THEME_PAGE = 50  # rows a page of a theme
WORDS_SAMPLE = 3000
PLACE_KINDS = ("committee", "group", "platform", "contact_point")
PLACE_MODELS: dict[str, Any] = {
    "committee": Committee,
    "group": ActivityGroup,
    "platform": Platform,
    "contact_point": ContactPoint,
}


@dataclass(frozen=True)
class Sources:
    """The three querysets of what was heard, in the same filters."""

    messages: QuerySet
    contacts: QuerySet
    suggestions: QuerySet

    def count(self) -> int:
        return self.messages.count() + self.contacts.count() + self.suggestions.count()


def sources(user: AbstractBaseUser | AnonymousUser) -> Sources:
    """What ``user`` may read of what was heard (messages set aside are not a matter)."""
    return Sources(
        PublicMessage.objects.visible_to(user).exclude(state=PublicMessage.State.DISCARDED),
        ConstituentContact.objects.visible_to(user),
        ActivitySuggestion.objects.visible_to(user),
    )


def parse_day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text or "")[:10]) if text else None
    except ValueError:
        return None


def parse_place(text: object) -> tuple[str, int] | None:
    kind, _sep, pk = str(text or "").partition(":")
    place_id = as_id(pk)
    return (kind, place_id) if kind in PLACE_KINDS and place_id is not None else None


def place_name(place: tuple[str, int] | None) -> str:
    """The name of a place key's record ("" for none)."""
    if place is None:
        return ""
    return PLACE_MODELS[place[0]].objects.filter(pk=place[1]).values_list("name", flat=True).first() or "—"


def _place_q(kind: str, pk: int) -> tuple[Q, Q, Q]:
    """The place filter on messages, contacts and suggestions (a key each row has exactly one of)."""
    message = Q(target=kind, **{f"{kind}_id": pk})
    if kind == "contact_point":
        contact = Q(contact_point_id=pk)
    elif kind == "committee":
        contact = Q(contact_point__isnull=True, committee_id=pk)
    else:
        contact = Q(pk__in=[])
    suggestion = (
        Q(activity__contact_point_id=pk) if kind == "contact_point" else Q(activity__contact_point__isnull=True)
    )
    if kind in ("platform", "group", "committee"):
        suggestion &= Q(activity__platform_id=pk) if kind == "platform" else Q(activity__platform__isnull=True)
    if kind in ("group", "committee"):
        suggestion &= Q(activity__group_id=pk) if kind == "group" else Q(activity__group__isnull=True)
    if kind == "committee":
        suggestion &= Q(activity__committee_id=pk)
    return message, contact, suggestion


def filtered(src: Sources, params: Mapping[str, Any]) -> Sources:
    """The theme page's filters: the days ``since``/``until``, a kind of matter, a place (``kind:id``), a word."""
    messages, contacts, suggestions = src.messages, src.contacts, src.suggestions
    since, until = parse_day(params.get("since")), parse_day(params.get("until"))
    if since or until:
        messages = messages.filter(during("created_at", since, until))
        suggestions = suggestions.filter(during("created_at", since, until))
        if since:
            contacts = contacts.filter(contacted_on__gte=since)
        if until:
            contacts = contacts.filter(contacted_on__lte=until)
    if (category := params.get("category") or "") in ContactTopic.values:
        messages, contacts = messages.filter(category=category), contacts.filter(topic=category)
        suggestions = suggestions.filter(category=category)
    if (place := parse_place(params.get("place"))) is not None:
        m, c, s = _place_q(*place)
        messages, contacts, suggestions = messages.filter(m), contacts.filter(c), suggestions.filter(s)
    if word := (params.get("word") or "").strip()[:20]:
        messages, contacts = messages.filter(text__contains=word), contacts.filter(raised__contains=word)
        suggestions = suggestions.filter(text__contains=word)
    return Sources(messages, contacts, suggestions)


class _TotalKnown(LookaheadPaginator):
    """The theme's pages: each reads its rows and one past them; the total is the exact count of the three sources
    (``Sources.count``), never an estimate, so the number shown is the rows across the pages."""

    def __init__(self, object_list: Any, per_page: int, *, total: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = total


def theme_page(src: Sources, number: object) -> tuple[Page, list[tuple[str, Any]]]:
    """One page of a theme's rows over the three sources, newest first (by day; on one day messages, contacts,
    then suggestions, newest first), ``THEME_PAGE`` a page: the page and its rows as (``"message"``, a message),
    (``"contact"``, a contact) or (``"suggestion"``, a suggestion). Seven queries whatever the page: the three
    counts, the page's keys (one UNION), then the rows of each source on it with what they show."""
    kinds = ("message", "contact", "suggestion")
    parts = (
        src.messages.annotate(src_kind=Value(0, output_field=IntegerField()), day=TruncDate("created_at")),
        src.contacts.annotate(src_kind=Value(1, output_field=IntegerField()), day=F("contacted_on")),
        src.suggestions.annotate(src_kind=Value(2, output_field=IntegerField()), day=TruncDate("created_at")),
    )
    keys = [qs.order_by().values_list("src_kind", "day", "pk") for qs in parts]
    union = keys[0].union(keys[1], keys[2], all=True).order_by("-day", "src_kind", "-pk")
    page = _TotalKnown(union, THEME_PAGE, total=src.count()).get_page(number)
    wanted: dict[int, list[int]] = defaultdict(list)
    for kind, _day, pk in page.object_list:
        wanted[kind].append(pk)
    related = (
        ("committee", "group", "platform", "contact_point"),
        ("member", "contact_point"),
        ("activity",),
    )
    found: dict[tuple[int, int], Any] = {}
    managers: tuple[QuerySet, ...] = (
        PublicMessage.objects.all(),
        ConstituentContact.objects.all(),
        ActivitySuggestion.objects.all(),
    )
    for kind, qs in enumerate(managers):
        if wanted[kind]:
            for row in qs.select_related(*related[kind]).filter(pk__in=wanted[kind]):
                found[(kind, row.pk)] = row
    rows = [(kinds[kind], found[(kind, pk)]) for kind, _day, pk in page.object_list if (kind, pk) in found]
    return page, rows


def _window(src: Sources, first: date, last: date) -> Sources:
    return filtered(src, {"since": first.isoformat(), "until": last.isoformat()})


@dataclass(frozen=True)
class Theme:
    label: str
    place: str
    n: int
    quarters: int
    query: str


TEXT_FIELDS = {
    "messages": ("text", "created_at"),
    "contacts": ("raised", "contacted_on"),
    "suggestions": ("text", "created_at"),
}


def _texts_by_source(src: Sources) -> dict[str, list]:
    """Each source's newest ``WORDS_SAMPLE`` rows as (text, day or time), newest first (one query a source)."""
    return {
        name: list(getattr(src, name).order_by(f"-{day}").values_list(text, day)[:WORDS_SAMPLE])
        for name, (text, day) in TEXT_FIELDS.items()
    }


def _words_of(text: str) -> set[str]:
    import jieba

    jieba.setLogLevel(60)  # its dictionary-loading chatter
    return {w for w in jieba.lcut(text) if len(w) >= 2 and w not in STOPWORDS and not w.isascii()}


def _word_counts(
    src: Sources, words: list[str], recent: list[str], since: date, sampled: dict[str, list] | None = None
) -> tuple[Counter, Counter]:
    """Each word's count, as the theme page filters: the rows of the three sources whose text contains it, for
    ``words`` over the whole of ``src`` and for ``recent`` over its rows from ``since`` on (one aggregate a source).
    ``sampled``: each source's (text, day) rows read for the words (``_texts_by_source``); a source whose sample is all of its
    rows (fewer than ``WORDS_SAMPLE``) is counted in it, not by the database."""
    everywhere: Counter = Counter()
    lately: Counter = Counter()
    vendor = connections[src.messages.db].vendor
    for name, qs, field, after in (
        ("messages", src.messages, "text", during("created_at", since, None)),
        ("contacts", src.contacts, "raised", Q(contacted_on__gte=since)),
        ("suggestions", src.suggestions, "text", during("created_at", since, None)),
    ):
        rows = (sampled or {}).get(name)
        if rows is not None and len(rows) < WORDS_SAMPLE:
            everywhere.update(contains_counts([t or "" for t, _at in rows], words, vendor=vendor))
            lately.update(contains_counts([t or "" for t, at in rows if _day_of(at) >= since], recent, vendor=vendor))
            continue
        found = qs.aggregate(
            **{f"w{i}": Count("pk", filter=Q(**{f"{field}__contains": w})) for i, w in enumerate(words)},
            **{f"r{i}": Count("pk", filter=Q(**{f"{field}__contains": w}) & after) for i, w in enumerate(recent)},
        )
        everywhere.update({w: found[f"w{i}"] or 0 for i, w in enumerate(words)})
        lately.update({w: found[f"r{i}"] or 0 for i, w in enumerate(recent)})
    return everywhere, lately


def _grouped(src: Sources, window: list[Period]) -> dict:
    """(kind of matter, place key) -> quarter index -> rows, over the three sources (three queries)."""

    def quarter_of(field: str, dates: bool) -> Case:
        return Case(
            *[
                When(**{f"{field}__lt": p.end_day if dates else p.bounds[1]}, then=Value(i))
                for i, p in enumerate(window)
            ],
            default=Value(len(window)),
            output_field=IntegerField(),
        )

    grouped: dict = defaultdict(Counter)
    for r in (
        src.messages.values("category", "target", *[f"{k}_id" for k in PLACE_KINDS])
        .annotate(q=quarter_of("created_at", False), n=Count("pk"))
        .order_by()
    ):
        grouped[(r["category"], f"{r['target']}:{r[r['target'] + '_id']}")][r["q"]] += r["n"]
    for r in (
        src.contacts.values("topic", "contact_point_id", "committee_id")
        .annotate(q=quarter_of("contacted_on", True), n=Count("pk"))
        .order_by()
    ):
        place = f"contact_point:{r['contact_point_id']}" if r["contact_point_id"] else f"committee:{r['committee_id']}"
        grouped[(r["topic"], place)][r["q"]] += r["n"]
    for r in (
        src.suggestions.values(
            "category",
            "activity__contact_point_id",
            "activity__platform_id",
            "activity__group_id",
            "activity__committee_id",
        )
        .annotate(q=quarter_of("created_at", False), n=Count("pk"))
        .order_by()
    ):
        kind = next(k for k in ("contact_point", "platform", "group", "committee") if r[f"activity__{k}_id"])
        grouped[(r["category"], f"{kind}:{r[f'activity__{kind}_id']}")][r["q"]] += r["n"]
    return grouped


def _place_names(keys: Iterable[str]) -> dict[str, str]:
    wanted: dict = defaultdict(set)
    for key in keys:
        if (place := parse_place(key)) is not None:
            wanted[place[0]].add(place[1])
    names = {}
    for kind, ids in wanted.items():
        names.update(
            {
                f"{kind}:{pk}": name
                for pk, name in PLACE_MODELS[kind].objects.filter(pk__in=ids).values_list("pk", "name")
            }
        )
    return names


def pooled(src: Sources, period: Period) -> dict:
    """The themes page's pooled figures of what was heard, each count the size of the theme page's rows it links to:
    the period's counts by kind of matter (``by_category``) and by word (``by_word``: the words found in the most of
    its texts, by jieba), and the matters that keep returning over its window (``recurring``, ``mailbox.window_of``:
    the quarter shown and the three before it): the same kind of matter at the same place in two quarters or more,
    or in ``RECUR_MESSAGES`` rows or more; and rarer words back in two quarters or more. The window is read once:
    its counts by kind of matter, place and quarter give the period's kinds of matter (the period is the window's
    last quarter, or all of it for a year), its newest texts the period's newest, each segmented once, and one
    aggregate a source counts both lists of words."""
    window = window_of(period)
    first, last = window[0].first_day, window[-1].end_day - timedelta(days=1)
    rows = _window(src, first, last)
    labels = dict(ContactTopic.choices)
    grouped = _grouped(rows, window)
    inside = [i for i, p in enumerate(window) if p.first_day >= period.first_day]
    categories: Counter = Counter()
    for (category, _place), per in grouped.items():
        categories[category] += sum(per[i] for i in inside)
    sampled = _texts_by_source(rows)
    sample = [(_words_of(text), _day_of(at)) for texts in sampled.values() for text, at in texts]
    words = _top_words([found for found, day in sample if day >= period.first_day])
    rare = _rare_words(sample, [p.first_day for p in window])
    counts, recent = (
        _word_counts(rows, list(rare), words, period.first_day, sampled) if rare or words else (Counter(), Counter())
    )
    here = {"since": period.first_day.isoformat(), "until": (period.end_day - timedelta(days=1)).isoformat()}
    base = {"since": first.isoformat(), "until": last.isoformat()}
    recurring = {
        key: (sum(per.values()), len(per))
        for key, per in grouped.items()
        if len(per) >= 2 or sum(per.values()) >= RECUR_MESSAGES
    }
    names = _place_names(place for _c, place in recurring)
    return {
        "heard_by_category": sorted(
            (
                Theme(str(labels.get(c, c)), "", n, 1, urlencode({**here, "category": c}))
                for c, n in categories.items()
                if n
            ),
            key=lambda t: (-t.n, t.label),
        ),
        "heard_by_word": sorted(
            (Theme(w, "", recent[w], 1, urlencode({**here, "word": w})) for w in words), key=lambda t: (-t.n, t.label)
        ),
        "recurring": {
            "matters": sorted(
                (
                    Theme(
                        str(labels.get(c, c)),
                        names.get(place, "—"),
                        n,
                        q,
                        urlencode({**base, "category": c, "place": place}),
                    )
                    for (c, place), (n, q) in recurring.items()
                ),
                key=lambda t: (-t.quarters, -t.n, t.label, t.place),
            ),
            "words": sorted(
                (Theme(w, "", counts[w], quarters, urlencode({**base, "word": w})) for w, quarters in rare.items()),
                key=lambda t: (-t.quarters, -t.n, t.label),
            ),
            "since": first,
            "until": last,
        },
    }


def _day_of(at: date | datetime) -> date:
    return timezone.localdate(at) if isinstance(at, datetime) else at


def _top_words(texts: list[set[str]]) -> list[str]:
    """The words found in the most texts (twice at least, unless none is)."""
    seen: Counter = Counter()
    for found in texts:
        seen.update(found)
    return [w for w, n in seen.most_common(WORDS) if n >= 2] or [w for w, _n in seen.most_common(WORDS)]


def _rare_words(sample: list[tuple[set[str], date]], starts: list[date]) -> dict[str, int]:
    """The rarer words (in at most ``RARE_SHARE`` of the texts, twice at least) found in two quarters or more of
    the window whose quarters begin on ``starts``: each with its number of quarters."""
    if not sample:
        return {}
    texts: Counter = Counter()
    quarters: dict = defaultdict(set)
    for found, day in sample:
        q = sum(1 for s in starts if day >= s)
        for w in found:
            texts[w] += 1
            quarters[w].add(q)
    limit = max(2, int(len(sample) * RARE_SHARE))
    words = [w for w, n in texts.most_common() if 2 <= n <= limit and len(quarters[w]) >= 2][:RARE_WORDS]
    return {w: len(quarters[w]) for w in words}
