"""Roll-up finished or failed → the committee's secretariat staff.

The roll-up service publishes ``RollupEnded`` and ``assessments/subscribers.py`` tells the staff after commit
through ``notify_rollup``; this rule, every few minutes over the runs that ended in the last lead days, is the
safety net (a worker that died between the failure and its event). ``notify()`` keys each notice on (kind, run,
recipient, day), so each outcome is told once. Texts live in ``notifications.texts``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from assessments.models import RollupRun
from groups import recipients
from notifications import rules, texts
from notifications.models import Kind


def _reminders(run: RollupRun, users, ended: date):
    if run.status == RollupRun.Status.DONE:
        kind = Kind.ROLLUP_FINISHED
        title, body = texts.rollup_done(
            committee=run.committee.name, year=run.year, quarter=run.quarter, members=run.members_done
        )
    else:
        kind = Kind.ROLLUP_FAILED
        title, body = texts.rollup_failed(
            committee=run.committee.name, year=run.year, quarter=run.quarter, error=run.error
        )
    try:
        url = reverse("admin:assessments_rolluprun_change", args=[run.pk])
    except NoReverseMatch:  # pragma: no cover - admin not installed
        url = ""
    for user in users:
        yield rules.Reminder(recipient=user, obj=run, due=ended, title=title, body=body, url=url, kind=kind)


@rules.register("rollup_finished", kind=Kind.ROLLUP_FINISHED, lead_days=1, minute="*/5", hour="*")
def rollup_finished(*, today: date, lead_days: int):
    """Staff hear that a roll-up run finished or failed (runs ended within the last lead days)."""
    since = timezone.now() - timedelta(days=max(lead_days, 1))
    runs = list(
        RollupRun.objects.annotate(ended=Coalesce("finished_at", "started_at", "created_at"))
        .filter(status__in=[RollupRun.Status.DONE, RollupRun.Status.FAILED], ended__gte=since)
        .select_related("committee")
        .order_by("ended", "pk")
    )
    staff = recipients.committee_staff(r.committee_id for r in runs)
    with translation.override(settings.LANGUAGE_CODE):
        for run in runs:
            yield from _reminders(run, staff.get(run.committee_id, []), timezone.localtime(run.ended).date())


def notify_rollup(run: RollupRun) -> int:
    """Tell the committee's staff now (the ``RollupEnded`` subscriber; same keys as the rule)."""
    from notifications.services import notify

    ended = timezone.localtime(run.finished_at or run.started_at or run.created_at).date()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for r in _reminders(run, recipients.committee_staff([run.committee_id]).get(run.committee_id, []), ended):
            _n, new = notify(
                kind=r.kind, recipient=r.recipient, obj=r.obj, due=r.due, title=r.title, body=r.body, url=r.url
            )
            sent += new
    return sent
