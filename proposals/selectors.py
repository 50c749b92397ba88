"""Reads: lists with fixed query counts, likely duplicates, and the year's figures by aggregation."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone

from proposals.models import Adoption, Assignment, Instruction, Level, OpinionReport, Proposal, ResultCode

S = Proposal.State
GOOD = (Proposal.Rating.SATISFIED, Proposal.Rating.BASIC)


def proposal_list(qs):
    """A proposal list ready for a table: proposer, committee and lead unit loaded in the same query."""
    return qs.select_related("lead_proposer", "committee", "lead_unit")


def proposal_detail(user, pk: int) -> Proposal:
    return (
        Proposal.objects.visible_to(user)
        .select_related("lead_proposer", "committee", "lead_unit", "merged_into", "supervising_leader", "group",
                        "sector", "special_committee")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("unit")
                     .prefetch_related("contacts", "opinions")),
            "cosigners__member", "replies__unit", "feedback", "implementation", "supervision_notes", "attachments",
            "merged_from__lead_proposer",
        )
        .get(pk=pk)
    )


def review_queue(user):
    """What staff review: submitted and under-review proposals of their committees (each with its count of
    confirmed co-signers, ``confirmed_cosigners``)."""
    return proposal_list(
        Proposal.objects.reviewable_by(user).filter(state__in=Proposal.REVIEW_STATES).order_by("submitted_at", "pk")
    )


def unit_assignments(user):
    """A unit's active assignments with their proposals and the due date for the badge."""
    from groups.access import scope_of

    return (
        Assignment.objects.filter(unit_id__in=scope_of(user).unit_ids, is_active=True)
        .select_related("proposal", "proposal__lead_proposer", "unit")
        .annotate(open=Case(When(proposal__state__in=Proposal.HANDLING_STATES, then=Value(0)), default=Value(1)))
        .order_by("open", "due_date", "-pk")
    )


# --- likely duplicates ------------------------------------------------------------------------------

@dataclass
class Similar:
    proposal: Proposal
    score: float


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    for stop in ("关于", "建议", "的", "进一步", "加强"):
        text = text.replace(stop, "")
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def similar_proposals(proposal: Proposal, limit: int = 5, threshold: float = 0.2) -> list[Similar]:
    """The same session's proposals most like this one by title, best first (pg_trgm on PostgreSQL)."""
    same = (Proposal.objects.filter(committee_id=proposal.committee_id, year=proposal.year)
            .exclude(pk=proposal.pk).exclude(state__in=(S.DRAFT, S.MERGED, S.NOT_FILED)))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        rows = (proposal_list(same).annotate(score=TrigramSimilarity("title", proposal.title))
                .filter(score__gte=threshold).order_by("-score", "pk")[:limit])
        return [Similar(p, round(p.score, 2)) for p in rows]
    mine = _bigrams(proposal.title)
    scored = []
    for pk, title in same.values_list("pk", "title"):
        theirs = _bigrams(title)
        score = len(mine & theirs) / len(mine | theirs)
        if score >= threshold:
            scored.append((score, pk))
    scored = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    found = proposal_list(Proposal.objects.filter(pk__in=[pk for _s, pk in scored])).in_bulk()
    return [Similar(found[pk], round(score, 2)) for score, pk in scored]


HINT_THRESHOLD = 0.4


def duplicate_hints(proposals: list[Proposal], threshold: float = HINT_THRESHOLD) -> dict[int, tuple[int, float]]:
    """For a page of the review queue: how many same-session proposals look alike, and the best score.

    One query loads the sessions' titles; an inverted index of character bigrams then finds, per row, the
    titles sharing bigrams with it (Jaccard score). Pairwise ``similarity()`` in SQL costs ~10 µs a pair,
    i.e. seconds for a page of 50 against 5,000 titles; the index needs tens of milliseconds.
    """
    if not proposals:
        return {}
    q = Q()
    for committee_id, year in {(p.committee_id, p.year) for p in proposals}:
        q |= Q(committee_id=committee_id, year=year)
    rows = Proposal.objects.filter(q).exclude(state__in=(S.DRAFT, S.MERGED, S.NOT_FILED)).values_list(
        "pk", "committee_id", "year", "title")
    grams, postings = {}, defaultdict(list)
    for pk, committee_id, year, title in rows:
        grams[pk] = _bigrams(title)
        for g in grams[pk]:
            postings[(committee_id, year, g)].append(pk)
    hints = {}
    for p in proposals:
        mine = _bigrams(p.title)
        shared = Counter(pk for g in mine for pk in postings.get((p.committee_id, p.year, g), ()) if pk != p.pk)
        scores = [n / (len(mine) + len(grams[pk]) - n) for pk, n in shared.items()]
        close = [sc for sc in scores if sc >= threshold]
        if close:
            hints[p.pk] = (len(close), round(max(close), 2))
    return hints


# --- figures ----------------------------------------------------------------------------------------

