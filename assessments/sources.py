"""Where duty events come from: the one door between the source records and the scoring engine.

Every kind of fact is one ORM queryset (a *branch*) annotated with the same event columns:

    m  member id     k  event kind        d  day (local)     q  quantity     a  authors
    s  source rank   p  source pk         t  title           r  role (lead, first author, co-signer)

``duty_events(committee, start, end, member_ids=)`` runs the union of the branches as one query and
gives ``DutyEvent`` objects (the duty-record page, the PDF and the API). ``event_sql(...)`` gives
the same union as SQL for the set-based roll-up (``rollup.py``), either one row per event or
counted per member and kind. ``s`` numbers the source labels in their string order and ``p`` is
the source's pk, so ordering by (d, s, p, k) is the scoring engine's event order.

The branches:

- activity attendance (``activities.Attendance`` of activities held or filed): one event per member and
  activity — ``activity_<type>`` when present (``activity_three_enters`` for 三进 activities),
  ``activity_excused`` or ``activity_absent`` otherwise (an attendance not recorded yet is left
  out); dated on the activity's day; source ``("groups.activity", pk)``.
- plenary attendance (``plenary.PlenaryAttendance``, one row per member and session with three
  half-day counts): per row up to three events, ``plenary_present``, ``plenary_excused`` and
  ``plenary_absent``, each only when its count is above 0, with ``quantity`` = that count of
  half-days; dated on the session's start date (the session must start within the period); source
  ``("groups.plenarysession", pk)`` (no page: the duty record shows it without a link).
- proposals: ``proposal_submitted`` for the lead proposer and every confirmed co-signer on the
  submission date; on the filing date (立案) ``proposal_filed_lead`` (no co-signer),
  ``proposal_joint_first`` (lead of a joint proposal) or ``proposal_filed_cosigner``, with
  ``authors`` = lead + confirmed co-signers (``Proposal.confirmed_cosigners``, a count the database
  keeps: no count per event row); the key-proposal bonus on the day it was marked key
  (the audit trail's ``key_marked``, else the filing date); the excellent-proposal bonus 优秀提案
  (``proposal_excellent_lead`` for the lead proposer, ``proposal_excellent_cosigner`` for each
  confirmed co-signer) on the local day of ``excellent_marked_at`` while ``is_excellent`` holds.
  Source ``("proposals.proposal", pk)``.
- public-opinion reports (author and confirmed co-authors: ``OpinionReport.co_authors`` holds only those
  who confirmed their invitation): ``report_submitted`` dated on submission, once the report is accepted
  (accepted or compiled: a submitted, declined or draft report scores no submission, so junk reports do
  not meet the yearly minimum; accepting it makes the roll-ups from its submission quarter stale);
  ``report_adopted_<level>`` per adoption (its date); ``report_not_adopted`` when declined (the day
  it was declined: the audit trail's ``declined``; ``updated_at``, which every later save moves, only for a
  report declined before the trail); ``instruction_<level>`` per leader's 批示; authors = author + co-authors
  (at least 1). Source ``("proposals.opinionreport", pk)``.
- consultation sessions held: ``consultation_present`` per member present; source
  ``("consultations.consultationsession", pk)``. A session held as a group's activity
  (``ConsultationSession.activity``) is one meeting, counted once: a member whose attendance is recorded on
  that activity (present, excused or absent; the activity held or filed) gets the activity's event
  (``activity_consultation``, the activity's day and page) and no ``consultation_present`` for it, whatever the
  two days; a member only on the session's list gets ``consultation_present``. The activity counts because its
  attendance is the group's duty record (sign-in, leave, absence; 六个一 "举办一次协商活动") and the presets
  price activities (合肥, 桐城 and 闵行's minimum of 3 activities) where most do not price a consultation.
- contacts with the sector's people 联系群众 (``groups.ConstituentContact``): ``constituent_contact`` per
  contact recorded, dated on the day of contact; source ``("groups.constituentcontact", pk)`` (no page: the
  member's contact log lists them).
- sign-ups 申报 (``activities.Attendance.signed_up_at``: the member put themselves on an open activity's list):
  ``activity_signup`` for each member who signed up and was present at the activity held, besides the activity's
  own event (积极申报、对接、参与: a rule set may reward the member's own initiative); dated and sourced like
  that activity. A sign-up withdrawn or not followed by attendance scores nothing.
- platform work 履职平台工作: ``platform_work`` for each member present at an activity held at a duty
  platform (``Activity.platform``: a member studio, a consultation room or station, 界别同心汇), besides
  the activity's own event (the platform's activity "counts in members' annual assessment"); dated
  and sourced like that activity.

``values_sql(rows)`` turns made-up (member id, ``DutyEvent``) pairs into the same relation, for
tests and benchmarks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone

from core.dates import day_range, during
from groups.events import DutyRecordChanged
from groups.models import Committee
from proposals.verbs import ProposalVerb

from .kinds import EventKind as K
from .kinds import Role
from .scoring import DutyEvent

ACTIVITY_KINDS = {
    "study": K.ACTIVITY_STUDY,
    "inspection": K.ACTIVITY_INSPECTION,
    "research": K.ACTIVITY_RESEARCH,
    "consultation": K.ACTIVITY_CONSULTATION,
    "supervision": K.ACTIVITY_SUPERVISION,
    "service": K.ACTIVITY_SERVICE,
    "reception": K.ACTIVITY_RECEPTION,
    "visit": K.ACTIVITY_VISIT,
    "three_enters": K.ACTIVITY_THREE_ENTERS,
}
ADOPTED = {
    "national": K.REPORT_ADOPTED_NATIONAL,
    "provincial": K.REPORT_ADOPTED_PROVINCIAL,
    "city": K.REPORT_ADOPTED_CITY,
    "district": K.REPORT_ADOPTED_DISTRICT,
}
INSTRUCTED = {
    "national": K.INSTRUCTION_NATIONAL,
    "provincial": K.INSTRUCTION_PROVINCIAL,
    "city": K.INSTRUCTION_CITY,
    "district": K.INSTRUCTION_DISTRICT,
}

# The kinds the attendance yields (``_activities``' branches) and no other source does: the kinds kept counted
# (``AttendanceTally``).
ATTENDANCE_EVENT_KINDS = frozenset(
    str(k)
    for k in (
        *ACTIVITY_KINDS.values(),
        K.ACTIVITY_PRESENT,
        K.ACTIVITY_EXCUSED,
        K.ACTIVITY_ABSENT,
        K.PLATFORM_WORK,
        K.ACTIVITY_SIGNUP,
    )
)
COLUMNS = ("m", "k", "d", "q", "a", "s", "p")
DETAIL = ("t", "r")
# Where a line's source record is shown: model label -> URL name taking the record's pk. Each source
# app adds its detail page here when it lands (e.g. "proposals.proposal": "proposals:detail").
SOURCE_PAGES: dict[str, str] = {
    "groups.activitygroup": "groups:group_detail",
    "groups.activity": "activities:activity_detail",
    "proposals.proposal": "proposals:detail",
    "proposals.opinionreport": "proposals:report_detail",
    "consultations.consultationsession": "consultations:session",
}
SOURCE_LABELS = sorted({*SOURCE_PAGES, "groups.plenarysession", "groups.constituentcontact"})
SOURCE_RANK = {label: rank for rank, label in enumerate(SOURCE_LABELS, start=1)}


class LocalDate(TruncDate):
    """The local day of a datetime column (like ``TruncDate``), without a Python call per row on SQLite.

    Django's SQLite ``TruncDate`` calls a Python function for every row to convert the time zone:
    about 10 µs a row, most of the roll-up's time. Where the current zone keeps one UTC offset over
    the period (Asia/Shanghai has had +08:00 since 1991), SQLite's own ``date(col, '+480 minutes')``
    gives the same day; a zone with a daylight-saving change in the period falls back to ``TruncDate``.
    """

    def __init__(self, expression, *, period: tuple[date, date], **extra):
        self.period = period
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        minutes = fixed_offset_minutes(*self.period)
        if minutes is None:
            return super().as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{minutes:+d} minutes")


def fixed_offset_minutes(start: date, end: date) -> int | None:
    """The current zone's UTC offset in minutes if it is the same on every day from start to end."""
    tz = timezone.get_current_timezone()
    offsets = {
        datetime.combine(start + timedelta(days=n), time(12), tzinfo=tz).utcoffset()
        for n in range(0, (end - start).days + 2)
    }
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def _int(value) -> Value:
    return Value(value, output_field=IntegerField())


