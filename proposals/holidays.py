"""The holiday calendar: the official national calendar (from the ``chinese-calendar`` package, which follows
the State Council's yearly notice), days the secretariat enters as a range, and the years a committee has no
calendar for. Writes here are services like ``proposals.services`` (locked, checked, audited)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chinese_calendar import constants as official
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import actor_id, publish_many
from core.exceptions import DomainError
from core.services import lock, lock_many, on_record_write, record_event
from core.verbs import CoreVerb
from groups.access import scope_of
from groups.models import Committee
from proposals.deadlines import settings_for, working_day_after, working_day_before, working_days_after
from proposals.events import DeadlineMoved
from proposals.models import Assignment, CoAuthorInvitation, CoSigner, Holiday, OpinionReport, Proposal, Reply
from proposals.verbs import ProposalVerb

# The package names each day after its festival in English; the calendar shows the Chinese name.
OFFICIAL_NAMES = {
    official.Holiday.new_years_day: "元旦",
    official.Holiday.spring_festival: "春节",
    official.Holiday.tomb_sweeping_day: "清明节",
    official.Holiday.labour_day: "劳动节",
    official.Holiday.dragon_boat_festival: "端午节",
    official.Holiday.national_day: "国庆节",
    official.Holiday.mid_autumn_festival: "中秋节",
    official.Holiday.anti_fascist_70th_day: "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_BY_VALUE = {h.value: name for h, name in OFFICIAL_NAMES.items()}
MAX_RANGE_DAYS = 62  # one form, one holiday period (the longest is about a month, e.g. a school holiday)


def official_years() -> range:
    """The years the installed national calendar covers (upgrade ``chinesecalendar`` for a newly published year)."""
    years = {d.year for d in official.holidays} | {d.year for d in official.workdays}
    return range(min(years), max(years) + 1)


def official_days(year: int) -> dict[date, tuple[str, str]]:
    """The official calendar of ``year``: date -> (kind, Chinese name), holidays and adjusted working days."""
    if year not in official_years():
        raise DomainError(
            {
                "year": _(
                    "The national calendar for %(year)s has not been published in the installed "
                    "calendar (it covers %(first)s–%(last)s)."
                )
                % {"year": year, "first": official_years()[0], "last": official_years()[-1]}
            }
        )
    days = {
        d: (Holiday.Kind.HOLIDAY, _BY_VALUE.get(str(n), str(n))) for d, n in official.holidays.items() if d.year == year
    }
    days |= {
        d: (Holiday.Kind.WORKDAY, _BY_VALUE.get(str(n), str(n))) for d, n in official.workdays.items() if d.year == year
    }
    return days


def _committees_for(actor, committee_ids: Iterable[int] | None) -> list[int]:
    scope = scope_of(actor)
    if committee_ids is None:  # "once for all": every committee the actor administers
        return list(Committee.objects.administered_by(actor).order_by("pk").values_list("pk", flat=True))
    ids = sorted({int(c) for c in committee_ids})
    if not ids or not all(scope.is_staff_of(c) for c in ids):
        raise DomainError(_("Only the committee's staff may change its holiday calendar."))
    return ids


@transaction.atomic
def holiday_calendar_load(*, year: int, actor, committee_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """Load the official national calendar of ``year`` into each committee's calendar (all the actor administers
    when ``committee_ids`` is None). Safe to run again: official days are brought up to date (a day no longer in
    the notice goes), the secretariat's own days stay as they are and win over the official one on the same
    date. One audit row per committee. Returns the counts per committee."""
    days = official_days(year)
    result = {}
    for committee in lock_many(Committee, _committees_for(actor, committee_ids), partial=True):
        before = calendar_snapshot(committee.pk)
        rows = {
            h.date: h
            for h in Holiday.objects.select_for_update().filter(committee=committee, date__year=year).order_by("pk")
        }
        created = updated = kept_local = 0
        for day, (kind, name) in sorted(days.items()):
            row = rows.get(day)
            if row is None:
                Holiday.objects.create(
                    committee=committee, date=day, kind=kind, name=name, source=Holiday.Source.OFFICIAL
                )
                created += 1
            elif row.source == Holiday.Source.LOCAL:
                kept_local += 1
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name"])
                updated += 1
        stale = [h.pk for d, h in rows.items() if h.source == Holiday.Source.OFFICIAL and d not in days]
        Holiday.objects.filter(pk__in=stale).delete()
        counts = {
            "year": year,
            "created": created,
            "updated": updated,
            "removed": len(stale),
            "kept_local": kept_local,
            "holidays": sum(k == Holiday.Kind.HOLIDAY for k, _n in days.values()),
            "workdays": sum(k == Holiday.Kind.WORKDAY for k, _n in days.values()),
        }
        record_event(
            committee,
            actor=actor,
            verb=ProposalVerb.HOLIDAY_CALENDAR_LOADED,
            data=counts,
            comment=_("National holiday calendar %(year)s loaded") % {"year": year},
        )
        counts["deadlines_moved"] = len(
            deadlines_follow_calendar(committee_id=committee.pk, before=before, actor=actor)
        )
        result[committee.pk] = counts
    return result


@transaction.atomic
def holiday_range_add(
    *, committee_id: int, start: date, end: date, name: str, actor, kind: str = Holiday.Kind.HOLIDAY
) -> list[Holiday]:
    """Enter a period from ``start`` to ``end`` (both included) as the secretariat's own days, one row per day:
    days off, or working days (a local adjusted weekend). A day already in the calendar takes the new entry."""
    _committees_for(actor, [committee_id])
    if end < start:
        raise DomainError({"end": _("The last day must not be before the first.")})
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise DomainError({"end": _("Enter at most %(n)s days at a time.") % {"n": MAX_RANGE_DAYS}})
    if kind not in Holiday.Kind.values:
        raise DomainError({"kind": _("Choose a kind of day.")})
    committee = lock(Committee, committee_id)
    before = calendar_snapshot(committee_id)
    rows = []
    day = start
    while day <= end:
        row, _created = Holiday.objects.update_or_create(
            committee=committee, date=day, defaults={"kind": kind, "name": name, "source": Holiday.Source.LOCAL}
        )
        rows.append(row)
        day += timedelta(days=1)
    record_event(
        committee,
        actor=actor,
        verb=ProposalVerb.HOLIDAYS_ADDED,
        comment=name,
        data={"from": start.isoformat(), "to": end.isoformat(), "kind": kind, "days": len(rows)},
    )
    deadlines_follow_calendar(committee_id=committee_id, before=before, actor=actor)
    return rows


@transaction.atomic
def holidays_import(*, committee_id: int, days: dict[date, tuple[str, str]], actor) -> int:
    """The secretariat's own days from a spreadsheet (date -> (kind, name)), like ``holiday_range_add``: a day
    already in the calendar takes the imported entry; deadlines follow. Returns the number of days written."""
    _committees_for(actor, [committee_id])
    committee = lock(Committee, committee_id)
    before = calendar_snapshot(committee_id)
    for day, (kind, name) in sorted(days.items()):
        Holiday.objects.update_or_create(
            committee=committee, date=day, defaults={"kind": kind, "name": name, "source": Holiday.Source.LOCAL}
        )
    record_event(
        committee,
        actor=actor,
        verb=ProposalVerb.HOLIDAYS_IMPORTED,
        data={
            "days": len(days),
            "from": min(days).isoformat() if days else "",
            "to": max(days).isoformat() if days else "",
        },
    )
    deadlines_follow_calendar(committee_id=committee_id, before=before, actor=actor)
    return len(days)


@transaction.atomic
def holiday_save(*, holiday: Holiday, actor, changed: Iterable[str] = ()) -> Holiday:
    """Save one calendar day the secretariat entered or changed (the admin's form): staff of its committee, and of
    the committee it had; the day becomes the secretariat's own (kept on a reload of the national calendar, and
    winning over the official day); one audit row with the day as it now stands."""
    before = Holiday.objects.select_for_update().filter(pk=holiday.pk).first() if holiday.pk else None
    _committees_for(actor, {holiday.committee_id} | ({before.committee_id} if before else set()))
    holiday.source = Holiday.Source.LOCAL
    try:
        with transaction.atomic():
            holiday.save()
    except IntegrityError as exc:
        raise DomainError({"date": _("This day is already in the committee's calendar.")}) from exc
    record_event(
        holiday,
        actor=actor,
        verb=CoreVerb.UPDATED if before else CoreVerb.CREATED,
        data={
            "fields": sorted(changed),
            "date": holiday.date.isoformat(),
            "kind": holiday.kind,
            "before": {
                "date": before.date.isoformat(),
                "kind": before.kind,
                "name": before.name,
                "source": before.source,
            }
            if before
            else None,
        },
    )
    holiday._history_user = actor
    _holiday_edited(before=before, after=holiday)  # deadlines follow the calendar
    return holiday


@transaction.atomic
def holiday_delete(*, holiday_id: int, actor) -> None:
    """Remove one day from a committee's calendar (its staff), with an audit row naming the day."""
    holiday = Holiday.objects.select_for_update().filter(pk=holiday_id).first()
    if holiday is None:
        return  # gone already: a second click changes nothing
    _committees_for(actor, [holiday.committee_id])
    record_event(
        holiday,
        actor=actor,
        verb=CoreVerb.DELETED,
        data={"date": holiday.date.isoformat(), "kind": holiday.kind, "name": holiday.name, "source": holiday.source},
    )
    holiday.delete()
    holiday._history_user = actor
    _holiday_edited(before=holiday, after=None)  # deadlines follow the calendar


