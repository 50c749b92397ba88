"""/api/v1/proposals/, /api/v1/opinion-reports/, /api/v1/proposal-stats/: the same services and scopes as the pages."""
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Conflict, as_api_error
from core.exceptions import ConcurrentEdit
from core.parsers import FormParser, JSONParser, MultiPartParser
from core.parsing import as_id, as_int
from groups.access import scope_of
from groups.models import Committee
from proposals import filters, selectors, serializers, services
from proposals.models import OpinionReport, Proposal


def _call(fn):
    """Run a service: refusals become 403, a stale ``expected_state`` 409, domain errors 400 with the Chinese message."""
    try:
        return fn()
    except services.NotPermitted as exc:
        raise PermissionDenied("；".join(exc.messages)) from exc
    except ConcurrentEdit as exc:  # someone else acted first: 409, with what the state is now
        raise Conflict("；".join(exc.messages)) from exc
    except ValidationError as exc:
        raise as_api_error(exc) from exc


def _input(request, serializer_class) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    """Proposals the user may see; transitions are POST actions calling the services."""

    filterset_class = filters.ProposalFilter
    search_fields = ["title"]
    ordering_fields = ["serial_number", "reply_due", "submitted_at", "id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        overdue = Q(state__in=Proposal.HANDLING_STATES, reply_due__lt=timezone.localdate())
        qs = (Proposal.objects.visible_to(self.request.user).select_related("lead_proposer", "lead_unit")
              .annotate(is_overdue=Case(When(overdue, then=Value(True)), default=Value(False),
                                        output_field=BooleanField()))
              .order_by("-year", "serial_number", "pk"))
        if self.action == "retrieve":
            qs = qs.prefetch_related("assignments__unit", "replies", "cosigners__member", "attachments")
        return qs

    def get_serializer_class(self):
        return serializers.ProposalDetailSerializer if self.action == "retrieve" else serializers.ProposalSerializer

    def _done(self, pk):
        if not self.get_queryset().filter(pk=pk).exists():  # e.g. a unit that just returned the proposal
            return Response({"id": pk, "state": Proposal.objects.values_list("state", flat=True).get(pk=pk)})
        return Response(serializers.ProposalDetailSerializer(self.get_queryset().get(pk=pk),
                                                             context={"request": self.request}).data)

    def _run(self, fn):
        obj = self.get_object()  # 404 outside the user's scope
        _call(lambda: fn(obj))
        return self._done(obj.pk)

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        d = _input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_submit(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.AnswerInput)
    @action(detail=True, methods=["post"])
    def cosign(self, request, pk=None):
        """The invited member confirms or declines co-signing this draft (``seen``: the digest of the text read)."""
        self.get_object()  # out of scope is 404 before any question about the body
        d = _input(request, serializers.AnswerInput)

        def run(p):
            invitation = p.cosigners.filter(member_id=scope_of(request.user).member_id).first()
            if invitation is None:
                raise services.NotPermitted(gettext("This invitation is addressed to another member."))
            services.cosign_respond(cosigner_id=invitation.pk, accept=d["accept"], actor=request.user, seen=d["seen"])

        return self._run(run)

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        d = _input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_file(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.RejectInput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        d = _input(request, serializers.RejectInput)
        return self._run(lambda p: services.proposal_reject(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.MergeInput)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        d = _input(request, serializers.MergeInput)
        return self._run(lambda p: services.proposal_merge(proposal_id=p.pk, into_id=d["into"], actor=request.user,
                                                            expected_state=d["expected_state"]))

    @extend_schema(request=serializers.AssignInput)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        d = _input(request, serializers.AssignInput)
        return self._run(lambda p: services.proposal_assign(
            proposal_id=p.pk, actor=request.user, lead_unit_id=d["lead_unit"], co_unit_ids=d["co_units"],
            due_date=d["due_date"], expected_state=d["expected_state"]))

    @extend_schema(request=serializers.ReassignInput)
    @action(detail=True, methods=["post"], url_path="request-reassignment")
    def request_reassignment(self, request, pk=None):
        d = _input(request, serializers.ReassignInput)

        def run(p):
            mine = p.assignments.filter(is_active=True, unit_id__in=scope_of(request.user).unit_ids)
            if d.get("assignment"):
                mine = mine.filter(pk=d["assignment"])
            assignment = mine.first()
            if assignment is None:
                raise services.NotPermitted(gettext("Only the assigned unit may do this."))
            services.assignment_request_reassignment(assignment_id=assignment.pk, actor=request.user,
                                                     reason=d["reason"], expected_state=d["expected_state"])

        return self._run(run)

    @extend_schema(request=serializers.ReplyInput)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        d = _input(request, serializers.ReplyInput)
        return self._run(lambda p: services.proposal_reply(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.RateInput)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        d = _input(request, serializers.RateInput)
        return self._run(lambda p: services.proposal_rate(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        d = _input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_close(proposal_id=p.pk, actor=request.user, **d))


class OpinionReportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Public-opinion reports: members submit (POST to the list, or ``submit``: with co-authors it is a draft until
    they have confirmed and the author calls ``submit-draft``); staff decide and record outcomes."""

    serializer_class = serializers.OpinionReportSerializer
    filterset_class = filters.OpinionReportFilter
    search_fields = ["title"]

    def get_queryset(self):
        return (OpinionReport.objects.visible_to(self.request.user).select_related("issue")
                .prefetch_related("adoptions", "instructions", "co_authors", "invitations__member")
                .order_by("-created_at", "-pk"))

    def _out(self, report, status=200):
        found = self.get_queryset().filter(pk=report.pk).first()
        if found is None:  # e.g. a co-author who has just declined no longer sees it
            return Response({"id": report.pk, "state": OpinionReport.objects.values_list("state", flat=True).get(
                pk=report.pk)}, status=status)
        return Response(self.get_serializer(found).data, status=status)

    @extend_schema(request=serializers.ReportSubmitInput)
    def create(self, request, *args, **kwargs):
        d = _input(request, serializers.ReportSubmitInput)
        report = _call(lambda: services.report_submit(actor=request.user, title=d["title"], content=d["content"],
                                                      co_author_ids=d["co_authors"], group_id=d["group"]))
        return self._out(report, 201)

    @extend_schema(request=serializers.ReportSubmitInput)
    @action(detail=False, methods=["post"])
    def submit(self, request):
        return self.create(request)

    def _run(self, fn):
        report = self.get_object()
        _call(lambda: fn(report))
        return self._out(report)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="submit-draft")
    def submit_draft(self, request, pk=None):
        """The author submits a report whose co-authors have answered (or whose invitations have lapsed)."""
        return self._run(lambda r: services.report_submit_draft(report_id=r.pk, actor=request.user))

    @extend_schema(request=serializers.AnswerInput)
    @action(detail=True, methods=["post"], url_path="co-authorship")
    def co_authorship(self, request, pk=None):
        """The member named as co-author confirms or declines (``seen``: the digest of the text read)."""
        self.get_object()  # out of scope is 404 before any question about the body
        d = _input(request, serializers.AnswerInput)

        def run(report):
            invitation = report.invitations.filter(member_id=scope_of(request.user).member_id).first()
            if invitation is None:
                raise services.NotPermitted(gettext("This invitation is addressed to another member."))
            services.coauthor_respond(invitation_id=invitation.pk, accept=d["accept"], actor=request.user,
                                      seen=d["seen"])

        return self._run(run)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(lambda r: services.report_accept(report_id=r.pk, actor=request.user))

    @extend_schema(request=serializers.DeclineInput)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        d = _input(request, serializers.DeclineInput)
        return self._run(lambda r: services.report_decline(report_id=r.pk, actor=request.user, reason=d["reason"]))

    @extend_schema(request=serializers.AdoptionInput)
    @action(detail=True, methods=["post"], url_path="record-adoption")
    def record_adoption(self, request, pk=None):
        d = _input(request, serializers.AdoptionInput)
        return self._run(lambda r: services.report_record_adoption(report_id=r.pk, actor=request.user, **d))

    @extend_schema(request=serializers.InstructionInput)
    @action(detail=True, methods=["post"], url_path="record-instruction")
    def record_instruction(self, request, pk=None):
        d = _input(request, serializers.InstructionInput)
        return self._run(lambda r: services.report_record_instruction(report_id=r.pk, actor=request.user, **d))


class ProposalStatsView(APIView):
    """The year's figures for one committee (or all the user reads): same numbers as the figures page."""

    @extend_schema(parameters=[OpenApiParameter("committee", int), OpenApiParameter("year", int)], responses=dict)
    def get(self, request):
        scope = scope_of(request.user)
        readable = set(Committee.objects.values_list("pk", flat=True)) if scope.is_superuser else \
            scope.staff_committee_ids | scope.leader_committee_ids
        if not readable:
            raise PermissionDenied()
        committee = request.query_params.get("committee")
        if committee and as_id(committee) not in readable:
            raise PermissionDenied()
        ids = [as_id(committee)] if committee else sorted(readable)
        year = as_int(request.query_params.get("year"), timezone.localdate().year, low=1, high=9999)
        data = selectors.figures(Proposal.objects.filter(committee_id__in=ids, year=year),
                                 OpinionReport.objects.filter(committee_id__in=ids, year=year), ids)
        return Response({"committees": ids, "year": year, **data})