def _kind(value: str) -> Value:
    return Value(str(value), output_field=CharField())


def _cases(field: str, mapping: dict[str, str]):
    return Case(*[When(**{field: key}, then=_kind(kind)) for key, kind in mapping.items()], output_field=CharField())


@dataclass(frozen=True)
class Branch:
    """One branch of the union: a queryset annotated with the event columns, and the kinds it yields."""

    rows: object
    kinds: frozenset
    at: str | None  # the datetime column the event's day comes from (None: ``ev_d`` is a date column)
    bulk: bool = False  # the big source (attendance): the roll-up counts it without keeping its rows
    # The same rows without the check that the member belongs to the committee, for a caller that keeps
    # only the committee's members itself (``event_sql(members_checked=True)``): one lookup less per row.
    unchecked_rows: object = None
    rank: int = 0  # ``s``, the source label's rank (the same on every row of the branch)
    # The rows of only some kinds as a filter on the source's own columns, where ``ev_k`` is worked out from several
    # (the attendance: status and activity type): the same rows as ``ev_k__in``, but a test the planner can estimate
    # (it guesses a CASE's at a fraction of a percent, and plans a page of 三进 as if no row matched: 2 s at 50k).
    narrow: Callable[[set[str]], Q] | None = None
    # Counted together with the other branch of the same ``Pair`` when both are read (``event_sql(counts_from=…)``).
    pair: Pair | None = None


@dataclass(frozen=True)
class Pair:
    """Two branches over the same rows of one table that differ only in the period's column and the kind: counted,
    they are read in one scan (``event_sql``), each row yielding the event of each branch whose column falls in the
    period. ``rows``: the common rows, annotated with the branches' ``ev_m``, ``ev_q`` and ``ev_a``; ``first``: the
    branch's position (0 or 1); ``during``: its period's condition; ``kind``: its event kind."""

    name: str
    rows: object
    first: int
    during: Q
    kind: str


