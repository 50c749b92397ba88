from .config import (
    DEFAULT_NOT_FILING_GROUNDS,
    DEFAULT_RESULT_CODES,
    Holiday,
    NotFilingGround,
    ProposalSettings,
    ResultCode,
)
from .proposal import (
    Assignment,
    Attachment,
    Category,
    CoHandlerOpinion,
    ContactRecord,
    CoSigner,
    DuplicateHint,
    Feedback,
    ImplementationEntry,
    Proposal,
    Reply,
    SupervisionNote,
)
from .report import Adoption, CoAuthorInvitation, Instruction, Level, OpinionReport, ReportIssue

__all__ = [
    "DEFAULT_NOT_FILING_GROUNDS", "DEFAULT_RESULT_CODES", "NotFilingGround", "Adoption", "Assignment", "CoAuthorInvitation", "Attachment", "Category", "CoHandlerOpinion", "CoSigner",
    "DuplicateHint",
    "ContactRecord", "Feedback", "Holiday", "ImplementationEntry", "Instruction", "Level", "OpinionReport",
    "Proposal", "ProposalSettings", "Reply", "ReportIssue", "ResultCode", "SupervisionNote",
]
