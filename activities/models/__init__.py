from .activity import (
    Activity,
    ActivityKind,
    ActivityOpenTo,
    ActivitySettings,
    AnnualPlan,
    Attendance,
    EnterTarget,
    Evidence,
    PlanItem,
    SixItem,
)
from .coverage import CoverageTally
from .leads import ActivitySuggestion, Lead

__all__ = [
    "Activity",
    "ActivityKind",
    "ActivityOpenTo",
    "ActivitySettings",
    "AnnualPlan",
    "Attendance",
    "CoverageTally",
    "EnterTarget",
    "Evidence",
    "PlanItem",
    "SixItem",
    "ActivitySuggestion",
    "Lead",
]
