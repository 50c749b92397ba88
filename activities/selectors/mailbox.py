"""Reads of the members' mailbox: the list's filters and the pooled themes 群众呼声汇总分析 of a quarter.

"定期对了解到的群众呼声进行汇总分析": per quarter, counts by kind of matter and by place, and the words that recur.
Every count is the size of a filtered list (``filtered``) and links to it, so the number equals the rows behind it.
Words are found with jieba (Chinese word segmentation) over the quarter's texts; each word's count is then the
database's count of messages whose text contains it — the same filter the list applies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from activities.models import MessageTarget, PublicMessage, Satisfaction
from activities.models.mailbox import PublicMessageQuerySet
from activities.selectors.activities import Period
from core.dates import during
from core.parsing import as_id, as_int
from groups.models import ActivityGroup, Committee, ContactPoint, Platform
from groups.models.contacts import ContactTopic

WORDS = 12  # recurring words shown
WORDS_SAMPLE = 3000  # texts segmented per quarter (the newest); the counts themselves are the database's
# Words that carry no matter of their own in residents' messages.
STOPWORDS = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "她们",
        "这个",
        "那个",
        "这些",
        "那些",
        "什么",
        "怎么",
        "如何",
        "希望",
        "能够",
        "可以",
        "需要",
        "问题",
        "情况",
        "建议",
        "反映",
        "现在",
        "目前",
        "已经",
        "没有",
        "还是",
        "但是",
        "因为",
        "所以",
        "如果",
        "就是",
        "一个",
        "一些",
        "非常",
        "比较",
        "特别",
        "一直",
        "这样",
        "那样",
        "自己",
        "大家",
        "时候",
        "今年",
        "去年",
        "进行",
        "相关",
        "有关",
        "政府",
        "委员",
        "请问",
        "谢谢",
        "您好",
        "感谢",
        "以及",
        "或者",
        "而且",
        "并且",
        "还有",
        "觉得",
        "认为",
        "为了",
        "关于",
        "对于",
        "由于",
        "是否",
        "不能",
        "不是",
        "可能",
        "应该",
        "为什么",
    ]
)


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text or "")[:10]) if text else None
    except ValueError:
        return None


def period_of(params: Mapping[str, Any]) -> Period | None:
    year = as_int(params.get("year"))
    quarter = as_int(params.get("quarter"))
    if year is None or not 2000 <= year <= 2100:
        return None
    return Period(year, quarter if quarter in (1, 2, 3, 4) else None)


def filtered(qs: PublicMessageQuerySet, params: Mapping[str, Any]) -> QuerySet[PublicMessage]:
    """The list's filters (discarded messages only when asked for): state, kind of matter, period (year and quarter,
    or the days ``since``/``until``), place (target and id), a word."""
    state = params.get("state") or ""
    if state == "overdue":
        qs = qs.overdue(timezone.localdate())
    elif state in PublicMessage.State.values:
        qs = qs.filter(state=state)
    else:  # discarded messages (spam) only when asked for
        qs = qs.exclude(state=PublicMessage.State.DISCARDED)
    if (category := params.get("category") or "") in ContactTopic.values:
        qs = qs.filter(category=category)
    if (period := period_of(params)) is not None:
        start, end = period.bounds
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    target = params.get("target") or ""
    if target in MessageTarget.values:
        qs = qs.filter(target=target)
        place = as_id(params.get("place"))
        if place is not None:
            field = {
                "committee": "committee_id",
                "group": "group_id",
                "platform": "platform_id",
                "contact_point": "contact_point_id",
            }[target]
            qs = qs.filter(**{field: place})
    since, until = _day(params.get("since")), _day(params.get("until"))
    if since or until:
        qs = qs.filter(during("created_at", since, until))
    word = (params.get("word") or "").strip()[:20]
    if word:
        qs = qs.filter(text__contains=word)
    return _by_answerer_and_rating(qs, params)


def _by_answerer_and_rating(qs: QuerySet[PublicMessage], params: Mapping[str, Any]) -> QuerySet[PublicMessage]:
    """The ratings page's filters: who the message was passed to (member or group), and how it was rated."""
    if (member := as_id(params.get("member"))) is not None:
        qs = qs.filter(routed_member_id=member)
    if (group := as_id(params.get("group"))) is not None:
        qs = qs.filter(routed_group_id=group)
    rating = params.get("rating") or ""
    if rating in Satisfaction.values:
        qs = qs.filter(rating__rating=rating)
    elif rating == "any":
        qs = qs.filter(rating__isnull=False)
    elif rating == "redo":  # rated 不满意 and not answered again since: the workbench's to-do
        qs = qs.filter(rating__rating=Satisfaction.UNSATISFIED, answered_at__lte=F("rating__created_at"))
    return qs


