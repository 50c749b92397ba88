"""Writes of the assessments app: rule sets from presets, locking, quarterly roll-ups."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.verbs import AssessmentVerb
from core import outbox
from core.events import publish
from core.exceptions import DomainError, InvalidTransition
from core.models import User
from core.services import lock, not_an_api_action, on_record_write, record_event
from core.verbs import CoreVerb
from groups.access import require_staff
from groups.models import Committee

from .events import RollupEnded
from .models import CategoryCap, GradeBand, MinimumRequirement, PointRule, RollupRun, RuleSet
from .presets import PRESETS
from .scoring import RuleBook

RUN_ROLLUP_TASK = "assessments.run_rollup"  # assessments.tasks.run_rollup

RuleRow = RuleSet | PointRule | CategoryCap | MinimumRequirement | GradeBand


def _step(rounding: Decimal | str) -> str:
    """A rounding step as its choice value ("0.50" -> "0.5", "1.00" -> "1")."""
    return format(Decimal(str(rounding)).normalize(), "f")


BOOK_FIELDS = ("shortfall_effect", "shortfall_grade", "repeat_below", "repeat_grade")


def _write_book(rule_set: RuleSet, book: RuleBook) -> None:
    PointRule.objects.bulk_create(
        PointRule(
            rule_set=rule_set,
            kind=r.kind,
            nth_from=r.nth_from,
            points=r.points,
            per_unit=r.per_unit,
            share=r.share,
            category=r.category,
            adds=r.adds,
            rounding=_step(r.rounding),
        )
        for r in book.rules
    )
    CategoryCap.objects.bulk_create(CategoryCap(rule_set=rule_set, category=c, cap=v) for c, v in book.caps.items())
    MinimumRequirement.objects.bulk_create(
        MinimumRequirement(rule_set=rule_set, kind=k, min_count=n, group=book.minimum_groups.get(k, ""))
        for k, n in book.minimums.items()
    )
    GradeBand.objects.bulk_create(
        GradeBand(rule_set=rule_set, label=b.label, min_score=b.min_score, max_score=b.max_score) for b in book.bands
    )


@transaction.atomic
def ruleset_create_from_preset(*, committee: Committee, year: int, preset: str, actor: User) -> RuleSet:
    """Create a committee's rule set for a year as a copy of one of the published presets."""
    require_staff(actor, committee.pk, system=True)
    if preset not in PRESETS:
        raise DomainError(_("Unknown preset: %(preset)s.") % {"preset": preset})
    if RuleSet.objects.filter(committee=committee, year=year).exists():
        raise DomainError(_("This committee already has a rule set for that year."))
    chosen = PRESETS[preset]
    rule_set = RuleSet.objects.create(
        committee=committee,
        year=year,
        name=str(chosen.label),
        base_score=chosen.book.base,
        bonus_cap=chosen.book.bonus_cap,
        notes=chosen.notes,
        **{f: getattr(chosen.book, f) for f in BOOK_FIELDS},
    )
    _write_book(rule_set, chosen.book)
    record_event(rule_set, actor=actor, verb=CoreVerb.CREATED, data={"preset": preset})
    return rule_set


@transaction.atomic
def ruleset_copy(*, rule_set_id: int, year: int, actor: User) -> RuleSet:
    """Start another year with a copy of a rule set (unlocked, so staff can adjust it)."""
    source = RuleSet.objects.for_scoring().get(pk=rule_set_id)
    require_staff(actor, source.committee_id, system=True)
    if RuleSet.objects.filter(committee_id=source.committee_id, year=year).exists():
        raise DomainError(_("This committee already has a rule set for that year."))
    copy = RuleSet.objects.create(
        committee_id=source.committee_id,
        year=year,
        name=source.name,
        base_score=source.base_score,
        bonus_cap=source.bonus_cap,
        notes=source.notes,
        **{
            f: getattr(source, f)
            for f in (
                "award_top_n",
                "award_min_points",
                "funding_per_member",
                "funding_per_filed_activity",
                "funding_cap",
                *BOOK_FIELDS,
            )
        },
    )
    _write_book(copy, source.book())
    record_event(copy, actor=actor, verb=CoreVerb.CREATED, data={"copied_from": source.pk})
    return copy


