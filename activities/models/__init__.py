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
from .coverage import CommitteeCoverage, CoverageTally
from .leads import ActivitySuggestion, Lead
from .mailbox import MessageRating, MessageTarget, PublicMessage, Satisfaction
from .tally import FiledTally

__all__ = [
    "Activity",
    "ActivityKind",
    "ActivityOpenTo",
    "ActivitySettings",
    "AnnualPlan",
    "Attendance",
    "CommitteeCoverage",
    "CoverageTally",
    "EnterTarget",
    "FiledTally",
    "Evidence",
    "PlanItem",
    "SixItem",
    "ActivitySuggestion",
    "Lead",
    "MessageRating",
    "MessageTarget",
    "PublicMessage",
    "Satisfaction",
]
