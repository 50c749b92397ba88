"""The duty events of ``sources.duty_events`` as one SQL relation, for the set-based roll-up.

``event_sql(committee, start, end)`` returns ``(sql, params)`` of a ``UNION ALL`` of ORM querysets,
one per kind of fact, each selecting the same seven columns:

    m  member id        k  event kind        d  date (local day)       q  quantity
    a  authors          s  source rank       p  source pk

It mirrors ``sources.py`` row for row (``tests/assessments/test_event_sql.py`` checks the two give the
same events on the same records); the duty-record page keeps using ``sources.duty_events``, which
also carries titles and roles for display. ``s`` numbers the source labels in their string order and
``p`` is the source record's pk, so ordering by (d, s, p, kind) is the scoring engine's event order.

``values_sql(rows)`` turns (member id, ``DutyEvent``) pairs into the same relation, for tests and
benchmarks that price made-up events.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, CharField, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from .kinds import EventKind as K
from .scoring import DutyEvent
from .sources import ACTIVITY_KINDS, ADOPTED, INSTRUCTED, SOURCE_PAGES

COLUMNS = ("m", "k", "d", "q", "a", "s", "p")
SOURCE_LABELS = sorted({*SOURCE_PAGES, "groups.plenarysession"})
SOURCE_RANK = {label: rank for rank, label in enumerate(SOURCE_LABELS, start=1)}


def _int(value) -> Value:
    return Value(value, output_field=IntegerField())


def _kind(value: str) -> Value:
    return Value(str(value), output_field=CharField())


def _cases(field: str, mapping: dict[str, str], default: str | None = None):
    return Case(*[When(**{field: key}, then=_kind(kind)) for key, kind in mapping.items()],
                default=_kind(default) if default else None, output_field=CharField())


def _rows(queryset, *, m, k, d, q=1, a=1, label, p):
    """One branch of the union: the seven columns, in order, without the model's ordering."""
    return (queryset.annotate(ev_m=m, ev_k=k, ev_d=d, ev_q=_int(q) if isinstance(q, int) else q,
                              ev_a=_int(a) if isinstance(a, int) else a, ev_s=_int(SOURCE_RANK[label]), ev_p=p)
            .order_by().values_list("ev_m", "ev_k", "ev_d", "ev_q", "ev_a", "ev_s", "ev_p"))


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in local time: a sargable range for datetime columns."""
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time(0), tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz))


def _during(field: str, start: date, end: date) -> Q:
    low, high = _moments(start, end)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def _activities(committee_id, start, end):
    from groups.models import Activity, Attendance

    rows = Attendance.objects.filter(
        _during("activity__starts_at", start, end), member__committee_id=committee_id,
        activity__state__in=(Activity.State.HELD, Activity.State.FILED),
        status__in=(Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT))
    kind = Case(When(status=Attendance.Status.EXCUSED, then=_kind(K.ACTIVITY_EXCUSED)),
                When(status=Attendance.Status.ABSENT, then=_kind(K.ACTIVITY_ABSENT)),
                *[When(activity__kind=key, then=_kind(value)) for key, value in ACTIVITY_KINDS.items()],
                default=_kind(K.ACTIVITY_PRESENT), output_field=CharField())
    return [_rows(rows, m=F("member_id"), k=kind, d=TruncDate("activity__starts_at"), label="groups.activity",
                  p=F("activity_id"))]


def _proposals(committee_id, start, end):
    from core.models import AuditEvent
    from proposals.models import CoSigner, Proposal

    confirmed = CoSigner.Status.CONFIRMED
    key_marked = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Proposal), verb="key_marked",
        object_id=Cast(OuterRef("ev_pk"), CharField())).order_by("-created_at").values("created_at")[:1]
    count = (CoSigner.objects.filter(proposal=OuterRef("ev_pk"), status=confirmed).order_by()
             .values("proposal").annotate(n=Count("pk")).values("n"))
    lo, hi = _moments(start, end)

    def dated(queryset, prefix):
        return queryset.annotate(
            ev_pk=F(f"{prefix}pk"), authors=Coalesce(Subquery(count), 0) + 1,
            submitted_on=TruncDate(f"{prefix}submitted_at"), filed_on=TruncDate(f"{prefix}filed_at"),
            key_on=Coalesce(TruncDate(Subquery(key_marked)), TruncDate(f"{prefix}filed_at")))

    leads = dated(Proposal.objects.filter(committee_id=committee_id, submitted_at__isnull=False,
                                          lead_proposer__isnull=False), "")
    cosigners = dated(CoSigner.objects.filter(status=confirmed, proposal__committee_id=committee_id,
                                              proposal__submitted_at__isnull=False), "proposal__")
    filed_lead = Case(When(authors=1, then=_kind(K.PROPOSAL_FILED_LEAD)), default=_kind(K.PROPOSAL_JOINT_FIRST),
                      output_field=CharField())
    branches = []
    for rows, member, prefix, filed_kind, key_kind in (
            (leads, F("lead_proposer_id"), "", filed_lead, _kind(K.PROPOSAL_KEY_LEAD)),
            (cosigners, F("member_id"), "proposal__", _kind(K.PROPOSAL_FILED_COSIGNER),
             _kind(K.PROPOSAL_KEY_COSIGNER))):
        common = {"m": member, "a": F("authors"), "label": "proposals.proposal", "p": F("ev_pk")}
        branches.append(_rows(rows.filter(**{f"{prefix}submitted_at__gte": lo, f"{prefix}submitted_at__lt": hi}),
                              k=_kind(K.PROPOSAL_SUBMITTED), d=F("submitted_on"), **common))
        branches.append(_rows(rows.filter(**{f"{prefix}filed_at__gte": lo, f"{prefix}filed_at__lt": hi}),
                              k=filed_kind, d=F("filed_on"), **common))
        branches.append(_rows(rows.filter(**{f"{prefix}is_key": True, "key_on__gte": start, "key_on__lte": end}),
                              k=key_kind, d=F("key_on"), **common))
    return branches


def _reports(committee_id, start, end):
    from proposals.models import Adoption, Instruction, OpinionReport

    Through = OpinionReport.co_authors.through
    co_n = (Through.objects.filter(opinionreport_id=OuterRef("ev_pk")).order_by().values("opinionreport_id")
            .annotate(n=Count("pk")).values("n"))
    reports = OpinionReport.objects.filter(committee_id=committee_id)
    declined = OpinionReport.State.DECLINED

    def branch(queryset, member, k, d, report=""):
        rows = queryset.annotate(ev_pk=F(f"{report}pk"))
        rows = rows.annotate(authors_raw=Coalesce(Subquery(co_n), 0) + _has_author(report), ev_member=member)
        return _rows(rows.filter(ev_member__isnull=False), m=F("ev_member"), k=k, d=d,
                     a=_at_least_one(F("authors_raw")), label="proposals.opinionreport", p=F("ev_pk"))

    branches = []
    for author in ("author_id", "co_authors"):  # the author, then one row per co-author
        branches.append(branch(reports.filter(_during("created_at", start, end)), F(author),
                               _kind(K.REPORT_SUBMITTED), TruncDate("created_at")))
        branches.append(branch(reports.filter(_during("updated_at", start, end), state=declined), F(author),
                               _kind(K.REPORT_NOT_ADOPTED), TruncDate("updated_at")))
        for model, levels in ((Adoption, ADOPTED), (Instruction, INSTRUCTED)):
            later = model.objects.filter(report__committee_id=committee_id, date__range=(start, end))
            branches.append(branch(later, F(f"report__{author}"), _cases("level", levels), F("date"),
                                   report="report__"))
    return branches


def _has_author(report_prefix: str):
    return Case(When(Q(**{f"{report_prefix}author__isnull": False}), then=_int(1)), default=_int(0),
                output_field=IntegerField())


def _at_least_one(expression):
    return Case(When(Q(authors_raw__lt=1), then=_int(1)), default=expression, output_field=IntegerField())


def _consultations(committee_id, start, end):
    from consultations.models import Attendance, ConsultationSession

    rows = Attendance.objects.filter(_during("session__starts_at", start, end), member__committee_id=committee_id,
                                     status=Attendance.Status.PRESENT, session__state=ConsultationSession.State.HELD)
    return [_rows(rows, m=F("member_id"), k=_kind(K.CONSULTATION_PRESENT), d=TruncDate("session__starts_at"),
                  label="consultations.consultationsession", p=F("session_id"))]


SOURCES = [_activities, _proposals, _reports, _consultations]


def event_sql(committee, start: date, end: date) -> tuple[str, tuple]:
    """The committee's duty events dated start..end (inclusive) as ``(sql, params)``."""
    committee_id = getattr(committee, "pk", committee)
    branches = [branch for source in SOURCES for branch in source(committee_id, start, end)]
    union = branches[0].union(*branches[1:], all=True)
    return union.query.sql_with_params()