def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _counts(today: date) -> dict:
    """Aggregate expressions for one row of figures; the same dict serves totals, units and categories."""
    return {
        "submitted": Count("pk"),
        "filed": Count("pk", filter=Q(filed_at__isnull=False)),
        "replied": Count("pk", filter=Q(replied_on_time__isnull=False)),
        "on_time": Count("pk", filter=Q(replied_on_time=True)),
        "overdue": Count("pk", filter=Q(state__in=Proposal.HANDLING_STATES, reply_due__lt=today)),
        "rated": Count("pk", filter=~Q(rating="")),
        "satisfied": Count("pk", filter=Q(rating__in=GOOD)),
        "first_rated": Count("pk", filter=~Q(first_rating="")),
        "first_satisfied": Count("pk", filter=Q(first_rating__in=GOOD)),
        "closed": Count("pk", filter=Q(state=S.CLOSED)),
        "implemented": Count("pk", filter=Q(implemented_on__isnull=False)),
    }


def _with_rates(row: dict) -> dict:
    row["filing_rate"] = _rate(row["filed"], row["submitted"])
    row["on_time_rate"] = _rate(row["on_time"], row["replied"])
    row["satisfaction_rate"] = _rate(row["satisfied"], row["rated"])
    row["first_satisfaction_rate"] = _rate(row["first_satisfied"], row["first_rated"])
    row["implementation_rate"] = _rate(row["implemented"], row["closed"])
    return row


def figures(proposals, reports, committee_ids, today: date | None = None) -> dict:
    """A year's figures for the given (already scoped and filtered) proposals and reports: nine queries, any size."""
    today = today or timezone.localdate()
    counts = _counts(today)
    base = proposals.exclude(state=S.DRAFT)
    totals = _with_rates(base.aggregate(**counts))
    by_unit = [_with_rates(r) for r in base.filter(lead_unit__isnull=False).values("lead_unit", "lead_unit__name")
               .annotate(**counts).order_by("lead_unit__name")]
    by_category = [_with_rates(r) for r in base.values("category").annotate(**counts).order_by("category")]
    by_committee = [_with_rates(r) for r in base.values("committee", "committee__name").annotate(**counts)
                    .order_by("committee")]
    labels = {c: label for c, label in ResultCode.objects.filter(committee_id__in=committee_ids)
              .values_list("code", "label")}
    codes = list(base.exclude(result_code="").values("result_code").annotate(n=Count("pk")).order_by("result_code"))
    replied_total = sum(c["n"] for c in codes)
    for c in codes:
        c["label"], c["share"] = labels.get(c["result_code"], ""), _rate(c["n"], replied_total)
    reports = reports.exclude(state=OpinionReport.State.DRAFT)  # waiting for co-authors: not submitted yet
    report_totals = reports.aggregate(
        submitted=Count("pk"),
        accepted=Count("pk", filter=Q(state__in=(OpinionReport.State.ACCEPTED, OpinionReport.State.COMPILED))),
        adopted=Count("pk", filter=Q(Exists(Adoption.objects.filter(report=OuterRef("pk"))))),
        instructed=Count("pk", filter=Q(Exists(Instruction.objects.filter(report=OuterRef("pk"))))),
    )
    adoption_levels = list(Adoption.objects.filter(report__in=reports).values("level").annotate(n=Count("pk"))
                           .order_by("level"))
    levels = dict(Level.choices)
    for row in adoption_levels:
        row["label"] = str(levels.get(row["level"], row["level"]))
    report_totals["instructions"] = Instruction.objects.filter(report__in=reports).count()
    return {"totals": totals, "by_unit": by_unit, "by_category": by_category, "by_committee": by_committee,
            "codes": codes,
            "reports": report_totals, "adoption_levels": adoption_levels}


FIGURE_FILTERS = {
    "submitted": Q(),
    "filed": Q(filed_at__isnull=False),
    "on_time": Q(replied_on_time=True),
    "late": Q(replied_on_time=False),
    "rated": ~Q(rating=""),
    "satisfied": Q(rating__in=GOOD),
    "first_satisfied": Q(first_rating__in=GOOD),
    "closed": Q(state=S.CLOSED),
    "implemented": Q(implemented_on__isnull=False),
}


def filter_by_figure(qs, figure: str, today: date | None = None):
    """The list behind one figure (each figure on the page links here)."""
    if figure == "overdue":
        return qs.overdue(today)
    return qs.exclude(state=S.DRAFT).filter(FIGURE_FILTERS.get(figure, Q()))


def member_record(member_id: int, year: int) -> dict:
    """A member's proposal and report counts for one year (their duty record 履职档案; for assessments too)."""
    submitted = Proposal.objects.filter(year=year).exclude(state=S.DRAFT)
    led = submitted.filter(lead_proposer_id=member_id).aggregate(
        led=Count("pk"), led_filed=Count("pk", filter=Q(filed_at__isnull=False)),
        led_key=Count("pk", filter=Q(is_key=True)))
    co = submitted.filter(cosigners__member_id=member_id, cosigners__status="confirmed").aggregate(
        cosigned=Count("pk", distinct=True),
        cosigned_filed=Count("pk", filter=Q(filed_at__isnull=False), distinct=True))
    mine = OpinionReport.objects.filter(year=year).exclude(state=OpinionReport.State.DRAFT).filter(
        Q(author_id=member_id) | Q(co_authors__id=member_id))
    reports = mine.aggregate(
        reports=Count("pk", distinct=True),
        reports_adopted=Count("pk", filter=Q(adoptions__isnull=False), distinct=True),
        reports_instructed=Count("pk", filter=Q(instructions__isnull=False), distinct=True))
    return {**led, **co, **reports}
