"""Where duty events come from: the one door between the source records and the scoring engine.

``duty_events(committee, start, end)`` will read, with a few set-based queries (no query per member):

- activity attendance (activities issue, in ``groups``): one event per member and activity held in
  the period — ``activity_<type>`` when present (``activity_three_enters`` for 三进 activities),
  ``activity_excused`` or ``activity_absent`` otherwise; source ``("groups.attendance", pk)``;
- plenary attendance: ``plenary_present`` / ``plenary_excused`` / ``plenary_absent`` per session,
  quantity = half-days;
- proposals (proposals issue): ``proposal_submitted`` for every author on the submission date;
  ``proposal_filed_lead`` (sole author), ``proposal_joint_first`` or ``proposal_filed_cosigner`` on
  the filing date (立案), with ``authors`` = the number of authors; key and excellent bonuses on the
  date they were granted; source ``("proposals.proposal", pk)``;
- public-opinion reports: ``report_submitted``; ``report_adopted_<level>`` per adoption (date of
  adoption), ``report_not_adopted`` once closed without one; ``instruction_<level>`` per 批示;
- consultation attendance (consultations issue): ``consultation_present``;
- platform work: ``platform_work`` per recorded session at a studio or station.

Those tables do not exist in this branch yet, so it yields nothing; the roll-up and the tests
already run through it.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from groups.models import Committee

from .scoring import DutyEvent


def duty_events(committee: Committee, start: date, end: date, *,
                member_ids: Iterable[int] | None = None) -> Iterable[tuple[int, DutyEvent]]:
    """(member id, event) for the committee's members (or only ``member_ids``), start <= date <= end,
    ordered by member id."""
    return iter(())


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