def _rating_counts() -> dict:
    return {
        "rated": Count("pk"),
        **{
            grade: Count("pk", filter=Q(rating__rating=grade))
            for grade in (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED)
        },
    }


def ratings(qs: QuerySet, year: int) -> dict:
    """Residents' ratings of the year's messages (by the day each was received, as the list's year filter), per
    member and per group it was passed to, and in all; each count the size of the list it links to. Three queries."""
    start, end = Period(year, None).bounds
    rated = qs.filter(created_at__gte=start, created_at__lt=end, rating__isnull=False).exclude(
        state=PublicMessage.State.DISCARDED
    )
    by_member = list(
        rated.filter(routed_member__isnull=False)
        .values("routed_member_id", "routed_member__name")
        .annotate(**_rating_counts())
        .order_by("-unsatisfied", "-rated", "routed_member__name")
    )
    by_group = list(
        rated.filter(routed_group__isnull=False)
        .values("routed_group_id", "routed_group__name")
        .annotate(**_rating_counts())
        .order_by("-unsatisfied", "-rated", "routed_group__name")
    )
    return {"by_member": by_member, "by_group": by_group, "totals": rated.aggregate(**_rating_counts())}


@dataclass(frozen=True)
class Count_:
    label: str
    n: int
    query: str


def _query(base: dict[str, Any], **extra: Any) -> str:
    return urlencode({**base, **extra})


def themes(qs: QuerySet, period: Period) -> dict:
    """The quarter's pooled themes: counts by kind of matter, by place and of recurring words, each with the
    query string of the list that shows its rows. A fixed number of queries: three aggregates and the sample."""
    start, end = period.bounds
    rows = qs.filter(created_at__gte=start, created_at__lt=end).exclude(state=PublicMessage.State.DISCARDED)
    base = {"year": period.year, **({"quarter": period.quarter} if period.quarter else {})}
    labels = dict(ContactTopic.choices)
    by_category = [
        Count_(str(labels.get(r["category"], r["category"])), r["n"], _query(base, category=r["category"]))
        for r in rows.values("category").annotate(n=Count("pk")).order_by("-n", "category")
    ]
    places = (
        rows.values(
            "target",
            "committee_id",
            "committee__name",
            "group_id",
            "group__name",
            "platform_id",
            "platform__name",
            "contact_point_id",
            "contact_point__name",
        )
        .annotate(n=Count("pk"))
        .order_by("-n", "target")
    )
    by_place = []
    for r in places:
        field = {"committee": "committee", "group": "group", "platform": "platform", "contact_point": "contact_point"}[
            r["target"]
        ]
        by_place.append(
            Count_(r[f"{field}__name"] or "—", r["n"], _query(base, target=r["target"], place=r[f"{field}_id"] or ""))
        )
    sample = list(rows.order_by("-created_at").values_list("text", flat=True)[:WORDS_SAMPLE])
    words = recurring_words(sample)
    by_word = []
    if words and len(sample) < WORDS_SAMPLE:  # the sample is every row: counted in it
        found = contains_counts(sample, words, vendor=connections[rows.db].vendor)
        counts = {f"w{i}": found[w] for i, w in enumerate(words)}
    elif words:
        counts = rows.aggregate(**{f"w{i}": Count("pk", filter=Q(text__contains=w)) for i, w in enumerate(words)})
    if words:
        by_word = sorted(
            (Count_(w, counts[f"w{i}"], _query(base, word=w)) for i, w in enumerate(words)),
            key=lambda c: (-c.n, c.label),
        )
    return {
        "by_category": by_category,
        "by_place": by_place,
        "by_word": by_word,
        "total": rows.count(),
        "total_query": _query(base),
    }


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def contains_counts(texts: list[str], words: list[str], *, vendor: str) -> dict[str, int]:
    """How many of ``texts`` contain each of ``words``, as the database's ``__contains`` counts them (PostgreSQL's
    LIKE: exactly; SQLite's LIKE ignores the case of ASCII letters). For a sample that is all of the rows: counted
    here instead of an aggregate of one filtered count a word, whose building cost more than the page's other SQL
    (#22: 16 ms a themes page at 50k, the statement itself under 1 ms)."""
    if vendor == "sqlite":
        texts = [t.translate(_ASCII_LOWER) for t in texts]
        return {w: sum(1 for t in texts if w.translate(_ASCII_LOWER) in t) for w in words}
    return {w: sum(1 for t in texts if w in t) for w in words}