def _rows(queryset, *, m, k, d, q=1, a=1, label, p, t, r="", kinds, at=None, bulk=False) -> Branch:
    rows = queryset.annotate(
        ev_m=m,
        ev_k=k,
        ev_d=d,
        ev_q=_int(q) if isinstance(q, int) else q,
        ev_a=_int(a) if isinstance(a, int) else a,
        ev_s=_int(SOURCE_RANK[label]),
        ev_p=p,
        ev_t=t,
        ev_r=_kind(r) if isinstance(r, str) else r,
    )
    return Branch(rows.order_by(), frozenset(str(kind) for kind in kinds), at, bulk, rank=SOURCE_RANK[label])


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in local time: a sargable range for datetime columns."""
    return day_range(start, end)


def _during(field: str, start: date, end: date) -> Q:
    return during(field, start, end)


def _activities(committee_id, start, end):
    from activities.models import Activity, Attendance

    # Filtered by the activity's committee (index committee, starts_at; the services invite only the
    # organising committee's members, so it is the member's committee too): a committee's roll-up reads its
    # own activities' attendance through the (activity, member) key, never every committee's rows.
    unchecked = Attendance.objects.filter(
        _during("activity__starts_at", start, end),
        activity__committee_id=committee_id,
        activity__state__in=(Activity.State.HELD, Activity.State.FILED),
        status__in=(Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT),
    )
    rows = unchecked.filter(member__committee_id=committee_id)
    kind = attendance_kind()
    day = LocalDate("activity__starts_at", period=(start, end))
    at_platform = rows.filter(status=Attendance.Status.PRESENT, activity__platform__isnull=False)
    attended = _rows(
        unchecked,
        m=F("member_id"),
        k=kind,
        d=day,
        label="groups.activity",
        p=F("activity_id"),
        at="activity__starts_at",
        t=F("activity__title"),
        bulk=True,
        kinds={*ACTIVITY_KINDS.values(), K.ACTIVITY_PRESENT, K.ACTIVITY_EXCUSED, K.ACTIVITY_ABSENT},
    )
    return [
        replace(
            attended,
            rows=attended.rows.filter(member__committee_id=committee_id),
            unchecked_rows=attended.rows,
            narrow=_attendance_of_kinds,
        ),
        _rows(
            at_platform,
            m=F("member_id"),
            k=_kind(K.PLATFORM_WORK),
            d=day,
            label="groups.activity",
            p=F("activity_id"),
            at="activity__starts_at",
            t=Concat(F("activity__platform__name"), Value(" · "), F("activity__title"), output_field=CharField()),
            bulk=True,
            kinds={K.PLATFORM_WORK},
        ),
        _rows(
            rows.filter(status=Attendance.Status.PRESENT, signed_up_at__isnull=False),
            m=F("member_id"),
            k=_kind(K.ACTIVITY_SIGNUP),
            d=day,
            label="groups.activity",
            p=F("activity_id"),
            at="activity__starts_at",
            t=F("activity__title"),
            bulk=True,
            kinds={K.ACTIVITY_SIGNUP},
        ),
    ]


def attendance_kind() -> Case:
    """The main event kind of an attendance row (present, excused or absent): excused, absent, else the activity's
    type when present (``activity_present`` for a type without its own kind)."""
    from activities.models import Attendance

    return Case(
        When(status=Attendance.Status.EXCUSED, then=_kind(K.ACTIVITY_EXCUSED)),
        When(status=Attendance.Status.ABSENT, then=_kind(K.ACTIVITY_ABSENT)),
        *[When(activity__kind=key, then=_kind(value)) for key, value in ACTIVITY_KINDS.items()],
        default=_kind(K.ACTIVITY_PRESENT),
        output_field=CharField(),
    )


def _attendance_of_kinds(wanted: set[str]) -> Q:
    """The attendance rows whose event (``_activities``' kind: excused, absent, else the activity's type when present)
    is one of ``wanted``, by status and activity type."""
    from activities.models import Attendance

    status = Attendance.Status
    either = [
        Q(status=s)
        for s, kind in ((status.EXCUSED, K.ACTIVITY_EXCUSED), (status.ABSENT, K.ACTIVITY_ABSENT))
        if str(kind) in wanted
    ]
    types = [key for key, kind in ACTIVITY_KINDS.items() if str(kind) in wanted]
    others = [key for key, kind in ACTIVITY_KINDS.items() if str(kind) not in wanted]
    if str(K.ACTIVITY_PRESENT) in wanted:  # the other types (the CASE's default), and the wanted ones
        either.append(Q(status=status.PRESENT) & ~Q(activity__kind__in=others) if others else Q(status=status.PRESENT))
    elif types:
        either.append(Q(status=status.PRESENT, activity__kind__in=types))
    return reduce(operator.or_, either, Q(pk__in=[]))


PLENARY_KINDS = {"present": K.PLENARY_PRESENT, "excused": K.PLENARY_EXCUSED, "absent": K.PLENARY_ABSENT}
PLENARY_EVENT_KINDS = frozenset(str(kind) for kind in PLENARY_KINDS.values())  # their quantity is half-days


def _plenary(committee_id, start, end):
    from plenary.models import PlenaryAttendance

    rows = PlenaryAttendance.objects.filter(member__committee_id=committee_id, session__start_date__range=(start, end))
    # the title is made in Python (``TITLES``) from "term|number": it is a translated phrase
    title = Concat(
        Cast("session__term__number", CharField()),
        Value("|"),
        Cast("session__number", CharField()),
        output_field=CharField(),
    )
    return [
        _rows(
            rows.filter(**{f"{field}__gt": 0}),
            m=F("member_id"),
            k=_kind(kind),
            d=F("session__start_date"),
            q=F(field),
            label="groups.plenarysession",
            p=F("session_id"),
            t=title,
            kinds={kind},
        )
        for field, kind in PLENARY_KINDS.items()
    ]


def _plenary_title(raw: str) -> str:
    from django.utils.translation import gettext

    from core.ordinals import session_label

    term, number = raw.split("|")
    return gettext("%(session)s plenary session") % {"session": session_label(int(term), int(number))}


TITLES = {"groups.plenarysession": _plenary_title}


def _proposals(committee_id, start, end):
    from core.models import AuditEvent
    from proposals.models import CoSigner, Proposal

    confirmed = CoSigner.Status.CONFIRMED
    key_marked = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Proposal),
            verb=ProposalVerb.KEY_MARKED,
            object_id=Cast(OuterRef("ev_pk"), CharField()),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    lo, hi = _moments(start, end)

    def day(expression):
        return LocalDate(expression, period=(start, end))

    def dated(queryset, prefix):
        return queryset.annotate(
            ev_pk=F(f"{prefix}pk"),
            authors=F(f"{prefix}confirmed_cosigners") + 1,
            submitted_on=day(f"{prefix}submitted_at"),
            filed_on=day(f"{prefix}filed_at"),
            key_on=Coalesce(day(Subquery(key_marked)), day(f"{prefix}filed_at")),
        )

    leads = dated(
        Proposal.objects.filter(committee_id=committee_id, submitted_at__isnull=False, lead_proposer__isnull=False), ""
    )
    cosigners = dated(
        CoSigner.objects.filter(
            status=confirmed, proposal__committee_id=committee_id, proposal__submitted_at__isnull=False
        ),
        "proposal__",
    )
    lead_role = Case(When(authors=1, then=_kind(Role.LEAD)), default=_kind(Role.FIRST_AUTHOR), output_field=CharField())
    filed_lead = Case(
        When(authors=1, then=_kind(K.PROPOSAL_FILED_LEAD)),
        default=_kind(K.PROPOSAL_JOINT_FIRST),
        output_field=CharField(),
    )
    branches = []
    for rows, member, prefix, filed_kind, key_kind in (
        (leads, F("lead_proposer_id"), "", filed_lead, _kind(K.PROPOSAL_KEY_LEAD)),
        (cosigners, F("member_id"), "proposal__", _kind(K.PROPOSAL_FILED_COSIGNER), _kind(K.PROPOSAL_KEY_COSIGNER)),
    ):
        lead = not prefix
        submitted_during = Q(**{f"{prefix}submitted_at__gte": lo, f"{prefix}submitted_at__lt": hi})
        filed_during = Q(**{f"{prefix}filed_at__gte": lo, f"{prefix}filed_at__lt": hi})
        common = {
            "m": member,
            "a": F("authors"),
            "label": "proposals.proposal",
            "p": F("ev_pk"),
            "t": F(f"{prefix}title"),
            "r": lead_role if lead else Role.CO_SIGNER,
        }
        submitted = _rows(
            rows.filter(submitted_during),
            k=_kind(K.PROPOSAL_SUBMITTED),
            d=F("submitted_on"),
            at=f"{prefix}submitted_at",
            kinds={K.PROPOSAL_SUBMITTED},
            **common,
        )
        filed = _rows(
            rows.filter(filed_during),
            k=filed_kind,
            d=F("filed_on"),
            at=f"{prefix}filed_at",
            **common,
            kinds={K.PROPOSAL_FILED_LEAD, K.PROPOSAL_JOINT_FIRST} if lead else {K.PROPOSAL_FILED_COSIGNER},
        )
        if not lead:  # the co-signers' submitted and filed events, counted, come from one scan of the co-signers
            both = _rows(rows, k=_kind(""), d=F("submitted_on"), kinds=(), **common).rows
            submitted = replace(submitted, pair=Pair("cosigners", both, 0, submitted_during, K.PROPOSAL_SUBMITTED))
            filed = replace(filed, pair=Pair("cosigners", both, 1, filed_during, K.PROPOSAL_FILED_COSIGNER))
        branches += [submitted, filed]
        branches.append(
            _rows(
                rows.filter(**{f"{prefix}is_key": True, "key_on__gte": start, "key_on__lte": end}),
                k=key_kind,
                d=F("key_on"),
                **common,
                kinds={K.PROPOSAL_KEY_LEAD if lead else K.PROPOSAL_KEY_COSIGNER},
            )
        )
        excellent = K.PROPOSAL_EXCELLENT_LEAD if lead else K.PROPOSAL_EXCELLENT_COSIGNER
        branches.append(
            _rows(
                rows.filter(
                    **{
                        f"{prefix}is_excellent": True,
                        f"{prefix}excellent_marked_at__gte": lo,
                        f"{prefix}excellent_marked_at__lt": hi,
                    }
                ),
                k=_kind(excellent),
                d=day(f"{prefix}excellent_marked_at"),
                at=f"{prefix}excellent_marked_at",
                kinds={excellent},
                **common,
            )
        )
    return branches


def _reports(committee_id, start, end):
    from core.models import AuditEvent
    from proposals.models import Adoption, Instruction, OpinionReport

    Through = OpinionReport.co_authors.through
    co_n = (
        Through.objects.filter(opinionreport_id=OuterRef("ev_pk"))
        .order_by()
        .values("opinionreport_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reports = OpinionReport.objects.filter(committee_id=committee_id)
    declined = OpinionReport.State.DECLINED
    # Dated on the day it was declined, as the audit trail says (``updated_at`` moves on every later save, e.g. an
    # admin edit, and would move the fact to another quarter or year); a report declined before the trail: updated_at.
    declined_at = (
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(OpinionReport),
            verb=ProposalVerb.DECLINED,
            object_id=Cast(OuterRef("pk"), CharField()),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    declined_rows = (
        reports.filter(state=declined)
        .annotate(
            declined_on=Coalesce(
                LocalDate(Subquery(declined_at), period=(start, end)), LocalDate("updated_at", period=(start, end))
            )
        )
        .filter(declined_on__gte=start, declined_on__lte=end)
    )
    accepted = (OpinionReport.State.ACCEPTED, OpinionReport.State.COMPILED)

    def branch(queryset, member, k, d, kinds, at=None, report=""):
        rows = queryset.annotate(ev_pk=F(f"{report}pk"))
        rows = rows.annotate(authors_raw=Coalesce(Subquery(co_n), 0) + _has_author(report), ev_member=member)
        role = (
            Case(When(authors_raw=1, then=_kind(Role.LEAD)), default=_kind(Role.FIRST_AUTHOR), output_field=CharField())
            if member.name == f"{report}author_id"
            else Role.CO_SIGNER
        )
        return _rows(
            rows.filter(ev_member__isnull=False),
            m=F("ev_member"),
            k=k,
            d=d,
            kinds=kinds,
            at=at,
            a=_at_least_one(F("authors_raw")),
            label="proposals.opinionreport",
            p=F("ev_pk"),
            t=F(f"{report}title"),
            r=role,
        )

    branches = []
    for author in ("author_id", "co_authors"):  # the author, then one row per co-author
        branches.append(
            branch(
                reports.filter(_during("created_at", start, end), state__in=accepted),
                F(author),
                _kind(K.REPORT_SUBMITTED),
                LocalDate("created_at", period=(start, end)),
                {K.REPORT_SUBMITTED},
                at="created_at",
            )
        )
        branches.append(
            branch(
                declined_rows,
                F(author),
                _kind(K.REPORT_NOT_ADOPTED),
                F("declined_on"),
                {K.REPORT_NOT_ADOPTED},
            )
        )
        for model, levels in ((Adoption, ADOPTED), (Instruction, INSTRUCTED)):
            later = model.objects.filter(report__committee_id=committee_id, date__range=(start, end))
            branches.append(
                branch(
                    later,
                    F(f"report__{author}"),
                    _cases("level", levels),
                    F("date"),
                    set(levels.values()),
                    report="report__",
                )
            )
    return branches


def _has_author(report_prefix: str):
    return Case(
        When(Q(**{f"{report_prefix}author__isnull": False}), then=_int(1)), default=_int(0), output_field=IntegerField()
    )


def _at_least_one(expression):
    return Case(When(Q(authors_raw__lt=1), then=_int(1)), default=expression, output_field=IntegerField())


def _consultations(committee_id, start, end):
    from activities.models import Activity
    from activities.models import Attendance as ActivityAttendance
    from consultations.models import Attendance, ConsultationSession

    # A session held as a group's activity is one meeting: a member whose attendance the activity branch counts
    # (recorded on that activity, held or filed, of this committee: whatever its day) gets that event, not this one.
    counted_as_activity = ActivityAttendance.objects.filter(
        activity_id=OuterRef("session__activity_id"),
        member_id=OuterRef("member_id"),
        activity__committee_id=committee_id,
        activity__state__in=(Activity.State.HELD, Activity.State.FILED),
        status__in=(
            ActivityAttendance.Status.PRESENT,
            ActivityAttendance.Status.EXCUSED,
            ActivityAttendance.Status.ABSENT,
        ),
    )
    rows = Attendance.objects.filter(
        _during("session__starts_at", start, end),
        ~Exists(counted_as_activity),
        session__committee_id=committee_id,
        member__committee_id=committee_id,
        status=Attendance.Status.PRESENT,
        session__state=ConsultationSession.State.HELD,
    )
    return [
        _rows(
            rows,
            m=F("member_id"),
            k=_kind(K.CONSULTATION_PRESENT),
            d=LocalDate("session__starts_at", period=(start, end)),
            label="consultations.consultationsession",
            p=F("session_id"),
            at="session__starts_at",
            t=F("session__title"),
            kinds={K.CONSULTATION_PRESENT},
        )
    ]


def days_dated_elsewhere(event: DutyRecordChanged) -> list[tuple[int, date]]:
    """The (committee, day) pairs whose duty events ``event`` changes besides its own days: events one record dates
    while another record decides them.

    - A session held as an activity (``_consultations``): the activity's attendance and state decide whether the
      session's list gives ``consultation_present``, dated on the session's day, which may be in another quarter or
      year than the activity's. Every event naming an ``activity_id`` (attendance recorded, signed in, leave
      decided, the activity held, filed or deleted: a deleted activity's sessions are unlinked, giving their
      ``consultation_present`` back) touches the days of the held sessions held as it.
    """
    from consultations.models import ConsultationSession

    activity_id = getattr(event, "activity_id", None)
    if activity_id is None:
        return []
    sessions = ConsultationSession.objects.filter(activity_id=activity_id, state=ConsultationSession.State.HELD)
    return [
        (committee_id, timezone.localtime(starts_at).date())
        for committee_id, starts_at in sessions.values_list("committee_id", "starts_at").order_by("pk")
    ]


def _contacts(committee_id, start, end):
    from groups.models import ConstituentContact

    rows = ConstituentContact.objects.filter(committee_id=committee_id, contacted_on__range=(start, end))
    return [
        _rows(
            rows,
            m=F("member_id"),
            k=_kind(K.CONSTITUENT_CONTACT),
            d=F("contacted_on"),
            label="groups.constituentcontact",
            p=F("pk"),
            t=F("whom"),
            kinds={K.CONSTITUENT_CONTACT},
        )
    ]


SOURCES = [_activities, _plenary, _proposals, _reports, _consultations, _contacts]


def all_branches(committee, start: date, end: date) -> list[Branch]:
    """Every source's branches for the committee and period (build once, select many times)."""
    committee_id = getattr(committee, "pk", committee)
    return [branch for source in SOURCES for branch in source(committee_id, start, end)]


