"""When e-mail and SMS may go out: a person's quiet hours and the daily digest's cut-off, in local time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def quiet_until(start: time | None, end: time | None, now: datetime) -> datetime | None:
    """The end of the quiet period ``now`` falls in (an aware datetime), or None outside it.

    ``start``–``end`` is local time (TIME_ZONE) and may run over midnight (22:00–07:30).
    """
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # over midnight: 22:00–24:00 today ends tomorrow; 00:00–07:30 ends today
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return timezone.make_aware(datetime.combine(end_day, end), timezone.get_current_timezone())


def digest_cutoff(now: datetime) -> datetime:
    """The latest daily digest time at or before ``now``: a digest lists what arrived before it."""
    local = timezone.localtime(now)
    hour, minute = settings.NOTIFICATIONS_DIGEST_TIME
    today = timezone.make_aware(datetime.combine(local.date(), time(hour, minute)), timezone.get_current_timezone())
    return today if today <= local else today - timedelta(days=1)