def recurring_words(texts: list[str], limit: int = WORDS) -> list[str]:
    """The words (two characters or more, no stop words) found in the most texts, by jieba's segmentation."""
    if not texts:
        return []
    import jieba

    jieba.setLogLevel(60)  # its dictionary-loading chatter
    seen: Counter = Counter()
    for text in texts:
        seen.update({w for w in jieba.lcut(text) if len(w) >= 2 and w not in STOPWORDS and not w.isascii()})
    return [w for w, n in seen.most_common(limit) if n >= 2] or [w for w, _n in seen.most_common(limit)]


def became_q(message: PublicMessage) -> Q:
    """What came of ``message`` (a proposal, report or topic): from it, from a lead that pooled it, or from the
    visit it was met with.

    The leads are read first, so that each branch of the OR is a column's own index: an OR across the join to a
    lead's messages reads every proposal (#22: the tracking page, 315 ms at 50k for one message)."""
    q = Q(source_message=message) | Q(source_lead_id__in=list(message.leads.order_by().values_list("pk", flat=True)))
    if message.contact_id:
        q |= Q(source_contact_id=message.contact_id)
    return q


def became_outcomes(message: PublicMessage, topics: list) -> list:
    """The published outcomes of the sessions on the topics ``message`` became, with their follow-up records (what
    the disclosure page shows of them, nothing more): two queries, none without topics."""
    if not topics:
        return []
    # Reached through the relations: groups may not import consultations (the layers in pyproject.toml).
    session_model: Any = message.consultation_topics.model._meta.get_field("sessions").related_model
    outcome_model: Any = session_model._meta.get_field("outcomes").related_model
    entry_model: Any = outcome_model._meta.get_field("entries").related_model
    return list(
        outcome_model.objects.published()
        .filter(session__topic__in=topics)
        .select_related("unit", "session")
        .prefetch_related(Prefetch("entries", entry_model.objects.filter(kind="follow_up")))
        .order_by("session__starts_at", "pk")
    )


def became(message: PublicMessage) -> dict:
    """What a message became, directly or through a lead that pooled it: proposals (number, stage, reply code),
    public-opinion reports (state, adoptions) and consultation topics (state). Read through the reverse relations
    the apps above keep (``message.proposals.model`` …), so groups imports none of them; five queries."""
    q = became_q(message)
    proposal_model = message.proposals.model
    report_model = message.opinion_reports.model
    topic_model = message.consultation_topics.model
    return {
        "proposals": list(
            proposal_model.objects.filter(q).order_by("pk").only("pk", "serial_number", "state", "result_code", "title")
        ),
        "reports": list(
            report_model.objects.filter(q).order_by("pk").only("pk", "state", "title").prefetch_related("adoptions")
        ),
        "topics": list(topic_model.objects.filter(q).order_by("pk").only("pk", "state", "title", "year")),
    }


# Matters that keep returning 反复出现的问题: over the quarter shown and the three before it, the same kind of matter
# at the same place in two quarters or more, or in RECUR_MESSAGES messages or more; and rarer words (in at most
# RARE_SHARE of the window's texts) that come back in two quarters or more.
RECUR_QUARTERS = 4
RECUR_MESSAGES = 3
RARE_SHARE = 0.2
RARE_WORDS = 8
PLACE_FIELDS = {"committee": "committee", "group": "group", "platform": "platform", "contact_point": "contact_point"}