def _branches(
    committee, start, end, kinds=None, member_ids=None, bulk=None, built=None, except_small=None
) -> list[Branch]:
    wanted = None if kinds is None else {str(k) for k in kinds}
    unwanted = {str(k) for k in except_small or ()}
    branches = [
        branch
        for branch in (built if built is not None else all_branches(committee, start, end))
        if (wanted is None or branch.kinds & wanted)
        and (bulk is None or branch.bulk == bulk)
        and (branch.bulk or not branch.kinds & unwanted)
    ]
    if member_ids is not None:
        ids = list(member_ids)
        branches = [
            replace(
                b,
                rows=b.rows.filter(ev_m__in=ids),
                unchecked_rows=None if b.unchecked_rows is None else b.unchecked_rows.filter(ev_m__in=ids),
                pair=None,
            )
            for b in branches
        ]
    return branches


def duty_events(
    committee: Committee, start: date, end: date, *, member_ids: Iterable[int] | None = None
) -> Iterator[tuple[int, DutyEvent]]:
    """(member id, event) for the committee's members (or only ``member_ids``), start <= day <= end,
    in member order (one member's events in no particular order: the engine sorts them); one query."""
    ids = None if member_ids is None else list(member_ids)
    with connection.cursor() as cursor:
        if ids is not None and len(ids) == 1:
            _one_member_execute(cursor, getattr(committee, "pk", committee), start, end, ids[0])
        else:
            cursor.execute(*_events_sql(committee, start, end, ids))
        for m, k, d, q, a, s, p, t, r in cursor.fetchall():
            label = SOURCE_LABELS[s - 1]
            title = TITLES[label](t) if label in TITLES else t or ""
            yield (
                m,
                DutyEvent(
                    kind=k,
                    on=d if isinstance(d, date) else date.fromisoformat(d),
                    quantity=Decimal(q),
                    role=r or "",
                    authors=a,
                    source=(label, p),
                    title=title,
                ),
            )


