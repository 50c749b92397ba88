"""Choice sets named for the OpenAPI schema: several models have their own "kind", "state", "level" or "status".

Referenced from SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] and imported lazily, after the apps are ready.
"""

from activities import models as activities
from assessments import kinds as assessment_kinds
from assessments import models as assessments
from consultations import models as consultations
from groups import models as groups
from notifications import models as notifications
from proposals.models import config as proposal_config
from proposals.models import proposal as proposals
from proposals.models import report as reports

NotificationKind = notifications.Kind
ContactPointKind = groups.ContactPoint.Kind
ActivityGroupKind = groups.ActivityGroup.Kind
PlatformKind = groups.Platform.Kind
ActivityKind = activities.Activity.Kind
EvidenceKind = activities.Evidence.Kind
HolidayKind = proposal_config.Holiday.Kind
ProposalKind = proposals.Proposal.Kind
ParticipantKind = consultations.Participant.Kind
SessionDocumentKind = consultations.SessionDocument.Kind
OutcomeEntryKind = consultations.OutcomeEntry.Kind
PointRuleKind = assessment_kinds.EventKind
CommitteeLevel = groups.Committee.Level
PlatformLevel = groups.Platform.Level
AdoptionLevel = reports.Level
ProposalCategory = proposals.Category
ContactTopic = groups.ContactTopic  # a contact's and a resident's message's kind of matter
EnterTarget = activities.EnterTarget
MessageTarget = activities.MessageTarget
GroupMembershipRole = groups.GroupMembership.Role
CommitteeStaffRole = groups.CommitteeStaff.Role
AssignmentRole = proposals.Assignment.Role
ActivityState = activities.Activity.State
ProposalState = proposals.Proposal.State
OpinionReportState = reports.OpinionReport.State
TopicState = consultations.Topic.State
ConsultationSessionState = consultations.ConsultationSession.State
OutcomeState = consultations.Outcome.State
DeliveryStatus = notifications.Delivery.Status
MemberStatus = groups.Member.Status
AttendanceStatus = activities.Attendance.Status
CoSignerStatus = proposals.CoSigner.Status
ConsultationAttendanceStatus = consultations.Attendance.Status
RollupRunStatus = assessments.RollupRun.Status
PlatformState = groups.Platform.State
PlatformMembershipRole = groups.PlatformMembership.Role
PlatformDocumentKind = groups.PlatformDocument.Kind
LeadState = activities.Lead.State
