"""The holiday calendar: the official national calendar (from the ``chinese-calendar`` package, which follows
the State Council's yearly notice), days the secretariat enters as a range, and the years a committee has no
calendar for. Writes here are services like ``proposals.services`` (locked, checked, audited)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chinese_calendar import constants as official
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.services import record_event
from groups.access import scope_of
from groups.models import Committee
from proposals.models import Holiday

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
        raise DomainError({"year": _("The national calendar for %(year)s has not been published in the installed "
                                     "calendar (it covers %(first)s–%(last)s).")
                           % {"year": year, "first": official_years()[0], "last": official_years()[-1]}})
    days = {d: (Holiday.Kind.HOLIDAY, _BY_VALUE.get(str(n), str(n))) for d, n in official.holidays.items() if d.year == year}
    days |= {d: (Holiday.Kind.WORKDAY, _BY_VALUE.get(str(n), str(n))) for d, n in official.workdays.items() if d.year == year}
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
    for committee in Committee.objects.select_for_update().filter(pk__in=_committees_for(actor, committee_ids)).order_by("pk"):
        rows = {h.date: h for h in Holiday.objects.select_for_update().filter(
            committee=committee, date__year=year)}
        created = updated = kept_local = 0
        for day, (kind, name) in sorted(days.items()):
            row = rows.get(day)
            if row is None:
                Holiday.objects.create(committee=committee, date=day, kind=kind, name=name,
                                       source=Holiday.Source.OFFICIAL)
                created += 1
            elif row.source == Holiday.Source.LOCAL:
                kept_local += 1
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save(update_fields=["kind", "name"])
                updated += 1
        stale = [h.pk for d, h in rows.items() if h.source == Holiday.Source.OFFICIAL and d not in days]
        Holiday.objects.filter(pk__in=stale).delete()
        counts = {"year": year, "created": created, "updated": updated, "removed": len(stale), "kept_local": kept_local,
                  "holidays": sum(k == Holiday.Kind.HOLIDAY for k, _n in days.values()),
                  "workdays": sum(k == Holiday.Kind.WORKDAY for k, _n in days.values())}
        record_event(committee, actor=actor, verb="holiday_calendar_loaded", data=counts,
                     comment=_("National holiday calendar %(year)s loaded") % {"year": year})
        result[committee.pk] = counts
    return result


@transaction.atomic
def holiday_range_add(*, committee_id: int, start: date, end: date, name: str, actor,
                      kind: str = Holiday.Kind.HOLIDAY) -> list[Holiday]:
    """Enter a period from ``start`` to ``end`` (both included) as the secretariat's own days, one row per day:
    days off, or working days (a local adjusted weekend). A day already in the calendar takes the new entry."""
    _committees_for(actor, [committee_id])
    if end < start:
        raise DomainError({"end": _("The last day must not be before the first.")})
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise DomainError({"end": _("Enter at most %(n)s days at a time.") % {"n": MAX_RANGE_DAYS}})
    if kind not in Holiday.Kind.values:
        raise DomainError({"kind": _("Choose a kind of day.")})
    committee = Committee.objects.select_for_update().get(pk=committee_id)
    rows = []
    day = start
    while day <= end:
        row, _created = Holiday.objects.update_or_create(
            committee=committee, date=day, defaults={"kind": kind, "name": name, "source": Holiday.Source.LOCAL})
        rows.append(row)
        day += timedelta(days=1)
    record_event(committee, actor=actor, verb="holidays_added", comment=name,
                 data={"from": start.isoformat(), "to": end.isoformat(), "kind": kind, "days": len(rows)})
    return rows


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
    record_event(holiday, actor=actor, verb="updated" if before else "created",
                 data={"fields": sorted(changed), "date": holiday.date.isoformat(), "kind": holiday.kind,
                       "before": {"date": before.date.isoformat(), "kind": before.kind, "name": before.name,
                                  "source": before.source} if before else None})
    return holiday


@transaction.atomic
def holiday_delete(*, holiday_id: int, actor) -> None:
    """Remove one day from a committee's calendar (its staff), with an audit row naming the day."""
    holiday = Holiday.objects.select_for_update().filter(pk=holiday_id).first()
    if holiday is None:
        return  # gone already: a second click changes nothing
    _committees_for(actor, [holiday.committee_id])
    record_event(holiday, actor=actor, verb="deleted",
                 data={"date": holiday.date.isoformat(), "kind": holiday.kind, "name": holiday.name,
                       "source": holiday.source})
    holiday.delete()


def years_without_calendar(committee_id: int, days: Iterable[date]) -> list[int]:
    """The years among ``days`` for which the committee has not loaded the national calendar: a working-day
    deadline there counts only weekends, so staff are warned."""
    years = sorted({d.year for d in days if d is not None})
    if not years:
        return []
    loaded = set(Holiday.objects.filter(committee_id=committee_id, source=Holiday.Source.OFFICIAL,
                                        date__year__in=years).values_list("date__year", flat=True).distinct())
    return [y for y in years if y not in loaded]