def _events_sql(committee, start: date, end: date, member_ids: list[int] | None) -> tuple[str, tuple]:
    parts = [
        b.rows.values_list(*(f"ev_{c}" for c in (*COLUMNS, *DETAIL)))
        for b in _branches(committee, start, end, member_ids=member_ids)
    ]
    sql, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
    return f"SELECT * FROM ({sql}) u ORDER BY u.ev_m", params


# A stand-in member id no table holds (negative), put where the member's id goes in the statement kept below.
_SOMEONE = -7_318_245_901
_ONE_MEMBER: dict[tuple, tuple[str, tuple]] = {}


def statement_key(*parts: object) -> tuple:
    """The key of a statement built once per process (``_one_member_sql``, ``rollup._member_query``): ``parts`` and
    what the sources' SQL depends on besides them, the database (alias, vendor, the content types of proposals and
    reports that the audit-trail lookups name) and the time zone (local days)."""
    from proposals.models import OpinionReport, Proposal

    return (
        connection.alias,
        connection.vendor,
        timezone.get_current_timezone_name(),
        ContentType.objects.get_for_model(Proposal).pk,
        ContentType.objects.get_for_model(OpinionReport).pk,
        *parts,
    )


def remember(built: dict, key: tuple, value, *, at_most: int):
    """``built[key] = value`` in a per-process cache of at most ``at_most`` entries (emptied when full: the keys are
    committees x periods, a few in practice, never an unbounded set); returns ``value``."""
    if len(built) >= at_most:
        built.clear()
    built[key] = value
    return value


