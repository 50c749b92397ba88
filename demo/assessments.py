"""Demo point rules: each demo committee gets one of the published presets for the demo year, plus a rule that
prices work at a duty platform (seed 004: a platform's activity "counts in members' annual assessment"; the published
presets leave it out)."""

from decimal import Decimal

from assessments.kinds import EventKind
from assessments.models import PointRule
from assessments.presets import PRESETS
from assessments.services import ruleset_create_from_preset

# The city (and a province) takes 合肥's rules; the districts take turns with the others.
CITY_PRESET = "hefei"
DISTRICT_PRESETS = ["minhang", "jinan", "tongcheng"]
PLATFORM_WORK_POINTS = Decimal(2)  # on top of the activity's own points, in a category of its own
PLATFORM_WORK_CATEGORY = "平台履职"


def seed(ctx) -> None:
    """Create a rule set for every demo committee for ``ctx.year``."""
    staff = ctx.logins.get("staff")
    districts = iter(DISTRICT_PRESETS * (len(ctx.committees) // len(DISTRICT_PRESETS) + 1))
    for committee in ctx.committees:
        preset = CITY_PRESET if committee.level != "district" else next(districts)
        if preset not in PRESETS:
            raise LookupError(preset)
        rule_set = ruleset_create_from_preset(committee=committee, year=ctx.year, preset=preset, actor=staff)
        # a row written directly, as the rest of the demo (staff add such a rule on the rule set's admin page)
        PointRule.objects.create(
            rule_set=rule_set,
            kind=EventKind.PLATFORM_WORK,
            points=PLATFORM_WORK_POINTS,
            category=PLATFORM_WORK_CATEGORY,
        )
    ctx.say(f"assessments: {len(ctx.committees)} point rule sets for {ctx.year}")
    _duty_sources(ctx)


def _duty_sources(ctx) -> None:
    """Facts only duty records price: plenary half-days and excellent proposals (small, fast)."""
    from demo import plenary
    from demo.proposals import seed_excellent

    plenary.seed(ctx)
    seed_excellent(ctx)