@transaction.atomic
def ruleset_lock(*, rule_set_id: int, actor: User) -> RuleSet:
    """Lock a rule set so the year's points can no longer change, and freeze the groups' settlement
    (rank, award candidates, funding) so the year's figures never change either."""
    from .models import GroupSettlement
    from .selectors import group_settlement

    rule_set = lock(RuleSet, rule_set_id)
    require_staff(actor, rule_set.committee_id, system=True)
    if rule_set.is_locked:
        raise InvalidTransition(_("This rule set is already locked."))
    rule_set.is_locked = True
    rule_set.save(update_fields=["is_locked", "updated_at"])
    lines, frozen = group_settlement(rule_set.committee_id, rule_set.year)
    if not frozen:
        GroupSettlement.objects.bulk_create(
            [
                GroupSettlement(
                    committee_id=rule_set.committee_id,
                    group_id=line.group_id,
                    year=rule_set.year,
                    rank=line.rank,
                    members=line.members,
                    filed_activities=line.filed_activities,
                    points=line.points,
                    is_award_candidate=line.is_award_candidate,
                    funding=line.funding,
                )
                for line in lines
            ]
        )
    record_event(rule_set, actor=actor, verb=AssessmentVerb.LOCKED)
    return rule_set


def _year_locked(committee_id: int, year: int) -> bool:
    return RuleSet.objects.filter(committee_id=committee_id, year=year, is_locked=True).exists()


def rollup_start(*, committee: Committee, year: int, quarter: int, actor: User | None, send: bool = True) -> RollupRun:
    """Queue a roll-up of one quarter; refused while one is queued or running, or for a locked year. ``send=False``:
    no message for the worker, the caller runs ``rollup_execute`` itself (the demo seed's last step)."""
    require_staff(actor, committee.pk, system=True)
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("A quarter is 1, 2, 3 or 4."))
    if _year_locked(committee.pk, year):
        raise DomainError(_("The year %(year)s is locked: its figures can no longer change.") % {"year": year})
    busy = _("A roll-up of this quarter is already queued or running.")
    if RollupRun.objects.active().filter(committee=committee, year=year, quarter=quarter).exists():
        raise DomainError(busy)
    try:
        with transaction.atomic():
            run = RollupRun.objects.create(committee=committee, year=year, quarter=quarter, requested_by=actor)
            record_event(run, actor=actor, verb=AssessmentVerb.QUEUED)
            # Through the outbox: with Redis down the request still succeeds and the message goes out later.
            if send:
                outbox.enqueue(RUN_ROLLUP_TASK, run.pk)
    except IntegrityError as exc:  # the partial unique index settles a race between two clicks
        raise DomainError(busy) from exc
    return run


@not_an_api_action("the worker's task (assessments.tasks.run_rollup) after rollup_start queued the run")
def rollup_execute(*, run_id: int, now: datetime | None = None) -> RollupRun:
    """Compute a run's quarter and replace its snapshot in one transaction; safe to run twice.

    A run already done is left alone (a redelivered message changes nothing). A worker killed in
    the middle rolls the transaction back: the previous snapshot stays, the run stays "running",
    and the redelivered task computes it again.
    """
    from . import progress, rollup

    with transaction.atomic():
        run = RollupRun.objects.select_for_update().get(pk=run_id)
        if run.status == RollupRun.Status.DONE:
            return run
        if _year_locked(run.committee_id, run.year):
            run.status, run.error, run.finished_at = (
                RollupRun.Status.FAILED,
                _("The year is locked."),
                now or timezone.now(),
            )
            run.save(update_fields=["status", "error", "finished_at"])
            publish(RollupEnded(run_id=run.pk, committee_id=run.committee_id, ok=False))
            return run
        run.status, run.started_at = RollupRun.Status.RUNNING, now or timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        with transaction.atomic():
            run = RollupRun.objects.select_for_update().get(pk=run_id)
            if run.status == RollupRun.Status.DONE:  # a duplicate message finished it meanwhile
                return run
            # The stages go to a cache: the run row's own updates stay invisible until this transaction commits.
            run.members_done = rollup.replace_quarter(run, progress=progress.publisher(run))
            run.status, run.finished_at, run.error = RollupRun.Status.DONE, now or timezone.now(), ""
            run.save(update_fields=["members_done", "status", "finished_at", "error"])
            RollupRun.objects.filter(
                committee_id=run.committee_id, year=run.year, quarter=run.quarter, status=RollupRun.Status.DONE
            ).update(is_stale=False)
            record_event(run, actor=None, verb=AssessmentVerb.DONE, data={"members": run.members_done})
            # The staff hear it after commit (assessments/subscribers.py); the 5-minute rule is the safety net.
            publish(RollupEnded(run_id=run.pk, committee_id=run.committee_id, ok=True))
    except Exception as exc:
        with transaction.atomic():
            RollupRun.objects.filter(pk=run_id).update(status=RollupRun.Status.FAILED, error=repr(exc)[:2000])
            committee_id = RollupRun.objects.values_list("committee_id", flat=True).get(pk=run_id)
            publish(RollupEnded(run_id=run_id, committee_id=committee_id, ok=False))
        raise
    return run


