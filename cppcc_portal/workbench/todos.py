"""Today's to-dos of the secretariat: each a queryset of the staff's committees, counted in the database.

The workbench shows the count of each (or the count kept as data of the same rows: ``Todo.count``); its drill-down
list (``workbench:todo``) pages through the *same* queryset, so the number on the card is the number of rows behind
it. Every count in one statement, whatever the data (``counts``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Attendance, PublicMessage
from activities.selectors.activities import Period, committee_covered, is_covered
from activities.services import mailbox as mailbox_services
from assessments.models import RollupRun
from consultations.models import Outcome
from core.ordinals import quarter_label
from groups.access import scope_of
from groups.models import Committee, Member, MemberTally
from proposals.models import Assignment, DeadlineTally, Holiday, Proposal

S = Proposal.State
NEAR_DAYS = 7  # "near deadline": a reply due within a week


def staff_committee_ids(user) -> list[int]:
    """The committees whose to-dos the user sees: those they are staff of (a city's staff: its districts too)."""
    scope = scope_of(user)
    if scope.is_superuser:
        return list(Committee.objects.order_by("pk").values_list("pk", flat=True))
    return sorted(scope.staff_committee_ids)


@dataclass(frozen=True)
class Row:
    title: str
    detail: str
    committee: str
    url: str


@dataclass(frozen=True, eq=False)  # each to-do is itself (a key of ``_count_statement``'s cache), not its fields
class Todo:
    slug: str
    label: str
    hint: str
    query: Callable[[list[int], date], QuerySet]
    row: Callable[[object], Row]
    tool: str = ""  # the portal page or admin list where staff act on these rows
    tool_label: str = ""
    # the count of ``query``'s rows from a count kept as data, when there is one: a query of one row and one value,
    # equal to ``query``'s ``count()`` (which the tests check); None counts the queryset
    count: Callable[[list[int], date], QuerySet] | None = None

    def count_sql(self, ids: list[int], today: date) -> tuple[str, tuple]:
        """A scalar subquery of how many rows ``query`` lists, as (SQL, parameters): ``counts`` sends them at once."""
        if self.count is not None:
            sql, params = _compiled(self.count(ids, today))
            return f"({sql})", params
        # a constant, not the key: COUNT(*) reads what its index holds (an index-only scan; the to-file and
        # leave indexes do not hold the row's id)
        sql, params = _compiled(self.query(ids, today).order_by().values(counted=Value(1)))
        alias = self.slug.replace("-", "_")  # a constant of TODOS; the values are the parameters
        return f"(SELECT COUNT(*) FROM ({sql}) AS {alias})", params  # noqa: S608 (the ORM's SQL, parameters apart)

    def count_of(self, ids: list[int], today: date) -> int:
        """How many rows ``query`` lists (one query)."""
        return counted([self], ids, today)[0]


def _compiled(qs: QuerySet) -> tuple[str, tuple]:
    return qs.query.get_compiler(using=qs.db).as_sql()


def counted(items, ids: list[int], today: date) -> list[int]:
    """The count of each to-do of ``items``, in one statement: a scalar subquery each (#22: thirteen COUNT
    statements, each built by the ORM and sent on its own, were a fifth of the workbench at 50,000 members)."""
    sql, params = _count_statement(tuple(items), tuple(ids), today)
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return [int(n or 0) for n in cursor.fetchone()]


@lru_cache(maxsize=64)
def _count_statement(items: tuple[Todo, ...], ids: tuple[int, ...], today: date) -> tuple[str, tuple]:
    """``counted``'s statement, built once per to-dos, committees and day: its SQL and parameters follow from them
    alone (the querysets read no rows to be built). The thirteen querysets built and compiled again on every
    request were 6-15 ms of the workbench's Python at 50k (#22)."""
    parts: list[str] = []
    params: list = []
    for item in items:
        try:
            sql, args = item.count_sql(list(ids), today)
        except EmptyResultSet:  # no committee: nothing to count
            sql, args = "0", ()
        parts.append(sql)
        params.extend(args)
    return "SELECT " + ", ".join(parts), tuple(params)


def _day(value) -> str:
    return (
        date_format(timezone.localtime(value).date() if hasattr(value, "tzinfo") else value, "SHORT_DATE_FORMAT")
        if value
        else ""
    )


def _proposal_row(p: Proposal, extra: str = "") -> Row:
    return Row(
        p.title,
        " · ".join(x for x in (p.number_display, p.lead_proposer.name if p.lead_proposer_id else "", extra) if x),
        p.committee.name,
        reverse("proposals:detail", args=[p.pk]),
    )


def _proposals(qs: QuerySet) -> QuerySet:
    return qs.select_related("committee", "lead_proposer")


def review_queue(ids, today):
    return _proposals(
        Proposal.objects.filter(committee_id__in=ids, state__in=Proposal.REVIEW_STATES).order_by("submitted_at", "pk")
    )


def replies_due(ids, today):
    return _proposals(
        Proposal.objects.filter(
            committee_id__in=ids, state__in=Proposal.HANDLING_STATES, reply_due__lte=today + timedelta(days=NEAR_DAYS)
        ).order_by("reply_due", "pk")
    )


def returns(ids, today):
    returned = Assignment.objects.filter(
        proposal=OuterRef("pk"), is_active=False, reassignment_requested_at__isnull=False
    )
    return _proposals(
        Proposal.objects.filter(committee_id__in=ids, state=S.FILED).filter(Exists(returned)).order_by("pk")
    )


def awaiting_rating(ids, today):
    return _proposals(
        Proposal.objects.filter(committee_id__in=ids, state=S.REPLIED).order_by(
            F("feedback_due").asc(nulls_last=True), "pk"
        )
    )


def leave_requests(ids, today):
    return (
        Attendance.objects.filter(
            activity__committee_id__in=ids,
            leave=Attendance.Leave.REQUESTED,
            activity__state__in=(Activity.State.PLANNED, Activity.State.ANNOUNCED),
        )
        .select_related("member", "activity", "activity__committee")
        .order_by("activity__starts_at", "pk")
    )


def unfiled_activities(ids, today):
    """Activities of this quarter and the last held and not filed, or filed without evidence: the ones whose filing
    the quarter's roll-up is waiting for (older ones are the ledger's, not today's work; all years of a city's
    ledger are hundreds of thousands of rows to count). Counted from the index ``activity_to_file`` alone, which
    holds these and no other (``has_evidence``: kept by the database from the evidence rows)."""
    return (
        Activity.objects.filter(
            committee_id__in=ids,
            starts_at__gte=Period.of(today).previous.bounds[0],
            state__in=(Activity.State.HELD, Activity.State.FILED),
        )
        .filter(Q(state=Activity.State.HELD) | Q(state=Activity.State.FILED, has_evidence=False))
        .select_related("committee", "group")
        .order_by("starts_at", "pk")
    )


def uncovered_members(ids, today):
    """The staff's members not covered this quarter, by the coverage page's rule (``is_covered``: 三进 attendance, and
    contacts at a contact point where the committee's rule counts them); correlated on each of their own members."""
    return (
        Member.objects.filter(committee_id__in=ids, status=Member.Status.ACTIVE)
        .exclude(is_covered(Period.of(today)))
        .select_related("committee", "sector")
        .order_by("committee_id", "name", "pk")
    )


def uncovered_count(ids, today) -> QuerySet:
    """How many ``uncovered_members`` there are: the kept members in office (``MemberTally``) less the kept covered
    count of the quarter (``committee_covered``), over a few count rows instead of each member. One row, one value
    (grouped by a constant: no GROUP BY, so one row even for no committee row). An empty ``ids`` compiles to
    nothing (``EmptyResultSet``): ``counted`` writes 0 for it, a direct reader gets no row."""
    covered = (
        committee_covered(ids, Period.of(today)).order_by().values("year").annotate(n=Sum("covered")).values("n")[:1]
    )
    return (
        MemberTally.objects.filter(committee_id__in=ids)
        .annotate(whole=Value(1))
        .values("whole")
        .annotate(n=Coalesce(Sum("in_office"), 0) - Coalesce(Subquery(covered, output_field=IntegerField()), 0))
        .values("n")
    )


def stale_rollups(ids, today):
    newer = RollupRun.objects.filter(
        committee_id=OuterRef("committee_id"), year=OuterRef("year"), quarter=OuterRef("quarter"), pk__gt=OuterRef("pk")
    )
    return (
        RollupRun.objects.filter(committee_id__in=ids)
        .filter(Q(is_stale=True) | Q(status=RollupRun.Status.FAILED))
        .exclude(Exists(newer))
        .select_related("committee")
        .order_by("-year", "-quarter", "committee_id")
    )


def overdue_outcomes(ids, today):
    return (
        Outcome.objects.filter(committee_id__in=ids)
        .overdue(today)
        .select_related("committee", "unit")
        .order_by("deadline", "pk")
    )


def calendar_gaps(ids, today):
    """(committee, year) of the deadlines of open assignments in a year whose national calendar the committee has
    not loaded: working-day deadlines there count weekends only (the check of ``proposals.holidays``, which warns
    on the assignment form). Read from the open deadlines kept per committee and year (``DeadlineTally``, equal to
    ``proposals.deadlines_tally.open_deadlines``; #22: the active assignments were scanned whole, 73–142 ms at 50k)."""
    official = Holiday.objects.filter(
        committee_id=OuterRef("committee_id"), source=Holiday.Source.OFFICIAL, date__year=OuterRef("year")
    )
    name = Committee.objects.filter(pk=OuterRef("committee_id")).values("name")[:1]
    return (
        DeadlineTally.objects.filter(committee_id__in=ids)
        .exclude(Exists(official))
        .annotate(committee_name=Subquery(name))
        .values("committee_id", "committee_name", "year")
        .order_by("committee_id", "year")
    )


def unanswered_messages(ids, today):
    """Residents' messages past their answer day and not answered (委员信箱): the new ones first."""
    return (
        PublicMessage.objects.overdue(today)
        .filter(committee_id__in=ids)
        .select_related("committee", "routed_member", "routed_group")
        .order_by("state", "answer_due", "pk")
    )


def dissatisfied_messages(ids, today):
    """Residents' messages rated 不满意 and not answered again since (群众评价): the oldest rating first."""
    return (
        mailbox_services.dissatisfied_messages()
        .filter(committee_id__in=ids)
        .select_related("committee", "routed_member", "routed_group", "rating")
        .order_by("rating__created_at", "pk")
    )


def dissatisfied_outcome_messages(ids, today):
    """Residents dissatisfied with the consultation outcome their message became, not answered again since."""
    from consultations.services import dissatisfied_outcome_messages as dissatisfied

    return (
        dissatisfied()
        .filter(committee_id__in=ids)
        .select_related("committee", "routed_member", "routed_group", "outcome_rating")
        .order_by("outcome_rating__created_at", "pk")
    )


def _outcome_rated_row(m: PublicMessage) -> Row:
    return Row(
        f"{m.tracking_display} · {m.get_category_display()}",
        " · ".join((str(m.outcome_rating.get_rating_display()), _day(m.outcome_rating.created_at))),
        m.committee.name,
        reverse("activities:message_detail", args=[m.pk]),
    )


def _rated_row(m: PublicMessage) -> Row:
    who = m.routed_member.name if m.routed_member_id else (m.routed_group.name if m.routed_group_id else "")
    return Row(
        f"{m.tracking_display} · {m.get_category_display()}",
        " · ".join(x for x in (str(m.rating.get_rating_display()), who, _day(m.rating.created_at)) if x),
        m.committee.name,
        reverse("activities:message_detail", args=[m.pk]),
    )


def _message_row(m: PublicMessage) -> Row:
    who = m.routed_member.name if m.routed_member_id else (m.routed_group.name if m.routed_group_id else "")
    return Row(
        f"{m.tracking_display} · {m.get_category_display()}",
        " · ".join(x for x in (str(m.get_state_display()), who, str(_("due %(d)s") % {"d": _day(m.answer_due)})) if x),
        m.committee.name,
        reverse("activities:message_detail", args=[m.pk]),
    )


def _gap_row(r: dict) -> Row:
    url = reverse("admin:proposals_holiday_changelist") + f"?committee__id__exact={r['committee_id']}"
    return Row(
        _("%(year)s: no national holiday calendar loaded") % {"year": r["year"]},
        "",
        r["committee_name"],
        url,
    )


TODOS: tuple[Todo, ...] = (
    Todo(
        "review",
        _("Proposals awaiting review"),
        _("submitted, not yet filed or refused"),
        review_queue,
        lambda p: _proposal_row(p, _day(p.submitted_at)),
        "proposals:review",
        _("Review queue"),
    ),
    Todo(
        "replies-due",
        _("Replies overdue or due within a week"),
        _("assigned proposals by their reply deadline"),
        replies_due,
        lambda p: _proposal_row(p, str(_("reply due %(d)s") % {"d": _day(p.reply_due)})),
        "proposals:overdue",
        _("Overdue replies"),
    ),
    Todo(
        "returns",
        _("Returns awaiting reassignment"),
        _("a unit returned the proposal; assign it again"),
        returns,
        _proposal_row,
        "admin:proposals_proposal_changelist",
        _("Proposals in the admin"),
    ),
    Todo(
        "awaiting-rating",
        _("Replies awaiting the proposer's rating"),
        _("replied, not yet rated"),
        awaiting_rating,
        lambda p: _proposal_row(p, str(_("rate by %(d)s") % {"d": _day(p.feedback_due)}) if p.feedback_due else ""),
        "proposals:list",
        _("Proposal list"),
    ),
    Todo(
        "leave",
        _("Leave requests waiting"),
        _("asked before an activity, not yet decided"),
        leave_requests,
        lambda a: Row(
            a.member.name,
            f"{a.activity.title} · {_day(a.activity.starts_at)}",
            a.activity.committee.name,
            reverse("activities:activity_detail", args=[a.activity_id]),
        ),
        "activities:ledger",
        _("Activity ledger"),
    ),
    Todo(
        "unfiled",
        _("Activities held but not filed, or without evidence"),
        _("this quarter and the last: the ledger needs them filed with photos and minutes"),
        unfiled_activities,
        lambda a: Row(
            a.title,
            " · ".join(
                x for x in (str(a.get_state_display()), _day(a.starts_at), a.group.name if a.group_id else "") if x
            ),
            a.committee.name,
            reverse("activities:activity_detail", args=[a.pk]),
        ),
        "activities:ledger",
        _("Activity ledger"),
    ),
    Todo(
        "uncovered",
        _("Members not covered this quarter"),
        _(
            "full coverage: every member at least once (a three-enters activity, or a contact at a contact point "
            "where the committee counts it)"
        ),
        uncovered_members,
        lambda m: Row(m.name, m.sector.name, m.committee.name, reverse("assessments:member_record", args=[m.pk])),
        "activities:coverage",
        _("Coverage"),
        count=uncovered_count,
    ),
    Todo(
        "rollups",
        _("Roll-ups stale or failed"),
        _("run the quarter again"),
        stale_rollups,
        lambda r: Row(
            f"{r.year} {quarter_label(r.quarter)}",
            str(r.get_status_display()) + (" · " + str(_("stale")) if r.is_stale else ""),
            r.committee.name,
            reverse("admin:assessments_rolluprun_change", args=[r.pk]),
        ),
        "admin:assessments_rolluprun_changelist",
        _("Roll-up runs"),
    ),
    Todo(
        "outcomes",
        _("Consultation outcomes overdue"),
        _("handed to a unit, no reply by the deadline"),
        overdue_outcomes,
        lambda o: Row(
            o.title,
            " · ".join(
                x for x in (o.unit.name if o.unit_id else "", str(_("due %(d)s") % {"d": _day(o.deadline)})) if x
            ),
            o.committee.name,
            reverse("consultations:outcome", args=[o.pk]),
        ),
        "consultations:outcomes",
        _("Consultation outcomes"),
    ),
    Todo(
        "messages",
        _("Residents' messages not answered in time"),
        _("passed on or waiting to be passed on, past the answer day"),
        unanswered_messages,
        _message_row,
        "activities:messages",
        _("Residents' messages"),
    ),
    Todo(
        "dissatisfied",
        _("Residents dissatisfied with the answer"),
        _("rated unsatisfied; answer the resident again on the message's page"),
        dissatisfied_messages,
        _rated_row,
        "activities:message_ratings",
        _("Residents' ratings"),
    ),
    Todo(
        "outcome-dissatisfied",
        _("Residents dissatisfied with a consultation outcome"),
        _("rated unsatisfied on the tracking page; answer the resident again on the message's page"),
        dissatisfied_outcome_messages,
        _outcome_rated_row,
        "activities:message_ratings",
        _("Residents' ratings"),
    ),
    Todo(
        "calendar",
        _("Years with deadlines but no holiday calendar"),
        _("working-day deadlines there skip weekends only"),
        calendar_gaps,
        _gap_row,
        "admin:proposals_holiday_changelist",
        _("Holiday calendar"),
    ),
)
BY_SLUG = {t.slug: t for t in TODOS}
TOOL_QUERY = {
    "consultations:outcomes": "?overdue=1",
    "proposals:list": "?state=replied",
    "activities:messages": "?state=overdue",
}


def counts(user, today: date | None = None) -> list[tuple[Todo, int]]:
    """Each to-do with its count (one statement for all)."""
    today = today or timezone.localdate()
    ids = staff_committee_ids(user)
    return list(zip(TODOS, counted(TODOS, ids, today), strict=True))