def window_of(period: Period) -> list[Period]:
    """The quarters of the window, oldest first: the quarter shown and the three before it (a year: its quarters)."""
    if not period.quarter:
        return [Period(period.year, q) for q in (1, 2, 3, 4)]
    quarters = [period]
    while len(quarters) < RECUR_QUARTERS:
        quarters.append(quarters[-1].previous)
    return quarters[::-1]


@dataclass(frozen=True)
class Recurring:
    label: str
    place: str
    n: int
    quarters: int
    query: str


def recurring(qs: QuerySet, period: Period) -> dict:
    """Matters that keep returning over the window (``window_of``), each count with the query string of the list of
    its rows (``since``/``until`` the window's days). Three queries: the grouped counts, the sample, the words."""
    window = window_of(period)
    first, last = window[0].first_day, window[-1].end_day - timedelta(days=1)
    rows = qs.filter(during("created_at", first, last)).exclude(state=PublicMessage.State.DISCARDED)
    base = {"since": first.isoformat(), "until": last.isoformat()}
    quarter_of = Case(
        *[When(created_at__lt=p.bounds[1], then=Value(i)) for i, p in enumerate(window)],
        default=Value(len(window)),
        output_field=IntegerField(),
    )
    labels = dict(ContactTopic.choices)
    grouped = (
        rows.values("category", "target", *[f"{f}_id" for f in PLACE_FIELDS.values()])
        .annotate(n=Count("pk"), quarters=Count(quarter_of, distinct=True))
        .filter(Q(quarters__gte=2) | Q(n__gte=RECUR_MESSAGES))
        .order_by("-quarters", "-n", "category")
    )
    grouped = list(grouped)
    names = _place_names(grouped)
    matters = []
    for r in grouped:
        field = PLACE_FIELDS[r["target"]]
        place_id = r[f"{field}_id"]
        matters.append(
            Recurring(
                str(labels.get(r["category"], r["category"])),
                names.get((field, place_id), "—"),
                r["n"],
                r["quarters"],
                _query(base, category=r["category"], target=r["target"], place=place_id or ""),
            )
        )
    return {"matters": matters, "words": _recurring_words(rows, window, base), "since": first, "until": last}


def _place_names(grouped: list[dict]) -> dict:
    models: dict[str, type[Committee | ActivityGroup | Platform | ContactPoint]] = {
        "committee": Committee,
        "group": ActivityGroup,
        "platform": Platform,
        "contact_point": ContactPoint,
    }
    wanted: dict = defaultdict(set)
    for r in grouped:
        field = PLACE_FIELDS[r["target"]]
        if r[f"{field}_id"]:
            wanted[field].add(r[f"{field}_id"])
    names = {}
    for field, ids in wanted.items():
        names.update(
            {
                (field, pk): name
                for pk, name in models[field]._default_manager.filter(pk__in=ids).values_list("pk", "name")
            }
        )
    return names


def _recurring_words(rows: QuerySet, window: list[Period], base: dict) -> list[Recurring]:
    """Rarer words that come back in two quarters or more; each count is the database's count of the window's
    messages containing the word (the list's filter)."""
    sample = list(rows.order_by("-created_at").values_list("text", "created_at")[:WORDS_SAMPLE])
    if not sample:
        return []
    import jieba

    jieba.setLogLevel(60)
    starts = [p.bounds[0] for p in window]
    texts: Counter = Counter()
    quarters: dict = defaultdict(set)
    for text, at in sample:
        q = sum(1 for s in starts if at >= s)
        for w in {w for w in jieba.lcut(text) if len(w) >= 2 and w not in STOPWORDS and not w.isascii()}:
            texts[w] += 1
            quarters[w].add(q)
    limit = max(2, int(len(sample) * RARE_SHARE))
    words = [w for w, n in texts.most_common() if 2 <= n <= limit and len(quarters[w]) >= 2][:RARE_WORDS]
    if not words:
        return []
    counts = rows.aggregate(**{f"w{i}": Count("pk", filter=Q(text__contains=w)) for i, w in enumerate(words)})
    return sorted(
        (Recurring(w, "", counts[f"w{i}"], len(quarters[w]), _query(base, word=w)) for i, w in enumerate(words)),
        key=lambda c: (-c.quarters, -c.n, c.label),
    )
