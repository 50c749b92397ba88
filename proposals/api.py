"""/api/v1/proposals/, /api/v1/opinion-reports/, /api/v1/proposal-stats/: the same services and scopes as the pages."""

from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import exposes
from core.api_values import ValuesListMixin
from core.exceptions import NotPermitted
from core.parsers import FormParser, JSONParser, MultiPartParser
from core.parsing import as_id, as_int
from groups.access import scope_of
from groups.models import Committee
from proposals import filters, selectors, serializers, services
from proposals.models import NotFilingGround, OpinionReport, Proposal


class _Inputs:
    def _input(self, request, serializer_class) -> dict:
        """The action's body, read after the object is found: out of the caller's scope is 404 before any question
        about the body (an id in it is then checked against the caller's scope: 400 naming the field)."""
        if self.detail:
            self.get_object()
        s = serializer_class(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        return s.validated_data


def _assignment_of(proposal, user, role=None) -> int:
    """The caller's unit's active assignment on the proposal (the one the page acts on); the service decides."""
    mine = proposal.assignments.filter(is_active=True, unit_id__in=scope_of(user).unit_ids)
    found = (mine.filter(role=role) if role else mine).values_list("pk", flat=True).first()
    if found is None:
        raise NotPermitted(gettext("Only the assigned unit may do this."))
    return found


class ProposalViewSet(ValuesListMixin, _Inputs, viewsets.ReadOnlyModelViewSet):
    """Proposals the user may see; transitions are POST actions calling the services."""

    filterset_class = filters.ProposalFilter
    search_fields = ["title"]
    ordering_fields = ["serial_number", "reply_due", "submitted_at", "id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        overdue = Q(state__in=Proposal.HANDLING_STATES, reply_due__lt=timezone.localdate())
        qs = (
            Proposal.objects.visible_to(self.request.user)
            .select_related("lead_proposer", "lead_unit")
            .annotate(
                is_overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField())
            )
            .order_by("-year", "serial_number", "pk")
        )
        if self.action == "retrieve":
            qs = qs.prefetch_related("assignments__unit", "replies", "cosigners__member", "attachments")
        return qs

    def get_serializer_class(self):
        return serializers.ProposalDetailSerializer if self.action == "retrieve" else serializers.ProposalSerializer

    def _done(self, pk):
        if not self.get_queryset().filter(pk=pk).exists():  # e.g. a unit that just returned the proposal
            return Response({"id": pk, "state": Proposal.objects.values_list("state", flat=True).get(pk=pk)})
        return Response(
            serializers.ProposalDetailSerializer(self.get_queryset().get(pk=pk), context={"request": self.request}).data
        )

    def _run(self, fn):
        obj = self.get_object()  # 404 outside the user's scope
        fn(obj)
        return self._done(obj.pk)

    @extend_schema(request=serializers.DraftInput, responses={201: serializers.ProposalDetailSerializer})
    @exposes(services.proposal_save_draft)
    def create(self, request, *args, **kwargs):
        """Draft a proposal (the caller is its lead proposer) and invite its co-signers; submit it with ``submit``."""
        body = serializers.DraftInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        proposal = services.proposal_save_draft(
            actor=request.user,
            data=body.service_data(),
            cosigner_ids=[m.pk for m in d["cosigners"]],
            attachments=[d["attachment"]] if d["attachment"] else [],
        )
        response = self._done(proposal.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=serializers.DraftInput, responses=serializers.ProposalDetailSerializer)
    @exposes(services.proposal_save_draft)
    def update(self, request, *args, **kwargs):
        """Change a draft (its lead proposer): the whole draft again. Co-signers who confirmed a text that changed
        are asked again; a co-signer taken off the list is no longer asked."""
        proposal = self.get_object()
        body = serializers.DraftInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        services.proposal_save_draft(
            actor=request.user,
            data=body.service_data(),
            proposal_id=proposal.pk,
            cosigner_ids=[m.pk for m in d["cosigners"]],
            attachments=[d["attachment"]] if d["attachment"] else [],
        )
        return self._done(proposal.pk)

    @extend_schema(request=serializers.FromMessageInput, responses={201: serializers.ProposalDetailSerializer})
    @action(detail=False, methods=["post"], url_path="from-message")
    @exposes(services.proposal_draft_from_message)
    def from_message(self, request):
        """The member a resident's message was passed to drafts a proposal from it (the message then shows it)."""
        d = self._input(request, serializers.FromMessageInput)
        proposal = services.proposal_draft_from_message(message_id=d["message"], actor=request.user)
        response = self._done(proposal.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=serializers.FromContactInput, responses={201: serializers.ProposalDetailSerializer})
    @action(detail=False, methods=["post"], url_path="from-contact")
    @exposes(services.proposal_draft_from_contact)
    def from_contact(self, request):
        """A member drafts a proposal from what they heard in one of their contacts with the people."""
        d = self._input(request, serializers.FromContactInput)
        proposal = services.proposal_draft_from_contact(contact_id=d["contact"], actor=request.user)
        response = self._done(proposal.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=serializers.FromLeadInput, responses={201: serializers.ProposalDetailSerializer})
    @action(detail=False, methods=["post"], url_path="from-lead")
    @exposes(services.proposal_draft_from_lead)
    def from_lead(self, request):
        """Staff or a convener turn a lead into the proposal draft of the member they name (or their own)."""
        d = self._input(request, serializers.FromLeadInput)
        proposal = services.proposal_draft_from_lead(lead_id=d["lead"], actor=request.user, member_id=d["member"])
        response = self._done(proposal.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_submit)
    def submit(self, request, pk=None):
        d = self._input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_submit(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.AnswerInput)
    @action(detail=True, methods=["post"])
    @exposes(services.cosign_respond)
    def cosign(self, request, pk=None):
        """The invited member confirms or declines co-signing this draft (``seen``: the digest of the text read)."""
        d = self._input(request, serializers.AnswerInput)

        def run(p):
            invitation = p.cosigners.filter(member_id=scope_of(request.user).member_id).first()
            if invitation is None:
                raise NotPermitted(gettext("This invitation is addressed to another member."))
            services.cosign_respond(cosigner_id=invitation.pk, accept=d["accept"], actor=request.user, seen=d["seen"])

        return self._run(run)

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"], url_path="start-review")
    @exposes(services.proposal_start_review)
    def start_review(self, request, pk=None):
        """Staff take a submitted proposal up for review 审查."""
        d = self._input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_start_review(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_file)
    def file(self, request, pk=None):
        d = self._input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_file(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.RejectInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_reject)
    def reject(self, request, pk=None):
        """Staff do not file 不予立案 a proposal, on a published ground (``ground``) with an explanation."""
        self.get_object()
        body = serializers.RejectInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        return self._run(
            lambda p: services.proposal_reject(
                proposal_id=p.pk,
                actor=request.user,
                expected_state=body.validated_data["expected_state"],
                **body.service_kwargs(),
            )
        )

    @extend_schema(
        request=serializers.BulkRejectInput,
        responses=serializers.BulkResultSerializer,
        operation_id="v1_proposals_reject_many",
    )
    @action(detail=False, methods=["post"], url_path="reject")
    @exposes(services.proposals_reject_many)
    def reject_many(self, request):
        """Staff do not file many proposals on one published ground, all or none (the review queue's batch)."""
        body = serializers.BulkRejectInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        done = services.proposals_reject_many(
            proposal_ids=[p.pk for p in body.validated_data["proposals"]], actor=request.user, **body.service_kwargs()
        )
        return Response(serializers.BulkResultSerializer({"done": [p.pk for p in done]}).data)

    @extend_schema(
        request=serializers.BulkAssignInput,
        responses=serializers.BulkResultSerializer,
        operation_id="v1_proposals_assign_many",
    )
    @action(detail=False, methods=["post"], url_path="assign")
    @exposes(services.proposals_assign_many)
    def assign_many(self, request):
        """Staff hand many filed proposals of one committee to the same units 交办, all or none."""
        d = self._input(request, serializers.BulkAssignInput)
        done = services.proposals_assign_many(
            proposal_ids=[p.pk for p in d["proposals"]],
            actor=request.user,
            lead_unit_id=d["lead_unit"].pk,
            co_unit_ids=[u.pk for u in d["co_units"]],
            due_date=d["due_date"],
        )
        return Response(serializers.BulkResultSerializer({"done": [p.pk for p in done]}).data)

    @extend_schema(request=serializers.MergeInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_merge)
    def merge(self, request, pk=None):
        d = self._input(request, serializers.MergeInput)
        return self._run(
            lambda p: services.proposal_merge(
                proposal_id=p.pk, into_id=d["into"].pk, actor=request.user, expected_state=d["expected_state"]
            )
        )

    @extend_schema(request=serializers.AssignInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_assign)
    def assign(self, request, pk=None):
        d = self._input(request, serializers.AssignInput)
        return self._run(
            lambda p: services.proposal_assign(
                proposal_id=p.pk,
                actor=request.user,
                lead_unit_id=d["lead_unit"].pk,
                co_unit_ids=[u.pk for u in d["co_units"]],
                due_date=d["due_date"],
                expected_state=d["expected_state"],
            )
        )

    @extend_schema(request=serializers.ReassignInput)
    @action(detail=True, methods=["post"], url_path="request-reassignment")
    @exposes(services.assignment_request_reassignment)
    def request_reassignment(self, request, pk=None):
        d = self._input(request, serializers.ReassignInput)

        def run(p):
            mine = p.assignments.filter(is_active=True, unit_id__in=scope_of(request.user).unit_ids)
            if d.get("assignment"):
                mine = mine.filter(pk=d["assignment"])
            assignment = mine.first()
            if assignment is None:
                raise NotPermitted(gettext("Only the assigned unit may do this."))
            services.assignment_request_reassignment(
                assignment_id=assignment.pk, actor=request.user, reason=d["reason"], expected_state=d["expected_state"]
            )

        return self._run(run)

    @extend_schema(request=serializers.ReplyInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_reply)
    def reply(self, request, pk=None):
        d = self._input(request, serializers.ReplyInput)
        return self._run(lambda p: services.proposal_reply(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.RateInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_rate)
    def rate(self, request, pk=None):
        d = self._input(request, serializers.RateInput)
        return self._run(lambda p: services.proposal_rate(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"])
    @exposes(services.proposal_close)
    def close(self, request, pk=None):
        d = self._input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_close(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.KeyInput)
    @action(detail=True, methods=["post"], url_path="mark-key")
    @exposes(services.proposal_mark_key)
    def mark_key(self, request, pk=None):
        """Staff mark a filed proposal key 重点提案 with its supervising leader, or unmark it (``is_key`` false)."""
        d = self._input(request, serializers.KeyInput)
        return self._run(
            lambda p: services.proposal_mark_key(
                proposal_id=p.pk,
                actor=request.user,
                is_key=d["is_key"],
                leader_id=d["leader"].pk if d["leader"] else None,
            )
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="mark-excellent")
    @exposes(services.proposal_mark_excellent)
    def mark_excellent(self, request, pk=None):
        """Staff rate a filed proposal excellent 优秀提案."""
        return self._run(lambda p: services.proposal_mark_excellent(proposal_id=p.pk, actor=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="unmark-excellent")
    @exposes(services.proposal_unmark_excellent)
    def unmark_excellent(self, request, pk=None):
        """Staff withdraw the excellent rating."""
        return self._run(lambda p: services.proposal_unmark_excellent(proposal_id=p.pk, actor=request.user))

    def _batch(self, request, service):
        d = self._input(request, serializers.BatchInput)
        outcome = service(proposal_ids=[p.pk for p in d["proposals"]], actor=request.user)
        return Response(
            serializers.BatchResultSerializer(
                {
                    "done": [p.pk for p in outcome.done],
                    "refused": {str(p.pk): "；".join(exc.messages) for p, exc in outcome.refused.items()},
                }
            ).data
        )

    @extend_schema(
        request=serializers.BatchInput,
        responses=serializers.BatchResultSerializer,
        operation_id="v1_proposals_mark_excellent_many",
    )
    @action(detail=False, methods=["post"], url_path="mark-excellent")
    @exposes(services.proposal_mark_excellent_many)
    def mark_excellent_many(self, request):
        """Staff rate many proposals excellent at once (the admin's action); each refusal is named, the rest done."""
        return self._batch(request, services.proposal_mark_excellent_many)

    @extend_schema(
        request=serializers.BatchInput,
        responses=serializers.BatchResultSerializer,
        operation_id="v1_proposals_unmark_excellent_many",
    )
    @action(detail=False, methods=["post"], url_path="unmark-excellent")
    @exposes(services.proposal_unmark_excellent_many)
    def unmark_excellent_many(self, request):
        """Staff withdraw the excellent rating of many proposals at once."""
        return self._batch(request, services.proposal_unmark_excellent_many)

    @extend_schema(request=serializers.NoteInput)
    @action(detail=True, methods=["post"])
    @exposes(services.supervision_note_add)
    def supervise(self, request, pk=None):
        """The supervising leader of a key proposal (or staff on their behalf) records a supervision note 督办."""
        d = self._input(request, serializers.NoteInput)
        return self._run(lambda p: services.supervision_note_add(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.ImplementationInput)
    @action(detail=True, methods=["post"])
    @exposes(services.implementation_add)
    def implement(self, request, pk=None):
        """Staff or the lead unit record implementation progress 落实 on a closed proposal."""
        d = self._input(request, serializers.ImplementationInput)
        return self._run(lambda p: services.implementation_add(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.TransitionInput)
    @action(detail=True, methods=["post"], url_path="start-handling")
    @exposes(services.proposal_start_handling)
    def start_handling(self, request, pk=None):
        """The lead unit acknowledges the assignment and starts handling 办理."""
        d = self._input(request, serializers.TransitionInput)
        return self._run(lambda p: services.proposal_start_handling(proposal_id=p.pk, actor=request.user, **d))

    @extend_schema(request=serializers.ContactInput)
    @action(detail=True, methods=["post"])
    @exposes(services.contact_record)
    def contact(self, request, pk=None):
        """An assigned unit records its contact with the proposer 沟通."""
        d = self._input(request, serializers.ContactInput)
        return self._run(
            lambda p: services.contact_record(assignment_id=_assignment_of(p, request.user), actor=request.user, **d)
        )

    @extend_schema(request=serializers.OpinionInput)
    @action(detail=True, methods=["post"])
    @exposes(services.cohandler_opinion_send)
    def opinion(self, request, pk=None):
        """A co-handling unit sends its opinion to the lead unit."""
        d = self._input(request, serializers.OpinionInput)
        return self._run(
            lambda p: services.cohandler_opinion_send(
                assignment_id=_assignment_of(p, request.user, "co"), actor=request.user, text=d["text"]
            )
        )


class OpinionReportViewSet(_Inputs, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Public-opinion reports: members submit (POST to the list, or ``submit``: with co-authors it is a draft until
    they have confirmed and the author calls ``submit-draft``); staff decide and record outcomes."""

    serializer_class = serializers.OpinionReportSerializer
    filterset_class = filters.OpinionReportFilter
    search_fields = ["title"]

    def get_queryset(self):
        return (
            OpinionReport.objects.visible_to(self.request.user)
            .select_related("issue")
            .prefetch_related("adoptions", "instructions", "follow_ups", "co_authors", "invitations__member")
            .order_by("-created_at", "-pk")
        )

    def _out(self, report, status=200):
        found = self.get_queryset().filter(pk=report.pk).first()
        if found is None:  # e.g. a co-author who has just declined no longer sees it
            return Response(
                {"id": report.pk, "state": OpinionReport.objects.values_list("state", flat=True).get(pk=report.pk)},
                status=status,
            )
        return Response(self.get_serializer(found).data, status=status)

    @extend_schema(request=serializers.FromHeardInput, responses={201: serializers.OpinionReportSerializer})
    @action(detail=False, methods=["post"], url_path="from-heard")
    @exposes(services.report_draft_from_heard)
    def from_heard(self, request):
        """A lead, a resident's message or a contact becomes the report draft of the member who writes it."""
        d = self._input(request, serializers.FromHeardInput)
        report = services.report_draft_from_heard(
            actor=request.user,
            lead_id=d["lead"],
            message_id=d["message"],
            contact_id=d["contact"],
            member_id=d["member"],
        )
        return self._out(report, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ReportSubmitInput)
    @exposes(services.report_submit)
    def create(self, request, *args, **kwargs):
        d = self._input(request, serializers.ReportSubmitInput)
        report = services.report_submit(
            actor=request.user,
            title=d["title"],
            content=d["content"],
            co_author_ids=[m.pk for m in d["co_authors"]],
            group_id=d["group"].pk if d["group"] else None,
        )
        return self._out(report, 201)

    @extend_schema(request=serializers.ReportSubmitInput)
    @action(detail=False, methods=["post"])
    @exposes(services.report_submit)
    def submit(self, request):
        return self.create(request)

    def _run(self, fn):
        report = self.get_object()
        fn(report)
        return self._out(report)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="submit-draft")
    @exposes(services.report_submit_draft)
    def submit_draft(self, request, pk=None):
        """The author submits a report whose co-authors have answered (or whose invitations have lapsed)."""
        return self._run(lambda r: services.report_submit_draft(report_id=r.pk, actor=request.user))

    @extend_schema(request=serializers.AnswerInput)
    @action(detail=True, methods=["post"], url_path="co-authorship")
    @exposes(services.coauthor_respond)
    def co_authorship(self, request, pk=None):
        """The member named as co-author confirms or declines (``seen``: the digest of the text read)."""
        d = self._input(request, serializers.AnswerInput)

        def run(report):
            invitation = report.invitations.filter(member_id=scope_of(request.user).member_id).first()
            if invitation is None:
                raise NotPermitted(gettext("This invitation is addressed to another member."))
            services.coauthor_respond(
                invitation_id=invitation.pk, accept=d["accept"], actor=request.user, seen=d["seen"]
            )

        return self._run(run)

    @extend_schema(request=serializers.ReportEditInput)
    @action(detail=True, methods=["post"])
    @exposes(services.report_edit)
    def edit(self, request, pk=None):
        """Staff edit a submitted report before compiling it (the text before stays in the audit trail)."""
        d = self._input(request, serializers.ReportEditInput)
        return self._run(lambda r: services.report_edit(report_id=r.pk, actor=request.user, **d))

    @extend_schema(request=serializers.CompileInput, responses={201: serializers.ReportIssueSerializer})
    @action(detail=False, methods=["post"])
    @exposes(services.issue_compile)
    def compile(self, request):
        """Staff compile accepted reports of one committee into its year's next numbered issue 期."""
        d = self._input(request, serializers.CompileInput)
        issue = services.issue_compile(
            committee_id=d["reports"][0].committee_id,
            actor=request.user,
            report_ids=[r.pk for r in d["reports"]],
            published_on=d["published_on"],
        )
        return Response(serializers.ReportIssueSerializer(issue).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.report_accept)
    def accept(self, request, pk=None):
        return self._run(lambda r: services.report_accept(report_id=r.pk, actor=request.user))

    @extend_schema(request=serializers.DeclineInput)
    @action(detail=True, methods=["post"])
    @exposes(services.report_decline)
    def decline(self, request, pk=None):
        d = self._input(request, serializers.DeclineInput)
        return self._run(lambda r: services.report_decline(report_id=r.pk, actor=request.user, reason=d["reason"]))

    @extend_schema(request=serializers.AdoptionInput)
    @action(detail=True, methods=["post"], url_path="record-adoption")
    @exposes(services.report_record_adoption)
    def record_adoption(self, request, pk=None):
        d = self._input(request, serializers.AdoptionInput)
        return self._run(lambda r: services.report_record_adoption(report_id=r.pk, actor=request.user, **d))

    @extend_schema(request=serializers.FollowUpInput)
    @action(detail=True, methods=["post"], url_path="record-follow-up")
    @exposes(services.report_record_follow_up)
    def record_follow_up(self, request, pk=None):
        d = self._input(request, serializers.FollowUpInput)
        return self._run(lambda r: services.report_record_follow_up(report_id=r.pk, actor=request.user, **d))

    @extend_schema(request=serializers.InstructionInput)
    @action(detail=True, methods=["post"], url_path="record-instruction")
    @exposes(services.report_record_instruction)
    def record_instruction(self, request, pk=None):
        d = self._input(request, serializers.InstructionInput)
        return self._run(lambda r: services.report_record_instruction(report_id=r.pk, actor=request.user, **d))


class NotFilingGroundViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The published grounds for not filing 不予立案 the caller's committees use (``committee`` empty: the national
    list, for every committee without a list of its own); send one's id as ``ground`` when not filing."""

    serializer_class = serializers.NotFilingGroundSerializer
    filterset_fields = ["committee"]

    def get_queryset(self):
        return (
            NotFilingGround.objects.visible_to(self.request.user)
            .filter(is_active=True)
            .order_by("committee_id", "order", "pk")
        )


class ProposalStatsView(APIView):
    """The year's figures for one committee (or all the user reads): same numbers as the figures page."""

    @extend_schema(parameters=[OpenApiParameter("committee", int), OpenApiParameter("year", int)], responses=dict)
    def get(self, request):
        scope = scope_of(request.user)
        readable = (
            set(Committee.objects.values_list("pk", flat=True))
            if scope.is_superuser
            else scope.staff_committee_ids | scope.leader_committee_ids
        )
        if not readable:
            raise PermissionDenied()
        committee = request.query_params.get("committee")
        if committee and as_id(committee) not in readable:
            raise PermissionDenied()
        ids = [as_id(committee)] if committee else sorted(readable)
        year = as_int(request.query_params.get("year"), timezone.localdate().year, low=1, high=9999)
        data = selectors.year_figures(ids, year)
        return Response({"committees": ids, "year": year, **data})
