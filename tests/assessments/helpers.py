"""Small builders for duty events and rule books in tests."""

from datetime import date
from decimal import Decimal

from assessments.models import RuleSet
from assessments.scoring import DutyEvent
from assessments.services import ruleset_create_from_preset

YEAR = 2026
_serial = iter(range(1, 10_000))


def ev(kind, month=1, day=1, *, qty=1, role="", authors=1, source=None, title=""):
    """A duty event on a day of the test year, with a made-up source reference unless one is given."""
    return DutyEvent(
        kind=str(kind),
        on=date(YEAR, month, day),
        quantity=Decimal(str(qty)),
        role=role,
        authors=authors,
        source=source or ("tests.fake", next(_serial)),
        title=title,
    )


def many(kind, n, month=1, **kw):
    return [ev(kind, month, day + 1, **kw) for day in range(n)]


def preset_book(committee, preset, *, year=YEAR):
    """Create the preset as rule-set rows, then read it back the way the roll-up will."""
    rule_set = ruleset_create_from_preset(committee=committee, year=year, preset=preset, actor=None)
    return RuleSet.objects.for_scoring().get(pk=rule_set.pk).book()


def subtotals(breakdown):
    return {c.category: (c.raw, c.capped) for c in breakdown.categories}


def D(x):
    return Decimal(str(x))
