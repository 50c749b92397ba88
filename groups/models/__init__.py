from .contacts import ConstituentContact, ContactTopic, ContactWhom
from .expertise import Expertise
from .organisation import (
    ActivityGroup,
    Committee,
    CommitteeStaff,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    Party,
    Platform,
    PlenarySession,
    Sector,
    SpecialCommittee,
    Term,
)
from .platforms import PlatformDocument, PlatformEvaluation, PlatformMembership, PlatformPlan
from .supervision import Inspection, SupervisionGroup, SupervisionVisit, WorkReport
from .tally import MemberTally

__all__ = [
    "Expertise",
    "ActivityGroup",
    "Committee",
    "CommitteeStaff",
    "ConstituentContact",
    "ContactPoint",
    "ContactTopic",
    "ContactWhom",
    "GroupMembership",
    "HandlingUnit",
    "Member",
    "MemberTally",
    "Party",
    "Platform",
    "PlatformDocument",
    "PlatformEvaluation",
    "PlatformMembership",
    "PlatformPlan",
    "PlenarySession",
    "Sector",
    "SpecialCommittee",
    "Term",
    "Inspection",
    "SupervisionGroup",
    "SupervisionVisit",
    "WorkReport",
]
