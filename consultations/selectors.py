"""Reads shared by pages, the API and exports: boards, the public disclosure and the figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.dates import in_year

from .models import Attendance, ConsultationSession, Outcome, OutcomeEntry, Participant, StageRecord, Topic

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from groups.models import Committee


def topic_board(
    user: AbstractBaseUser | AnonymousUser,
    *,
    year: int | None = None,
    state: str | None = None,
    platform_id: int | None = None,
) -> QuerySet[Topic]:
    from activities.models import Activity

    qs = (
        Topic.objects.visible_to(user)
        .select_related("committee", "platform", "group")
        .prefetch_related(
            Prefetch(
                "research_activities",
                Activity.objects.only("pk", "title", "starts_at", "state", "kind").order_by("starts_at"),
            )
        )
    )
    if platform_id:
        qs = qs.filter(platform_id=platform_id)
    if year:
        qs = qs.filter(year=year)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-year", "state", "rank", "-created_at")


# A session's own counts on the session list and the rows behind each (``consultations:session_rows``) are one
# definition: ``_session_rows`` gives both the rows page's filter and, correlated to the list's row, the count.
# figure -> the name of its count on the list's rows
SESSION_ROWS = {"present": "present_count", "participants": "participant_count", "outcomes": "outcome_count"}


def _session_rows(session_id: int | OuterRef, figure: str) -> QuerySet[Any]:
    """The members present at a session, its other participants or its outcomes, unordered."""
    if figure == "present":
        return Attendance.objects.filter(session_id=session_id, status=Attendance.Status.PRESENT)
    if figure == "participants":
        return Participant.objects.filter(session_id=session_id)
    return Outcome.objects.filter(session_id=session_id)


def _session_count(figure: str) -> Coalesce:
    """How many rows of ``figure`` the outer session has: a correlated COUNT (no join multiplying three
    relations), 0 when none."""
    rows = _session_rows(OuterRef("pk"), figure).order_by().values("session_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), Value(0))


def session_list(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ConsultationSession]:
    return (
        ConsultationSession.objects.visible_to(user)
        .select_related("platform")  # what the card shows (``session_rows.session_row``): each join more is planned
        .annotate(**{name: _session_count(figure) for figure, name in SESSION_ROWS.items()})
        .order_by("-starts_at")
    )


def session_rows(session: ConsultationSession, figure: str) -> QuerySet[Any]:
    """The rows one of the session's counts on the list counts (``SESSION_ROWS``), in the page's order."""
    rows = _session_rows(session.pk, figure)
    if figure == "present":
        return rows.select_related("member").order_by("member__name", "pk")
    if figure == "participants":
        return rows.select_related("unit").order_by("kind", "pk")
    return rows.select_related("unit").order_by("pk")


def session_detail(user: AbstractBaseUser | AnonymousUser, pk: int) -> ConsultationSession:
    return (
        ConsultationSession.objects.visible_to(user)
        .select_related("committee", "platform", "group", "topic", "activity")
        .prefetch_related(
            Prefetch("attendances", Attendance.objects.select_related("member")),
            Prefetch("participants", Participant.objects.select_related("unit")),
            "stage_records",
            "documents",
            Prefetch("outcomes", Outcome.objects.select_related("unit")),
        )
        .get(pk=pk)
    )


def outcome_board(
    user: AbstractBaseUser | AnonymousUser, *, state: str | None = None, overdue: bool = False, unit_only: bool = False
) -> QuerySet[Outcome]:
    base = Outcome.objects.handed_to(user) if unit_only else Outcome.objects.visible_to(user)
    qs = base.select_related("committee", "unit", "session", "session__platform")
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.overdue()
    if unit_only:  # what still needs an answer first, the most urgent on top
        still_open = Case(When(state__in=Outcome.OPEN_AT_UNIT, then=Value(0)), default=Value(1))
        return qs.annotate(still_open=still_open).order_by("still_open", "deadline", "-id")
    return qs.order_by("-created_at", "-id")


def outcome_detail(queryset: QuerySet[Outcome], pk: int) -> Outcome:
    outcome: Outcome = (
        queryset.select_related(
            "committee", "unit", "session", "session__platform", "merged_into", "replied_by", "proposal"
        )
        .prefetch_related(Prefetch("entries", OutcomeEntry.objects.select_related("author")))
        .get(pk=pk)
    )
    return outcome


# --- public disclosure ----------------------------------------------------------------------------


def public_listing(committee: Committee, query: str = "") -> dict[str, Any]:
    """What the public page shows: published items only, nothing personal."""
    topics = Topic.objects.published().filter(committee=committee).select_related("platform")
    sessions = ConsultationSession.objects.published().filter(committee=committee).select_related("platform", "topic")
    outcomes = Outcome.objects.published().filter(committee=committee).select_related("unit", "session")
    if query:
        topics = topics.filter(Q(title__icontains=query) | Q(description__icontains=query))
        sessions = sessions.filter(Q(title__icontains=query) | Q(place__icontains=query) | Q(summary__icontains=query))
        outcomes = outcomes.filter(Q(title__icontains=query) | Q(content__icontains=query) | Q(reply__icontains=query))
    # the latest topics and meetings; outcomes, what people look for, are paged (the view pages them)
    return {
        "topics": list(topics.order_by("-year", "rank")[:20]),
        "sessions": list(sessions.order_by("-starts_at")[:20]),
        "outcomes": outcomes.order_by("-published_at", "-id"),
    }


def public_session(committee: Committee, pk: int) -> ConsultationSession:
    return (
        ConsultationSession.objects.published()
        .filter(committee=committee)
        .select_related("platform", "topic")
        .prefetch_related(
            Prefetch("stage_records", StageRecord.objects.only("session_id", "stage", "speaker", "content")),
            Prefetch("outcomes", Outcome.objects.published().select_related("unit")),
            Prefetch(
                "participants",
                Participant.objects.select_related("unit").only(
                    "session_id", "kind", "name", "organisation", "unit__name"
                ),
            ),
        )
        .get(pk=pk)
    )


def public_outcome(committee: Committee, pk: int) -> Outcome:
    return (
        Outcome.objects.published()
        .filter(committee=committee)
        .select_related("unit", "session")
        .prefetch_related(Prefetch("entries", OutcomeEntry.objects.filter(kind=OutcomeEntry.Kind.FOLLOW_UP)))
        .get(pk=pk)
    )


# --- figures --------------------------------------------------------------------------------------


# The one definition of each figure: the count on the figures page and the list behind it
# (``consultations:figure_rows``) both read these, so they cannot drift apart.
SESSION_FIGURES = ("sessions",)
PEOPLE_FIGURES = ("present", "participants")
OUTCOME_FIGURES = ("outcomes", "replied", "on_time", "overdue")
FIGURES = SESSION_FIGURES + PEOPLE_FIGURES + OUTCOME_FIGURES


def figure_scope(
    committee_ids: Iterable[int], *, year: int | None = None, platform_id: int | None = None
) -> tuple[QuerySet[ConsultationSession], QuerySet[Outcome]]:
    """The sessions (not cancelled) and outcomes every figure counts, for these committees, year and platform."""
    sessions = ConsultationSession.objects.filter(committee_id__in=committee_ids).exclude(state="cancelled")
    outcomes = Outcome.objects.filter(committee_id__in=committee_ids)
    if year:
        sessions = sessions.filter(in_year("starts_at", year))
        outcomes = outcomes.filter(in_year("session__starts_at", year))
    if platform_id:
        sessions = sessions.filter(platform_id=platform_id)
        outcomes = outcomes.filter(session__platform_id=platform_id)
    return sessions, outcomes


def outcome_figure_q(figure: str, today: date) -> Q:
    """The outcomes one outcome figure counts (``outcomes``: all of them, by state on the page)."""
    if figure == "replied":
        return Q(replied_at__isnull=False)
    if figure == "on_time":
        return Q(answered_on_time=True)
    if figure == "overdue":  # the same rule as OutcomeQuerySet.overdue
        return Q(state__in=Outcome.OPEN_AT_UNIT, deadline__lt=today)
    return Q()


def figures(
    committee_ids: Iterable[int], *, year: int | None = None, platform_id: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """Counts by database aggregation: a handful of queries whatever the size."""
    today = today or timezone.localdate()
    sessions, outcomes = figure_scope(committee_ids, year=year, platform_id=platform_id)
    by_level_form = list(sessions.values("level", "form").annotate(n=Count("id")).order_by("level", "form"))
    people = {
        "members_present": Attendance.objects.filter(session__in=sessions, status="present").count(),
        **{
            f"participants_{r['kind']}": r["n"]
            for r in Participant.objects.filter(session__in=sessions).values("kind").annotate(n=Count("id")).order_by()
        },
    }
    by_state = {r["state"]: r["n"] for r in outcomes.values("state").annotate(n=Count("id")).order_by()}
    totals = outcomes.aggregate(
        **{name: Count("id", filter=outcome_figure_q(name, today)) for name in ("replied", "on_time", "overdue")}
    )
    by_committee = list(
        sessions.values("committee_id", "committee__name").annotate(n=Count("id")).order_by("committee__name")
    )
    by_platform = list(
        sessions.filter(platform__isnull=False)
        .values("platform_id", "platform__name")
        .annotate(n=Count("id"))
        .order_by("-n", "platform__name")[:20]
    )
    return {
        "by_level_form": by_level_form,
        "people": people,
        "by_state": by_state,
        "totals": totals,
        "by_committee": by_committee,
        "by_platform": by_platform,
        "session_total": sum(r["n"] for r in by_level_form),
    }


def figure_rows(
    committee_ids: Iterable[int],
    figure: str,
    *,
    year: int | None = None,
    platform_id: int | None = None,
    today: date | None = None,
    **narrow: str,
) -> QuerySet[Any]:
    """The rows behind one figure of ``figures``: sessions, attendances, participants or outcomes.

    ``narrow``: ``level``, ``form`` (of the sessions), ``kind`` (participants), ``state`` (outcomes); empty values
    are ignored. An unknown figure has no rows.
    """
    today = today or timezone.localdate()
    sessions, outcomes = figure_scope(committee_ids, year=year, platform_id=platform_id)
    sessions = sessions.filter(**{k: narrow[k] for k in ("level", "form") if narrow.get(k)})
    if figure == "sessions":
        return sessions.select_related("committee", "platform").order_by("-starts_at", "-pk")
    if figure == "present":
        return (
            Attendance.objects.filter(session__in=sessions, status="present")
            .select_related("member", "session")
            .order_by("-session__starts_at", "member__name", "pk")
        )
    if figure == "participants":
        people = Participant.objects.filter(session__in=sessions).select_related("session", "unit")
        if narrow.get("kind"):
            people = people.filter(kind=narrow["kind"])
        return people.order_by("-session__starts_at", "pk")
    if figure in OUTCOME_FIGURES:
        counted = outcomes.filter(outcome_figure_q(figure, today))
        if narrow.get("state"):
            counted = counted.filter(state=narrow["state"])
        return counted.select_related("unit", "session").order_by("-session__starts_at", "-pk")
    return Outcome.objects.none()


def proposal_draft(outcome: Outcome) -> dict[str, Any]:
    """The pre-filled fields of a proposal drawn from an outcome (the proposals app takes it after the merge)."""
    session = outcome.session
    case = (
        f"{session.display_form}“{session.title}”（{timezone.localtime(session.starts_at):%Y-%m-%d}，{session.place}）"
    )
    return {
        "title": f"关于{outcome.title}的提案",
        "case": f"{case}形成协商成果：{outcome.content}",
        "suggestions": outcome.content,
        "suggested_unit": outcome.unit_id,
        "source": {"kind": "consultation_outcome", "id": outcome.pk},
    }
