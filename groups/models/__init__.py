from .contacts import ConstituentContact, ContactTopic, ContactWhom
from .expertise import Expertise
from .mailbox import MessageRating, MessageTarget, PublicMessage, Satisfaction
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
    "MessageTarget",
    "Party",
    "Platform",
    "PlatformDocument",
    "PlatformEvaluation",
    "PlatformMembership",
    "PlatformPlan",
    "PlenarySession",
    "PublicMessage",
    "MessageRating",
    "Satisfaction",
    "Sector",
    "SpecialCommittee",
    "Term",
    "Inspection",
    "SupervisionGroup",
    "SupervisionVisit",
    "WorkReport",
]
