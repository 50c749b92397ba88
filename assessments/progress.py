"""How far a running roll-up got, readable by other processes while its transaction is still open.

``rollup.replace_quarter`` reports its stages ("members", "groups", "committee", then "done") to a callback;
``services.rollup_execute`` passes :func:`publisher`, which writes the stage to a cache. The run row cannot
carry it: the row is updated inside the roll-up's transaction, so nobody sees the update before the commit.

The cache is ``CACHES["rollup-progress"]`` when configured, else ``default``: Redis in production and CI (every
web and worker process reads the same keys); without Redis a file cache under ``var/`` (the local-memory cache
is per process, and a database cache would write inside the roll-up's own transaction and be just as invisible).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils.translation import gettext as _

from core.ordinals import quarter_label

from .models import RollupRun

ALIAS = "rollup-progress"
TIMEOUT = 24 * 3600


def cache():
    return caches[ALIAS if ALIAS in settings.CACHES else "default"]


def key(run: RollupRun) -> str:
    """Per run; the creation time keeps two databases' run #1 apart (agents and CI jobs sharing one Redis)."""
    return f"assessments:rollup-progress:{run.pk}:{run.created_at.timestamp():.6f}"


def publisher(run: RollupRun):
    """The ``progress(stage, done, total)`` callback for ``replace_quarter``; never fails the roll-up."""

    def publish(stage: str, done: int, total: int) -> None:
        try:
            cache().set(key(run), {"stage": stage, "done": done, "total": total}, TIMEOUT)
        except Exception:  # a progress bar must not cost the roll-up
            import logging

            logging.getLogger(__name__).warning("roll-up %s: progress not published", run.pk, exc_info=True)

    return publish


def read(run: RollupRun) -> dict | None:
    try:
        return cache().get(key(run))
    except Exception:
        return None


def stage_labels() -> dict[str, str]:
    return {
        "queued": _("Waiting for a worker"),
        "starting": _("Starting"),
        "members": _("Computing the members' points"),
        "groups": _("Adding up the groups"),
        "committee": _("Adding up the committee"),
        "done": _("Saving the snapshot"),
        "finished": _("Finished"),
        "failed": _("Failed"),
    }


FIGURES = (
    "members",
    "members_covered",
    "groups",
    "activities_present",
    "three_enters",
    "proposals",
    "reports",
    "consultations",
    "points",
)


def figure_link(run: RollupRun, name: str) -> str:
    """The list of the rows behind one of a run's figures ("" for the points, a sum no list of rows adds up to): the
    members the roll-up scored (those covered by 三进), the groups it counted, or the duty events summed."""
    from urllib.parse import urlencode

    from .selectors import EVENT_FIGURES

    period = {"committee": run.committee_id, "year": run.year, "quarter": run.quarter}
    if name == "members":
        return f"{reverse('assessments:dashboard_members')}?{urlencode(period)}"
    if name == "members_covered":
        return f"{reverse('assessments:dashboard_members')}?{urlencode({**period, 'covered': 1})}"
    if name == "groups":  # the groups the run counted, not the committee's groups now
        return f"{reverse('assessments:dashboard_groups')}?{urlencode(period)}"
    if name in EVENT_FIGURES:
        return f"{reverse('assessments:dashboard_events')}?{urlencode({**period, 'figure': name})}"
    return ""


def figures(run: RollupRun) -> list[dict]:
    """The committee's figures for the quarter, as the finished run wrote them, each count with the link to its rows
    (``href``: the page and static/js/rollup-progress.js render it as a drill-down link)."""
    from .models import CommitteeSnapshot
    from .selectors import EVENT_FIGURES

    snapshot = CommitteeSnapshot.objects.filter(run=run).first()
    if snapshot is None:
        return []
    return [
        {
            "name": name,
            "label": str(CommitteeSnapshot._meta.get_field(name).verbose_name),
            "value": str(getattr(snapshot, name)),
            # a change since the run touched the quarter: its sums are no longer the events their lists show now
            "href": "" if run.is_stale and name in EVENT_FIGURES else figure_link(run, name),
        }
        for name in FIGURES
    ]


def status(run: RollupRun) -> dict:
    """What the progress page shows: status, stage, percent (100 only once the snapshot is committed), result."""
    labels = stage_labels()
    payload = {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "committee": str(run.committee),
        "year": run.year,
        "quarter": run.quarter,
        "created_at": run.created_at.isoformat(),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "members_done": run.members_done,
        "is_stale": run.is_stale,
        "error": "",
        "links": {},
    }
    if run.status == RollupRun.Status.DONE:
        stage, percent = "finished", 100
        payload["message"] = _("%(members)s members computed for %(year)s %(quarter)s.") % {
            "members": run.members_done,
            "year": run.year,
            "quarter": quarter_label(run.quarter),
        }
        payload["figures"] = figures(run)
        payload["links"] = {
            "members": reverse("admin:assessments_membersnapshot_changelist")
            + f"?committee__id__exact={run.committee_id}&year={run.year}&quarter={run.quarter}",
            "annual": reverse("assessments:annual") + f"?committee={run.committee_id}&year={run.year}",
        }
    elif run.status == RollupRun.Status.FAILED:
        stage, percent = "failed", 0
        payload["error"] = _("The roll-up failed and the previous figures were kept. Technical detail: %(error)s") % {
            "error": run.error or "—"
        }
        payload["message"] = payload["error"]
    elif run.status == RollupRun.Status.QUEUED:
        stage, percent = "queued", 0
    else:
        seen = read(run) or {"stage": "starting", "done": 0, "total": 1}
        stage = seen["stage"]
        # 100 % means committed: while the transaction is open the bar stops just short of it.
        percent = min(99, max(2, round(100 * seen["done"] / max(seen["total"], 1))))
    payload.update(
        stage=stage,
        stage_label=labels.get(stage, stage),
        percent=percent,
        finished=run.status in (RollupRun.Status.DONE, RollupRun.Status.FAILED),
    )
    payload.setdefault("message", payload["stage_label"])
    return payload