@not_an_api_action("run by the DutyRecordChanged subscriber and rule-set edits; no one marks a quarter by hand")
def rollup_mark_stale(*, committee_id: int, on: date) -> int:
    """A late change dated ``on``: that quarter and the later ones of its year must be recomputed."""
    from .rollup import quarter_of

    return RollupRun.objects.filter(
        committee_id=committee_id, year=on.year, quarter__gte=quarter_of(on), status=RollupRun.Status.DONE
    ).update(is_stale=True)


@not_an_api_action(
    "beat's schedule: queues the quarter just ended and the stale ones (POST /api/v1/rollups/run/ starts one by hand)"
)
def rollup_start_due(*, today: date) -> list[RollupRun]:
    """For beat: queue the quarter that just ended where it has no run yet, and every stale quarter."""
    from .rollup import quarter_of

    year, quarter = (today.year, quarter_of(today) - 1) if quarter_of(today) > 1 else (today.year - 1, 4)
    wanted = {(c, year, quarter) for c in Committee.objects.values_list("pk", flat=True)}
    covered = RollupRun.objects.filter(year=year, quarter=quarter).exclude(status=RollupRun.Status.FAILED)
    wanted -= set(covered.values_list("committee_id", "year", "quarter"))  # a failed quarter is tried again
    wanted |= set(
        RollupRun.objects.filter(is_stale=True, status=RollupRun.Status.DONE).values_list(
            "committee_id", "year", "quarter"
        )
    )
    started = []
    for committee in Committee.objects.filter(pk__in={c for c, _y, _q in wanted}):
        for _c, y, q in sorted(w for w in wanted if w[0] == committee.pk):
            try:
                started.append(rollup_start(committee=committee, year=y, quarter=q, actor=None))
            except DomainError:
                continue  # running already, or the year is locked
    return started


@not_an_api_action("beat's watchdog: sends again the runs whose worker died")
def rollup_requeue_stuck(*, now: datetime, older_than: timedelta) -> list[int]:
    """Send again the runs queued or running for longer than ``older_than``: their worker died.

    A duplicate message is harmless: ``rollup_execute`` does nothing for a run already done.
    """
    stuck = list(RollupRun.objects.active().filter(created_at__lt=now - older_than).values_list("pk", flat=True))
    for run_id in stuck:
        outbox.enqueue(RUN_ROLLUP_TASK, run_id)
    return stuck


# --- Rule sets edited in the admin ---------------------------------------------------------------------------


@on_record_write(RuleSet, PointRule, CategoryCap, MinimumRequirement, GradeBand)
def _rules_changed(*, before: RuleRow | None, after: RuleRow | None) -> None:
    """A rule set's year is scored with its rules: every quarter of that year (old and new, when the rule set
    moved) must be recomputed, so the snapshots and the annual page follow the live duty records. A locked
    rule set does not change at all."""
    for row in (before, after):
        if row is None:
            continue
        rule_set = row if isinstance(row, RuleSet) else RuleSet.objects.filter(pk=row.rule_set_id).first()
        if rule_set is None:
            continue  # deleted with its rule set
        if rule_set.is_locked and (row is not rule_set or isinstance(before, RuleSet) and before.is_locked):
            raise InvalidTransition(_("A locked rule set can no longer be changed."))
        rollup_mark_stale(committee_id=rule_set.committee_id, on=date(rule_set.year, 1, 1))
