"""Likely duplicates among one session's proposals: titles compared by character bigrams (Jaccard).

Hints (``DuplicateHint``) are kept for the proposals staff review (submitted / under review), against every
proposal of the session that is compared: written when a proposal is submitted (its own best ``HINT_LIMIT``,
and itself as a hint of the proposals under review it resembles), so the review queue reads them through an
index, a fixed number of queries per page whatever the session's size. The same measure on SQLite and
PostgreSQL, so both show the same percentages.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict

from django.db.models import Q

from proposals.models import DuplicateHint, Proposal

# Not compared: drafts (not submitted yet), and proposals already merged or not filed.
NOT_COMPARED = (Proposal.State.DRAFT, Proposal.State.MERGED, Proposal.State.NOT_FILED)
HINT_THRESHOLD = 0.4
HINT_LIMIT = 20  # a proposal's best hints kept; more than this many near-duplicates says enough
_STOP = ("关于", "建议", "的", "进一步", "加强")


def bigrams(text: str) -> set[str]:
    """The character pairs of a title without punctuation and the words every title has."""
    text = "".join(ch for ch in text if ch.isalnum())
    for stop in _STOP:
        text = text.replace(stop, "")
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _session(committee_id: int, year: int):
    return Proposal.objects.filter(committee_id=committee_id, year=year).exclude(state__in=NOT_COMPARED)


def refresh_hints(proposal: Proposal, threshold: float = HINT_THRESHOLD) -> int:
    """Recompute a submitted proposal's hints against its session (inside the submitting transaction), and add
    it to the hints of the proposals under review that it resembles; returns how many look like it."""
    DuplicateHint.objects.filter(Q(proposal=proposal) | Q(similar=proposal)).delete()
    mine = bigrams(proposal.title)
    found = []
    for pk, title, state in (
        _session(proposal.committee_id, proposal.year).exclude(pk=proposal.pk).values_list("pk", "title", "state")
    ):
        score = round(jaccard(mine, bigrams(title)), 4)
        if score >= threshold:
            found.append((score, pk, state))
    found.sort(key=lambda row: (-row[0], row[1]))
    rows = [DuplicateHint(proposal=proposal, similar_id=pk, score=score) for score, pk, _s in found[:HINT_LIMIT]]
    rows += [
        DuplicateHint(proposal_id=pk, similar=proposal, score=score)
        for score, pk, state in found
        if state in Proposal.REVIEW_STATES
    ]
    DuplicateHint.objects.bulk_create(rows)
    return len(found)


def _prefix_length(size: int, threshold: float) -> int:
    """How many of a title's rarest bigrams any title scoring at least ``threshold`` with it must share one of
    (prefix filtering: Jaccard >= t means an overlap of at least ceil(t * size) bigrams). The threshold is taken
    a hair lower, as scores are rounded to four places before they are compared."""
    return size - math.ceil((threshold - 0.00005) * size) + 1


def rebuild(committee_id: int, year: int, threshold: float = HINT_THRESHOLD) -> int:
    """All hints of one session at once (seeding, a changed threshold), exactly those ``refresh_hints`` writes,
    in time that follows the similar pairs of distinct titles, not every pair of the session: each title's bigrams
    are ordered rarest first and only a prefix of them is indexed (prefix filtering; a pair scoring at least the
    threshold shares a bigram of both prefixes), so the bigrams every title has are never walked; and a title is
    scored once against the others, whatever the number of proposals that bear it (the same title's proposals share
    their scores, their best hints and their order: a session where titles repeat would otherwise compare each of
    its proposals with every proposal of the titles like its own, #22: 7.9 million comparisons per session at 50k)."""
    titles = dict(_session(committee_id, year).values_list("pk", "title"))
    bearers: defaultdict[str, list[int]] = defaultdict(list)  # title -> its proposals
    for pk, title in titles.items():
        bearers[title].append(pk)
    grams = {title: bigrams(title) for title in bearers}
    frequency: Counter[str] = Counter()  # per proposal, as if each were indexed on its own
    for title, gs in grams.items():
        for g in gs:
            frequency[g] += len(bearers[title])
    prefixes = {
        title: sorted(gs, key=lambda g: (frequency[g], g))[: _prefix_length(len(gs), threshold)]
        for title, gs in grams.items()
    }
    postings = defaultdict(list)
    for title, prefix in prefixes.items():
        for g in prefix:
            postings[g].append(title)
    best: dict[str, list[tuple[float, int]]] = {}  # title -> (-score, similar proposal): the best hints and one more
    rows = []
    for pk in _session(committee_id, year).filter(state__in=Proposal.REVIEW_STATES).values_list("pk", flat=True):
        title = titles[pk]
        if title not in best:
            gs = grams[title]
            scored = []
            for other in {other for g in prefixes[title] for other in postings[g]}:
                theirs = grams[other]
                n = len(gs & theirs)
                score = round(n / (len(gs) + len(theirs) - n), 4)
                if score >= threshold:
                    scored += [(-score, similar) for similar in bearers[other]]
            # one more than a proposal keeps: the list may hold the proposal itself
            best[title] = heapq.nsmallest(HINT_LIMIT + 1, scored)
        hints = [(similar, -score) for score, similar in best[title] if similar != pk][:HINT_LIMIT]
        rows += [DuplicateHint(proposal_id=pk, similar_id=similar, score=score) for similar, score in hints]
    DuplicateHint.objects.filter(proposal_id__in=titles).delete()
    DuplicateHint.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def marked(title: str, other: str) -> list[tuple[str, bool]]:
    """``title`` cut into runs of characters that are / are not part of a bigram ``other`` has too, for the
    page to highlight what the two titles share."""
    theirs = bigrams(other)
    flags = [False] * len(title)
    for i in range(len(title) - 1):
        if title[i : i + 2] in theirs:
            flags[i] = flags[i + 1] = True
    runs: list[tuple[str, bool]] = []
    for ch, flag in zip(title, flags, strict=True):
        if runs and runs[-1][1] == flag:
            runs[-1] = (runs[-1][0] + ch, flag)
        else:
            runs.append((ch, flag))
    return runs
