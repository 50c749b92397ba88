"""Writes of the assessments app: rule sets from presets, locking."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError, InvalidTransition
from core.services import record_event
from groups.models import Committee

from .models import CategoryCap, GradeBand, MinimumRequirement, PointRule, RuleSet
from .presets import PRESETS
from .scoring import RuleBook


def _write_book(rule_set: RuleSet, book: RuleBook) -> None:
    PointRule.objects.bulk_create(
        PointRule(rule_set=rule_set, kind=r.kind, nth_from=r.nth_from, points=r.points, per_unit=r.per_unit,
                  share=r.share, category=r.category)
        for r in book.rules
    )
    CategoryCap.objects.bulk_create(CategoryCap(rule_set=rule_set, category=c, cap=v) for c, v in book.caps.items())
    MinimumRequirement.objects.bulk_create(
        MinimumRequirement(rule_set=rule_set, kind=k, min_count=n) for k, n in book.minimums.items()
    )
    GradeBand.objects.bulk_create(
        GradeBand(rule_set=rule_set, label=b.label, min_score=b.min_score, max_score=b.max_score) for b in book.bands
    )


@transaction.atomic
def ruleset_create_from_preset(*, committee: Committee, year: int, preset: str, actor) -> RuleSet:
    """Create a committee's rule set for a year as a copy of one of the published presets."""
    if preset not in PRESETS:
        raise DomainError(_("Unknown preset: %(preset)s.") % {"preset": preset})
    if RuleSet.objects.filter(committee=committee, year=year).exists():
        raise DomainError(_("This committee already has a rule set for that year."))
    chosen = PRESETS[preset]
    rule_set = RuleSet.objects.create(
        committee=committee, year=year, name=str(chosen.label), base_score=chosen.book.base,
        bonus_cap=chosen.book.bonus_cap, notes=chosen.notes,
    )
    _write_book(rule_set, chosen.book)
    record_event(rule_set, actor=actor, verb="created", data={"preset": preset})
    return rule_set


@transaction.atomic
def ruleset_lock(*, rule_set_id: int, actor) -> RuleSet:
    """Lock a rule set so the year's points can no longer change."""
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set_id)
    if rule_set.is_locked:
        raise InvalidTransition(_("This rule set is already locked."))
    rule_set.is_locked = True
    rule_set.save(update_fields=["is_locked", "updated_at"])
    record_event(rule_set, actor=actor, verb="locked")
    return rule_set