def values_sql(rows: Iterable[tuple[int, DutyEvent]]) -> tuple[str, tuple]:
    """Made-up events as the same relation (a ``VALUES`` list; an empty one selects nothing)."""
    rows = list(rows)
    labels = sorted({(e.source or ("", 0))[0] for _m, e in rows})
    rank = {label: i for i, label in enumerate(labels, start=1)}
    adapt = connection.ops.adapt_datefield_value
    if not rows:
        return ("SELECT CAST(NULL AS integer), CAST(NULL AS varchar(30)), CAST(NULL AS date), CAST(NULL AS integer),"
                " CAST(NULL AS integer), CAST(NULL AS integer), CAST(NULL AS integer) WHERE 1 = 0", ())
    params = []
    for member_id, e in rows:
        if e.quantity != int(e.quantity):
            raise ValueError("the SQL roll-up prices whole quantities (half-days, occurrences)")
        label, pk = e.source or ("", 0)
        params += [member_id, str(e.kind), adapt(e.on), int(e.quantity), e.authors, rank[label], pk]
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    if connection.vendor == "postgresql":  # the first row types the columns
        one_first = "(%s, CAST(%s AS varchar), CAST(%s AS date), %s, %s, %s, %s)"
    else:
        one_first = one
    return "VALUES " + ", ".join([one_first] + [one] * (len(rows) - 1)), tuple(params)