def _one_member_sql(committee_id: int, start: date, end: date, member_id: int) -> tuple[str, tuple]:
    """``_events_sql`` for one member, the statement built once per committee, period and process.

    Building the two dozen annotated querysets and compiling their union is most of a duty record's Python
    (40 ms a page at load 10); only the member's id changes between two members' records. The statement
    depends on nothing else than its key: the committee, the period, the time zone (local days) and the
    database (vendor, the content type of proposals).
    """
    key = statement_key(committee_id, start, end)
    built = _ONE_MEMBER.get(key)
    if built is None:
        built = _events_sql(committee_id, start, end, [_SOMEONE])
        if not any(p == _SOMEONE for p in built[1] if isinstance(p, int)):
            return _events_sql(committee_id, start, end, [member_id])
        remember(_ONE_MEMBER, key, built, at_most=256)
    sql, params = built
    return sql, tuple(member_id if isinstance(p, int) and p == _SOMEONE else p for p in params)


def _one_member_execute(cursor, committee_id: int, start: date, end: date, member_id: int) -> None:
    """Run ``_one_member_sql``; on PostgreSQL as a prepared statement of the connection.

    Planning the union of two dozen branches costs more than running it (EXPLAIN ANALYZE at 50,000 members,
    load 10: planning 67 ms, execution 20 ms). A statement prepared once per connection (they persist:
    ``CONN_MAX_AGE``) is planned for the member's id as a parameter; after five runs PostgreSQL keeps a generic
    plan (8-12 ms a run). The first run of a connection prepares and executes in one round trip (one query).
    """
    sql, params = _one_member_sql(committee_id, start, end, member_id)
    # Behind a transaction-pooling pgbouncer (which needs DISABLE_SERVER_SIDE_CURSORS, docs/scale.md) a session's
    # prepared statements may be another client's: the plain statement then.
    if connection.vendor != "postgresql" or connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        cursor.execute(sql, params)
        return
    raw = connection.connection
    known = getattr(connection, "_duty_prepared", None)
    if known is None or known[0] is not raw:
        known = connection._duty_prepared = (raw, {})
    template, template_params = _one_member_sql(committee_id, start, end, _SOMEONE)
    name = known[1].get((template, template_params))
    if name is not None:
        cursor.execute(f"EXECUTE {name} (%s)", [member_id])
        return
    if len(known[1]) >= 64:  # committees x periods: a few in practice; never an unbounded set per connection
        cursor.execute("DEALLOCATE ALL")
        known[1].clear()
    text = cursor.mogrify(template, template_params)
    text = (text.decode() if isinstance(text, bytes) else text).replace(str(_SOMEONE), "$1")
    name = f"duty_events_{len(known[1]) + 1}"
    cursor.execute(f"PREPARE {name} (bigint) AS {text.replace('%', '%%')}; EXECUTE {name} (%s)", [member_id])
    known[1][(template, template_params)] = name


def event_rows(committee: Committee | int, start: date, end: date, *, kinds: Iterable[str], members) -> object:
    """The events of ``kinds`` dated start..end of the ``members`` (a queryset of member ids, e.g. the members a
    quarter's roll-up scored) as one union queryset of ``(m, k, d, q, a, s, p, t, r)`` tuples, day order: the rows
    behind a summed roll-up figure (``selectors.figure_events``), counted when the quarter is stale (``count_by_kind``);
    the page of them (``assessments:dashboard_events``) is read by ``event_pages.event_page``, a page's worth."""
    wanted = {str(k) for k in kinds}
    parts = [
        b.rows.filter(b.narrow(wanted) if b.narrow else Q(ev_k__in=wanted), ev_m__in=members).values_list(
            *(f"ev_{c}" for c in (*COLUMNS, *DETAIL))
        )
        for b in _branches(committee, start, end, wanted)
    ]
    if not parts:
        return []
    return parts[0].union(*parts[1:], all=True).order_by("ev_d", "ev_s", "ev_p", "ev_m", "ev_k")


def count_by_kind(rows) -> dict[str, int]:
    """The rows of ``event_rows`` counted per event kind, in one query (``[]``, no branch read: none)."""
    if isinstance(rows, list):
        return {}
    sql, params = rows.order_by().query.sql_with_params()  # counted, not sorted first
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT u.ev_k, COUNT(*) FROM ({sql}) u GROUP BY u.ev_k", params)
        return {str(kind): int(n) for kind, n in cursor.fetchall()}


def event_source(s: int, p: int, t: str) -> tuple[str, int, str]:
    """A row's (source label, source pk, title) from its rank, pk and raw title (as ``duty_events`` reads them)."""
    label = SOURCE_LABELS[s - 1]
    return label, p, TITLES[label](t) if label in TITLES else t or ""


COUNT_COLUMNS = ("m", "k", "q", "a", "n", "nq")
PER_ROW_COLUMNS = ("m", "k", "q", "a", "iq")


