"""Where duty events come from: the one door between the source records and the scoring engine.

``duty_events(committee, start, end)`` reads the source tables with a fixed number of set-based
queries (``values()`` with annotations; no query per member or per record):

- activity attendance (``groups.Attendance`` of activities held or filed): one event per member and
  activity — ``activity_<type>`` when present (``activity_three_enters`` for 三进 activities),
  ``activity_excused`` or ``activity_absent`` otherwise (an attendance not recorded yet is left
  out); dated on the activity's day; source ``("groups.activity", pk)``. Streamed in member order.
- plenary attendance (``groups.PlenaryAttendance``, one row per member and session with three
  half-day counts): per row up to three events, ``plenary_present``, ``plenary_excused`` and
  ``plenary_absent``, each only when its count is above 0, with ``quantity`` = that count of
  half-days; dated on the session's start date (the session must start within the period); source
  ``("groups.plenarysession", pk)`` (no page: the duty record shows it without a link).
- proposals: ``proposal_submitted`` for the lead proposer and every confirmed co-signer on the
  submission date; on the filing date (立案) ``proposal_filed_lead`` (no co-signer),
  ``proposal_joint_first`` (lead of a joint proposal) or ``proposal_filed_cosigner``, with
  ``authors`` = lead + confirmed co-signers; the key-proposal bonus on the day it was marked key
  (the audit trail's ``key_marked``, else the filing date); the excellent-proposal bonus 优秀提案
  (``proposal_excellent_lead`` for the lead proposer, ``proposal_excellent_cosigner`` for each
  confirmed co-signer, same role and authors as above) on the local date of ``excellent_marked_at``
  while ``is_excellent`` holds (written with the audit's ``excellent_marked`` in one transaction).
  Source ``("proposals.proposal", pk)``.
- public-opinion reports (author and co-authors): ``report_submitted`` on submission;
  ``report_adopted_<level>`` per adoption (its date); ``report_not_adopted`` when declined (the date
  it was declined); ``instruction_<level>`` per leader's 批示. Source ``("proposals.opinionreport", pk)``.
- consultation sessions held: ``consultation_present`` per member present; source
  ``("consultations.consultationsession", pk)``.
- platform work: not modelled separately (activities organised by a platform count as activities).
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import date
from operator import itemgetter

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast, TruncDate

from groups.models import Committee

from .kinds import EventKind as K
from .kinds import Role
from .scoring import DutyEvent

CHUNK = 5000

ACTIVITY_KINDS = {
    "study": K.ACTIVITY_STUDY, "inspection": K.ACTIVITY_INSPECTION, "research": K.ACTIVITY_RESEARCH,
    "consultation": K.ACTIVITY_CONSULTATION, "supervision": K.ACTIVITY_SUPERVISION,
    "service": K.ACTIVITY_SERVICE, "reception": K.ACTIVITY_RECEPTION, "visit": K.ACTIVITY_VISIT,
    "three_enters": K.ACTIVITY_THREE_ENTERS,
}
ADOPTED = {"national": K.REPORT_ADOPTED_NATIONAL, "provincial": K.REPORT_ADOPTED_PROVINCIAL,
           "city": K.REPORT_ADOPTED_CITY, "district": K.REPORT_ADOPTED_DISTRICT}
INSTRUCTED = {"national": K.INSTRUCTION_NATIONAL, "provincial": K.INSTRUCTION_PROVINCIAL,
              "city": K.INSTRUCTION_CITY, "district": K.INSTRUCTION_DISTRICT}


def duty_events(committee: Committee, start: date, end: date, *,
                member_ids: Iterable[int] | None = None) -> Iterator[tuple[int, DutyEvent]]:
    """(member id, event) for the committee's members (or only ``member_ids``), start <= date <= end,
    ordered by member id (events of one member in no particular order: the engine sorts them)."""
    wanted = None if member_ids is None else frozenset(member_ids)
    others = sorted(
        (row for source in (_plenary_events, _proposal_events, _report_events, _consultation_events)
         for row in source(committee, start, end, wanted)),
        key=lambda row: row[0],
    )
    return heapq.merge(_activity_events(committee, start, end, wanted), others, key=itemgetter(0))


def _activity_events(committee, start, end, wanted):
    from groups.models import Activity, Attendance

    rows = Attendance.objects.filter(
        member__committee_id=committee.pk,
        activity__state__in=(Activity.State.HELD, Activity.State.FILED),
        activity__starts_at__date__range=(start, end),
        status__in=(Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT),
    )
    if wanted is not None:
        rows = rows.filter(member_id__in=wanted)
    rows = (rows.annotate(on=TruncDate("activity__starts_at"))
            .values_list("member_id", "activity_id", "activity__title", "activity__kind", "status", "on")
            .order_by("member_id", "activity_id"))
    status_kind = {Attendance.Status.EXCUSED: K.ACTIVITY_EXCUSED, Attendance.Status.ABSENT: K.ACTIVITY_ABSENT}
    for member_id, activity_id, title, kind, status, on in rows.iterator(chunk_size=CHUNK):
        event_kind = ACTIVITY_KINDS.get(kind, K.ACTIVITY_PRESENT) if status == Attendance.Status.PRESENT \
            else status_kind[status]
        yield member_id, DutyEvent(kind=event_kind, on=on, source=("groups.activity", activity_id), title=title)


PLENARY_KINDS = (("present", K.PLENARY_PRESENT), ("excused", K.PLENARY_EXCUSED), ("absent", K.PLENARY_ABSENT))


def _plenary_events(committee, start, end, wanted):
    from django.utils.translation import gettext

    from groups.models import PlenaryAttendance

    rows = PlenaryAttendance.objects.filter(member__committee_id=committee.pk,
                                            session__start_date__range=(start, end))
    if wanted is not None:
        rows = rows.filter(member_id__in=wanted)
    rows = rows.values_list("member_id", "session_id", "session__term__number", "session__number",
                            "session__start_date", "present", "excused", "absent").order_by("member_id", "session_id")
    for member_id, session_id, term, number, on, *counts in rows:
        title = gettext("Plenary session %(number)s of term %(term)s") % {"number": number, "term": term}
        for (_field, kind), half_days in zip(PLENARY_KINDS, counts, strict=True):
            if half_days:
                yield member_id, DutyEvent(kind=kind, on=on, quantity=half_days, title=title,
                                           source=("groups.plenarysession", session_id))


def _in(start, end, on):
    return on is not None and start <= on <= end


def _proposal_events(committee, start, end, wanted):
    from core.models import AuditEvent
    from proposals.models import CoSigner, Proposal

    confirmed = CoSigner.Status.CONFIRMED
    key_marked = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Proposal), verb="key_marked",
        object_id=Cast(OuterRef("pk"), CharField())).order_by("-created_at").values("created_at")[:1]
    proposals = Proposal.objects.filter(committee_id=committee.pk, submitted_at__isnull=False).filter(
        Q(submitted_at__date__range=(start, end)) | Q(filed_at__date__range=(start, end)) | Q(is_key=True)
        | Q(is_excellent=True, excellent_marked_at__date__range=(start, end)))
    if wanted is not None:
        proposals = proposals.filter(
            Q(lead_proposer_id__in=wanted)
            | Exists(CoSigner.objects.filter(proposal=OuterRef("pk"), status=confirmed, member_id__in=wanted)))
    rows = list(proposals.annotate(
        submitted_on=TruncDate("submitted_at"), filed_on=TruncDate("filed_at"),
        key_on=TruncDate(Subquery(key_marked)), excellent_on=TruncDate("excellent_marked_at"),
        cosigners_n=Count("cosigners", filter=Q(cosigners__status=confirmed)),
    ).values("pk", "title", "lead_proposer_id", "submitted_on", "filed_on", "is_key", "key_on", "is_excellent",
             "excellent_on", "cosigners_n"))
    if not rows:
        return
    by_pk = {row["pk"]: row for row in rows}
    cosigners = CoSigner.objects.filter(proposal_id__in=by_pk, status=confirmed).values_list("proposal_id", "member_id")
    authors = [(row["pk"], row["lead_proposer_id"], True) for row in rows]
    authors += [(proposal_id, member_id, False) for proposal_id, member_id in cosigners.order_by("pk")]
    for proposal_id, member_id, lead in authors:
        if member_id is None or (wanted is not None and member_id not in wanted):
            continue
        row = by_pk[proposal_id]
        n = 1 + row["cosigners_n"]
        role = (Role.LEAD if n == 1 else Role.FIRST_AUTHOR) if lead else Role.CO_SIGNER

        def event(kind, on, row=row, n=n, role=role):
            return DutyEvent(kind=kind, on=on, role=role, authors=n, source=("proposals.proposal", row["pk"]),
                             title=row["title"])

        if _in(start, end, row["submitted_on"]):
            yield member_id, event(K.PROPOSAL_SUBMITTED, row["submitted_on"])
        if _in(start, end, row["filed_on"]):
            kind = (K.PROPOSAL_FILED_LEAD if n == 1 else K.PROPOSAL_JOINT_FIRST) if lead else K.PROPOSAL_FILED_COSIGNER
            yield member_id, event(kind, row["filed_on"])
        key_on = row["key_on"] or row["filed_on"]
        if row["is_key"] and _in(start, end, key_on):
            yield member_id, event(K.PROPOSAL_KEY_LEAD if lead else K.PROPOSAL_KEY_COSIGNER, key_on)
        if row["is_excellent"] and _in(start, end, row["excellent_on"]):
            kind = K.PROPOSAL_EXCELLENT_LEAD if lead else K.PROPOSAL_EXCELLENT_COSIGNER
            yield member_id, event(kind, row["excellent_on"])


def _report_events(committee, start, end, wanted):
    from proposals.models import Adoption, Instruction, OpinionReport

    declined = OpinionReport.State.DECLINED
    Through = OpinionReport.co_authors.through
    reports = OpinionReport.objects.filter(committee_id=committee.pk).filter(
        Q(created_at__date__range=(start, end)) | Q(state=declined, updated_at__date__range=(start, end))
        | Exists(Adoption.objects.filter(report=OuterRef("pk"), date__range=(start, end)))
        | Exists(Instruction.objects.filter(report=OuterRef("pk"), date__range=(start, end))))
    if wanted is not None:
        reports = reports.filter(
            Q(author_id__in=wanted) | Exists(Through.objects.filter(opinionreport_id=OuterRef("pk"),
                                                                    member_id__in=wanted)))
    rows = {row["pk"]: row for row in reports.annotate(
        submitted_on=TruncDate("created_at"), changed_on=TruncDate("updated_at"), co_n=Count("co_authors"),
    ).values("pk", "title", "author_id", "state", "submitted_on", "changed_on", "co_n")}
    if not rows:
        return
    later: dict[int, list[tuple[str, date]]] = {}
    for report_id, level, on in Adoption.objects.filter(report_id__in=rows, date__range=(start, end)).values_list(
            "report_id", "level", "date").order_by("pk"):
        later.setdefault(report_id, []).append((ADOPTED[level], on))
    for report_id, level, on in Instruction.objects.filter(report_id__in=rows, date__range=(start, end)).values_list(
            "report_id", "level", "date").order_by("pk"):
        later.setdefault(report_id, []).append((INSTRUCTED[level], on))
    authors = [(pk, row["author_id"], True) for pk, row in rows.items()]
    authors += [(report_id, member_id, False) for report_id, member_id in Through.objects.filter(
        opinionreport_id__in=rows).values_list("opinionreport_id", "member_id").order_by("pk")]
    for report_id, member_id, lead in authors:
        if member_id is None or (wanted is not None and member_id not in wanted):
            continue
        row = rows[report_id]
        n = (1 if row["author_id"] else 0) + row["co_n"]
        role = (Role.LEAD if n == 1 else Role.FIRST_AUTHOR) if lead else Role.CO_SIGNER
        dated = list(later.get(report_id, ()))
        if _in(start, end, row["submitted_on"]):
            dated.append((K.REPORT_SUBMITTED, row["submitted_on"]))
        if row["state"] == declined and _in(start, end, row["changed_on"]):
            dated.append((K.REPORT_NOT_ADOPTED, row["changed_on"]))
        for kind, on in dated:
            yield member_id, DutyEvent(kind=kind, on=on, role=role, authors=max(n, 1),
                                       source=("proposals.opinionreport", report_id), title=row["title"])


def _consultation_events(committee, start, end, wanted):
    from consultations.models import Attendance, ConsultationSession

    rows = Attendance.objects.filter(member__committee_id=committee.pk, status=Attendance.Status.PRESENT,
                                     session__state=ConsultationSession.State.HELD,
                                     session__starts_at__date__range=(start, end))
    if wanted is not None:
        rows = rows.filter(member_id__in=wanted)
    for member_id, session_id, title, on in rows.annotate(on=TruncDate("session__starts_at")).values_list(
            "member_id", "session_id", "session__title", "on").order_by("member_id", "session_id"):
        yield member_id, DutyEvent(kind=K.CONSULTATION_PRESENT, on=on,
                                   source=("consultations.consultationsession", session_id), title=title)


def by_member(rows: Iterable[tuple[int, DutyEvent]]) -> Iterator[tuple[int, list[DutyEvent]]]:
    """Group (member id, event) rows ordered by member id into one list per member, in one pass."""
    current, events = None, []
    for member_id, event in rows:
        if member_id != current and events:
            yield current, events
            events = []
        current = member_id
        events.append(event)
    if events:
        yield current, events


# Where a line's source record is shown: model label -> URL name taking the record's pk. Each source
# app adds its detail page here when it lands (e.g. "proposals.proposal": "proposals:detail").
SOURCE_PAGES: dict[str, str] = {
    "groups.activitygroup": "groups:group_detail",
    "groups.activity": "groups:activity_detail",
    "proposals.proposal": "proposals:detail",
    "proposals.opinionreport": "proposals:report_detail",
    "consultations.consultationsession": "consultations:session",
}


def source_url(source: tuple[str, int] | None) -> str | None:
    """The page of a duty event's source record, or None when there is none (yet)."""
    from django.urls import NoReverseMatch, reverse

    if source is None or source[0] not in SOURCE_PAGES:
        return None
    try:
        return reverse(SOURCE_PAGES[source[0]], args=[source[1]])
    except NoReverseMatch:
        return None