def years_without_calendar(committee_id: int, days: Iterable[date]) -> list[int]:
    """The years among ``days`` for which the committee has not loaded the national calendar: a working-day
    deadline there counts only weekends, so staff are warned."""
    years = sorted({d.year for d in days if d is not None})
    if not years:
        return []
    loaded = set(
        Holiday.objects.filter(committee_id=committee_id, source=Holiday.Source.OFFICIAL, date__year__in=years)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [y for y in years if y not in loaded]


# --- deadlines that count working days follow the calendar -------------------------------------------
# A unit's window to return a proposal (退回) and the proposer's window to rate a reply are counted in working
# days on the committee's calendar. When the calendar changes (the national calendar loaded, a period entered,
# a day edited or removed in the admin), each open window keeps its number of working days, counted on the
# calendar as it was, and its last day is found again on the calendar as it is now. Reply deadlines are in
# calendar months and do not move.


def calendar_snapshot(committee_id: int) -> dict[date, str]:
    """The committee's special days, date -> kind (the calendar before a change)."""
    return dict(Holiday.objects.filter(committee_id=committee_id).values_list("date", "kind"))


def _invitation_start(invitation, days: int, before: dict[date, str]) -> date:
    """The day an invitation's window started: the invitation day, unless it was asked again later (then the day
    ``days`` working days before its deadline on the calendar as it was)."""
    invited = timezone.localtime(invitation.invited_at).date()
    if working_day_after(invited, days, before) == invitation.deadline:
        return invited
    return working_day_before(invitation.deadline, days, before)


def _windows(committee_id: int, today: date, before: dict[date, str]):
    """(record, field, start, owner, what) of every working-day window of the committee still open on ``today`` or
    later; ``owner`` carries the audit row."""
    for a in (
        Assignment.objects.select_for_update()
        .filter(
            proposal__committee_id=committee_id,
            proposal__state__in=Proposal.HANDLING_STATES,
            is_active=True,
            reassign_until__gte=today - timedelta(days=62),
        )
        .select_related("proposal")
        .order_by("pk")
    ):
        yield a, "reassign_until", a.assigned_on, a.proposal, "reassign"
    replied = (
        Proposal.objects.select_for_update()
        .filter(committee_id=committee_id, state=Proposal.State.REPLIED, feedback_due__gte=today - timedelta(days=62))
        .order_by("pk")
    )
    starts = {(r.proposal_id, r.round): r.replied_on for r in Reply.objects.filter(proposal__in=replied)}
    for p in replied:
        if (p.pk, p.round) in starts:
            yield p, "feedback_due", starts[(p.pk, p.round)], p, "feedback"
    days = settings_for(committee_id).cosign_working_days
    for c in (
        CoSigner.objects.select_for_update()
        .filter(
            proposal__committee_id=committee_id,
            proposal__state=Proposal.State.DRAFT,
            status=CoSigner.Status.INVITED,
            deadline__gte=today - timedelta(days=62),
        )
        .select_related("proposal")
        .order_by("pk")
    ):
        yield c, "deadline", _invitation_start(c, days, before), c.proposal, "cosign"
    for c in (
        CoAuthorInvitation.objects.select_for_update()
        .filter(
            report__committee_id=committee_id,
            report__state=OpinionReport.State.DRAFT,
            status=CoAuthorInvitation.Status.INVITED,
            deadline__gte=today - timedelta(days=62),
        )
        .select_related("report")
        .order_by("pk")
    ):
        yield c, "deadline", _invitation_start(c, days, before), c.report, "coauthor"


def deadlines_follow_calendar(
    *, committee_id: int, before: dict[date, str], actor, today: date | None = None
) -> list[dict]:
    """Move the committee's open working-day deadlines after a change of its calendar (``before``: the calendar
    as it was): return windows, feedback windows and co-signers' and co-authors' answers. One audit row per moved
    deadline on its proposal or report, and a notice to the people it concerns. Windows that had closed before today
    and stay closed are left alone. Returns what moved."""
    today = today or timezone.localdate()
    after = calendar_snapshot(committee_id)
    if after == before:
        return []
    moved, events = [], []
    for record, field, start, owner, what in _windows(committee_id, today, before):
        old = getattr(record, field)
        new = working_day_after(start, working_days_after(start, old, before), after)
        if new == old or (old < today and new < today):
            continue
        setattr(record, field, new)
        record.save(update_fields=[field])
        change = {"field": field, "from": old.isoformat(), "to": new.isoformat()}
        if record is not owner:
            change[type(record).__name__.lower()] = record.pk
        record_event(
            owner,
            actor=actor,
            verb=ProposalVerb.DEADLINE_RECOMPUTED,
            data=change,
            comment=_("Deadline moved with the holiday calendar: %(old)s → %(new)s") % {"old": old, "new": new},
        )
        moved.append(change)
        events.append(DeadlineMoved(what=what, record_id=record.pk, old=old, new=new, actor_id=actor_id(actor)))
    if events:
        publish_many(events)
    return moved


@on_record_write(Holiday)
def _holiday_edited(*, before: Holiday | None, after: Holiday | None) -> None:
    """A day edited, added or removed in the admin (``core.services.record_save``/``record_delete``)."""
    row = after or before
    calendar_then = calendar_snapshot(row.committee_id)
    if after is not None:
        calendar_then.pop(after.date, None)
    if before is not None:
        calendar_then[before.date] = before.kind
    actor = getattr(row, "_history_user", None)  # record_save/record_delete put the acting user there
    deadlines_follow_calendar(committee_id=row.committee_id, before=calendar_then, actor=actor)
    if before is not None and after is not None and before.committee_id != after.committee_id:
        calendar_then = calendar_snapshot(before.committee_id) | {before.date: before.kind}
        deadlines_follow_calendar(committee_id=before.committee_id, before=calendar_then, actor=actor)