def event_sql(
    committee,
    start: date,
    end: date,
    *,
    kinds=None,
    except_small=None,
    counts_from: date | None = None,
    bulk: bool | None = None,
    built: list[Branch] | None = None,
    members_checked: bool = False,
    per_row: bool = False,
) -> tuple[str, tuple]:
    """The committee's duty events dated start..end (inclusive) as ``(sql, params)``.

    ``kinds``: only branches that can yield one of these kinds (the rows may still hold others).
    ``except_small``: leave out the small (not bulk) branches that can yield one of these kinds (the
    caller reads those as rows, for "from the nth occurrence" rules).
    ``bulk``: only the big source (True: attendance) or only the others (False); None: all.
    ``built``: ``all_branches(committee, start, end)`` already made, to select from.
    ``counts_from``: instead of one row per event, rows counted per (member, kind, quantity,
    authors): ``n`` events, ``nq`` of them dated on or after ``counts_from`` — ``COUNT_COLUMNS``. The
    day test compares the source's own datetime column with local midnight, so no time-zone
    conversion runs per row, and the grouping runs straight over the union (nothing materialised in
    between). The two branches of a ``Pair`` (the co-signers' submitted and filed events), both read, are one scan
    (``_paired_rows``).
    ``members_checked``: the caller keeps only the committee's members itself, so counted rows may
    leave out the check that the member belongs to the committee where a branch has them without it
    (the attendance: a lookup of the member per row); they may then hold other members' events.
    ``per_row`` (with ``counts_from``): one row per event, not grouped — ``PER_ROW_COLUMNS``, ``iq`` 1 when
    dated on or after ``counts_from`` — for a caller that prices and groups the rows itself in one pass.
    """
    branches = _branches(committee, start, end, kinds, bulk=bulk, built=built, except_small=except_small)
    if not branches:
        return _empty(counts_from is not None, per_row)
    if counts_from is None:
        parts = [b.rows.values_list(*(f"ev_{c}" for c in COLUMNS)) for b in branches]
        return parts[0].union(*parts[1:], all=True).query.sql_with_params()
    moment = _moments(counts_from, counts_from)[0]

    def recent(b: Branch) -> Q:
        return Q(**{f"{b.at}__gte": moment}) if b.at else Q(ev_d__gte=counts_from)

    pairs: dict[str, list[tuple[Pair, Q]]] = {}
    for b in branches:
        if b.pair is not None:
            pairs.setdefault(b.pair.name, []).append((b.pair, recent(b)))
    both = {name: sorted(two, key=lambda pair: pair[0].first) for name, two in pairs.items() if len(two) == 2}
    parts = []
    for b in branches:
        if b.pair is not None and b.pair.name in both:
            continue
        source = b.unchecked_rows if members_checked and b.unchecked_rows is not None else b.rows
        rows = source.annotate(ev_iq=Case(When(recent(b), then=_int(1)), default=_int(0), output_field=IntegerField()))
        parts.append(rows.values_list("ev_m", "ev_k", "ev_q", "ev_a", "ev_iq"))
    sql, params = parts[0].union(*parts[1:], all=True).query.sql_with_params() if parts else ("", ())
    for (one, recent_one), (two, recent_two) in both.values():
        paired_sql, paired_params = _paired_rows(one, two, recent_one, recent_two)
        sql, params = (f"{sql} UNION ALL {paired_sql}" if sql else paired_sql), (*params, *paired_params)
    columns = ", ".join(f"u.ev_{c}" for c in COUNT_COLUMNS[:-2])  # the union's columns are the first branch's
    if per_row:
        return f"SELECT {columns}, u.ev_iq FROM ({sql}) u", params
    return (
        f"SELECT {columns}, CAST(COUNT(*) AS integer), CAST(SUM(u.ev_iq) AS integer) FROM ({sql}) u GROUP BY {columns}",
        params,
    )


def attendance_counts_sql(
    committee_id: int, year: int, quarter: int, kinds: Iterable[str], *, per_row: bool = False
) -> tuple[str, tuple]:
    """The committee's attendance events of ``kinds`` from 1 January of ``year`` to the end of ``quarter``, counted
    per member and kind as ``event_sql(counts_from=<the quarter's first day>, bulk=True, members_checked=True)``
    counts them (``COUNT_COLUMNS``: quantity and authors 1), read from the kept counts (``AttendanceTally``, a few
    rows a member and quarter) instead of the attendance. Like ``members_checked``, the rows may hold members of other
    committees who attended its activities: the caller keeps its own members. ``per_row``: the same columns, one row
    per member, kind and quarter (not summed over the quarters; the caller sums them)."""
    from .models import AttendanceTally

    kinds = sorted({str(k) for k in kinds})
    if not kinds:
        return _empty(True)
    table = connection.ops.quote_name(AttendanceTally._meta.db_table)
    marks = ", ".join(["%s"] * len(kinds))
    year_n, quarter_n = "t.n", "CASE WHEN t.quarter = %s THEN t.n ELSE 0 END"
    where = f"t.committee_id = %s AND t.year = %s AND t.quarter <= %s AND t.kind IN ({marks})"
    if per_row:
        return (
            f"SELECT t.member_id, t.kind, 1, 1, {year_n}, {quarter_n} FROM {table} t WHERE {where}",  # noqa: S608
            (quarter, committee_id, year, quarter, *kinds),
        )
    return (
        f"SELECT t.member_id, t.kind, 1, 1, CAST(SUM({year_n}) AS integer), "  # noqa: S608 (the table's name, marks)
        f"CAST(SUM({quarter_n}) AS integer) FROM {table} t WHERE {where} GROUP BY t.member_id, t.kind",
        (quarter, committee_id, year, quarter, *kinds),
    )


