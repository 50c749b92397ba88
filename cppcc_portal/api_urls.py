"""/api/v1/: each app registers its viewsets on the one router."""

from django.urls import include, path

from activities import api as activities_api
from activities import api_platforms
from assessments import api as assessments_api
from consultations import api as consultations_api
from core import auth_api
from core.api_router import Router
from groups import api as groups_api
from groups import api_supervision
from notifications import api as notifications_api
from plenary import api as plenary_api
from proposals import api as proposals_api

router = Router()  # DRF's DefaultRouter, each viewset's routes under its prefix (core.api_router)
router.register("committees", groups_api.CommitteeViewSet, basename="committee")
router.register("sectors", groups_api.SectorViewSet, basename="sector")
router.register("members", groups_api.MemberViewSet, basename="member")
router.register("groups", groups_api.ActivityGroupViewSet, basename="group")
router.register("contact-points", groups_api.ContactPointViewSet, basename="contact-point")
router.register("platforms", api_platforms.PlatformViewSet, basename="platform")
router.register("platform-memberships", api_platforms.PlatformMembershipViewSet, basename="platform-membership")
router.register("expertise", groups_api.ExpertiseViewSet, basename="expertise")
router.register("handling-units", groups_api.HandlingUnitViewSet, basename="handling-unit")
router.register("activities", activities_api.ActivityViewSet, basename="activity")
router.register("contacts", activities_api.ContactViewSet, basename="contact")
router.register("supervision-groups", api_supervision.SupervisionGroupViewSet, basename="supervision-group")
router.register("supervision-visits", api_supervision.SupervisionVisitViewSet, basename="supervision-visit")
router.register("inspections", api_supervision.InspectionViewSet, basename="inspection")
router.register("work-reports", api_supervision.WorkReportViewSet, basename="work-report")
router.register("messages", activities_api.PublicMessageViewSet, basename="public-message")
router.register("leads", activities_api.LeadViewSet, basename="lead")
router.register("activity-suggestions", activities_api.ActivitySuggestionViewSet, basename="activity-suggestion")
router.register("plans", activities_api.AnnualPlanViewSet, basename="plan")
router.register("plan-items", activities_api.PlanItemViewSet, basename="plan-item")
router.register("attendance", activities_api.AttendanceViewSet, basename="attendance")
router.register("group-memberships", groups_api.GroupMembershipViewSet, basename="group-membership")
router.register("plenary-sessions", plenary_api.PlenarySessionViewSet, basename="plenary-session")
router.register("plenary-attendance", plenary_api.PlenaryAttendanceViewSet, basename="plenary-attendance")
router.register("proposals", proposals_api.ProposalViewSet, basename="proposal")
router.register("not-filing-grounds", proposals_api.NotFilingGroundViewSet, basename="not-filing-ground")
router.register("opinion-reports", proposals_api.OpinionReportViewSet, basename="opinion-report")
router.register("consultation-topics", consultations_api.TopicViewSet, basename="consultation-topic")
router.register("consultations", consultations_api.ConsultationViewSet, basename="consultation")
router.register("consultation-outcomes", consultations_api.OutcomeViewSet, basename="consultation-outcome")
router.register("public/consultations", consultations_api.PublicConsultationViewSet, basename="public-consultation")
router.register("rollups", assessments_api.RollupRunViewSet, basename="rollup")
router.register("rule-sets", assessments_api.RuleSetViewSet, basename="rule-set")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.register("assessments", assessments_api.AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("auth/token/", auth_api.TokenView.as_view(), name="token"),
    path("auth/logout/", auth_api.TokenLogoutView.as_view(), name="token-logout"),
    path("auth/logout-all/", auth_api.TokenLogoutAllView.as_view(), name="token-logout-all"),
    path("auth/password/", auth_api.PasswordChangeView.as_view(), name="password-change"),
    path("auth/me/", groups_api.MeView.as_view(), name="me"),
    path("coverage/", activities_api.CoverageView.as_view(), name="coverage"),
    path("proposal-stats/", proposals_api.ProposalStatsView.as_view(), name="proposal-stats"),
    path("duty-records/<int:member_id>/", assessments_api.DutyRecordView.as_view(), name="duty-record"),
    path("", include(router.urls)),
]