def attendance_kind_counts(committee_id: int, year: int, quarter: int, kinds: Iterable[str], members) -> dict[str, int]:
    """How many events of each of ``kinds`` (those the attendance yields: ``ATTENDANCE_EVENT_KINDS``) ``event_rows``
    lists for the quarter of ``members`` (a queryset of member ids), read from the kept counts (``AttendanceTally``)
    in one query: the committee's activities' cells of the quarter, of those members who belong to the committee
    (as the attendance branches check)."""
    from groups.models import Member

    from .models import AttendanceTally

    wanted = sorted({str(k) for k in kinds} & ATTENDANCE_EVENT_KINDS)
    if not wanted:
        return {}
    rows = (
        AttendanceTally.objects.filter(
            committee_id=committee_id, year=year, quarter=quarter, kind__in=wanted, member_id__in=members
        )
        .filter(member_id__in=Member.objects.filter(committee_id=committee_id).values("pk"))
        .order_by()
        .values_list("kind")
        .annotate(events=Sum("n"))
    )
    return {kind: int(events) for kind, events in rows}


def _paired_rows(one: Pair, two: Pair, recent_one: Q, recent_two: Q) -> tuple[str, tuple]:
    """The counted rows (``PER_ROW_COLUMNS``) of a ``Pair``'s two branches from one scan of their common rows: each row
    in either period, joined to the numbers 1 and 2, yields the first branch's event when its column falls in its
    period and the second's when its column does (``recent_…``: each branch's "in the quarter")."""

    def kind(pair: Pair) -> Case:
        return Case(When(pair.during, then=_kind(pair.kind)), output_field=CharField())

    def in_quarter(recent: Q) -> Case:
        return Case(When(recent, then=_int(1)), default=_int(0), output_field=IntegerField())

    rows = (
        one.rows.filter(one.during | two.during)
        .annotate(ev_k1=kind(one), ev_k2=kind(two), ev_iq1=in_quarter(recent_one), ev_iq2=in_quarter(recent_two))
        .values_list("ev_m", "ev_k1", "ev_q", "ev_a", "ev_iq1", "ev_k2", "ev_iq2")
    )
    sql, params = rows.query.sql_with_params()
    return (
        "SELECT p.ev_m, CASE WHEN two.n = 1 THEN p.ev_k1 ELSE p.ev_k2 END, p.ev_q, p.ev_a, "
        f"CASE WHEN two.n = 1 THEN p.ev_iq1 ELSE p.ev_iq2 END FROM ({sql}) p "
        "CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2) two "
        "WHERE (two.n = 1 AND p.ev_k1 IS NOT NULL) OR (two.n = 2 AND p.ev_k2 IS NOT NULL)",
        params,
    )


def _empty(counts: bool, per_row: bool = False) -> tuple[str, tuple]:
    types = (
        ("integer", "varchar(30)", "integer", "integer", "integer")
        if counts and per_row
        else ("integer", "varchar(30)", "integer", "integer", "integer", "integer")
        if counts
        else ("integer", "varchar(30)", "date", "integer", "integer", "integer", "integer")
    )
    return "SELECT " + ", ".join(f"CAST(NULL AS {t})" for t in types) + " WHERE 1 = 0", ()


def values_sql(
    rows: Iterable[tuple[int, DutyEvent]],
    *,
    kinds=None,
    except_small=None,
    counts_from: date | None = None,
    bulk: bool | None = None,
    members_checked: bool = False,  # the same arguments as event_sql (made-up rows have no check to leave out)
    per_row: bool = False,
) -> tuple[str, tuple]:
    """Made-up events as the same relation as ``event_sql`` (for tests and benchmarks). Each row is its own
    branch: ``kinds`` and ``except_small`` select rows by their kind; a row whose source is an activity
    (``groups.activity``) is "bulk", like the attendance (``except_small`` leaves it in)."""
    wanted, unwanted = {str(k) for k in kinds or ()}, {str(k) for k in except_small or ()}

    def is_bulk(event: DutyEvent) -> bool:
        return (event.source or ("", 0))[0] == "groups.activity"

    rows = [
        (m, e)
        for m, e in rows
        if (bulk is None or is_bulk(e) == bulk)
        and (kinds is None or str(e.kind) in wanted)
        and (is_bulk(e) or str(e.kind) not in unwanted)
    ]
    if not rows:
        return _empty(counts_from is not None, per_row)
    labels = sorted({(e.source or ("", 0))[0] for _m, e in rows})
    rank = {label: i for i, label in enumerate(labels, start=1)}
    adapt = connection.ops.adapt_datefield_value
    params = []
    for member_id, e in rows:
        if e.quantity != int(e.quantity):
            raise ValueError("the SQL roll-up prices whole quantities (half-days, occurrences)")
        label, pk = e.source or ("", 0)
        params += [member_id, str(e.kind), adapt(e.on), int(e.quantity), e.authors, rank[label], pk]
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    # PostgreSQL types the columns from the first row; SQLite keeps dates as ISO text (a CAST to
    # "date" there would make a number of it).
    first = (
        "(%s, CAST(%s AS varchar(30)), CAST(%s AS date), %s, %s, %s, %s)" if connection.vendor == "postgresql" else one
    )
    values = "VALUES " + ", ".join([first] + [one] * (len(rows) - 1))
    # A VALUES list names its columns column1, column2, … in both SQLite and PostgreSQL.
    m, k, d, q, a, s, p = (f"v.column{i}" for i in range(1, len(COLUMNS) + 1))
    if counts_from is None:
        return f"SELECT {m}, {k}, {d}, {q}, {a}, {s}, {p} FROM ({values}) v", tuple(params)
    recent = f"CASE WHEN {d} >= %s THEN 1 ELSE 0 END"
    if per_row:
        return f"SELECT {m}, {k}, {q}, {a}, {recent} FROM ({values}) v", (adapt(counts_from), *params)
    return (
        f"SELECT {m}, {k}, {q}, {a}, CAST(COUNT(*) AS integer), CAST(SUM({recent}) AS integer) FROM ({values}) v "
        f"GROUP BY {m}, {k}, {q}, {a}",
        (adapt(counts_from), *params),
    )


def source_url(source: tuple[str, int] | None) -> str | None:
    """The page of a duty event's source record, or None when there is none (yet)."""
    from django.urls import NoReverseMatch, reverse

    if source is None or source[0] not in SOURCE_PAGES:
        return None
    try:
        return reverse(SOURCE_PAGES[source[0]], args=[source[1]])
    except NoReverseMatch:
        return None
