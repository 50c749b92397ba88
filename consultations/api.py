"""API: reads start from ``visible_to``; every write is an explicit action calling one service, which decides who
may do it (``NotPermitted``: 403; the one exception handler maps every refusal)."""

from django.db.models import Prefetch
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import exposes
from core.exceptions import DomainError
from core.parsers import FormParser, JSONParser, MultiPartParser
from groups.access import scope_of

from . import filters, selectors, serializers, services
from .models import Attendance, ConsultationSession, Outcome, OutcomeEntry, Participant, Topic


class _Actions:
    """The object first (out of the caller's sight: 404), then the body, then the service."""

    def _body(self, request, serializer_class) -> dict:
        if serializer_class is None:
            return {}
        s = serializer_class(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        return s.validated_data

    def _act(self, request, serializer_class, call, status_code=status.HTTP_200_OK):
        obj = self.get_object()
        call(obj, self._body(request, serializer_class))
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.serializer_class(fresh, context={"request": request}).data, status=status_code)


class TopicViewSet(_Actions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Consultation topics 选题: the candidate list and adopted topics."""

    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilter
    search_fields = ["title", "reasons"]
    ordering_fields = ["year", "rank", "created_at"]

    def get_queryset(self):
        return (
            Topic.objects.visible_to(self.request.user)
            .select_related("committee")
            .prefetch_related("research_activities")
            .order_by("-year", "rank", "-id")
        )

    @exposes(services.topic_propose)
    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        topic = services.topic_propose(actor=request.user, **s.validated_data)
        return Response(self.get_serializer(topic).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.FromHeardSerializer, responses={201: serializers.TopicSerializer})
    @action(detail=False, methods=["post"], url_path="from-heard")
    @exposes(services.topic_from_heard)
    def from_heard(self, request):
        """Staff or a convener put a lead, a resident's message or a contact on the candidate list of topics."""
        d = self._body(request, serializers.FromHeardSerializer)
        topic = services.topic_from_heard(
            actor=request.user, lead_id=d["lead"], message_id=d["message"], contact_id=d["contact"]
        )
        return Response(self.get_serializer(topic).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.AdoptSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.topic_adopt)
    def adopt(self, request, pk=None):
        return self._act(
            request,
            serializers.AdoptSerializer,
            lambda t, d: services.topic_adopt(
                topic_id=t.pk, actor=request.user, annual_front_line=d["annual_front_line"]
            ),
        )

    @extend_schema(request=serializers.RankSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.topic_rank)
    def rank(self, request, pk=None):
        return self._act(
            request,
            serializers.RankSerializer,
            lambda t, d: services.topic_rank(topic_id=t.pk, rank=d["rank"], actor=request.user),
        )

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.topic_decline)
    def decline(self, request, pk=None):
        return self._act(
            request,
            serializers.ReasonSerializer,
            lambda t, d: services.topic_decline(topic_id=t.pk, reason=d["reason"], actor=request.user),
        )

    @extend_schema(request=serializers.ResearchLinkSerializer)
    @action(detail=True, methods=["post"], url_path="link-research")
    @exposes(services.topic_link_research)
    def link_research(self, request, pk=None):
        """Link an adopted topic to a research activity of its committee (or remove the link with unlink)."""
        return self._act(
            request,
            serializers.ResearchLinkSerializer,
            lambda t, d: services.topic_link_research(
                topic_id=t.pk, activity_id=d["activity"].pk, unlink=d["unlink"], actor=request.user
            ),
        )


class ConsultationViewSet(_Actions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Consultation sessions 协商会议 with attendance, participants and what was said: planned, changed, held,
    cancelled and published here as on the session page (its organisers: the committee's staff, the group's
    conveners)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    serializer_class = serializers.SessionSerializer
    filterset_class = filters.SessionFilter
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return (
            ConsultationSession.objects.visible_to(self.request.user)
            .select_related("committee")
            .prefetch_related(
                Prefetch("attendances", Attendance.objects.select_related("member")),
                Prefetch("participants", Participant.objects.select_related("unit")),
                "stage_records",
            )
            .order_by("-starts_at")
        )

    @extend_schema(request=serializers.SessionWriteSerializer, responses={201: serializers.SessionSerializer})
    @exposes(services.session_create)
    def create(self, request, *args, **kwargs):
        d = self._body(request, serializers.SessionWriteSerializer)
        session = services.session_create(actor=request.user, **d)
        return Response(
            self.serializer_class(self.get_queryset().get(pk=session.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=serializers.SessionUpdateSerializer)
    @exposes(services.session_update)
    def partial_update(self, request, *args, **kwargs):
        """Change a session's details: only the fields sent change."""
        session = self.get_object()
        s = serializers.SessionUpdateSerializer(data=request.data, partial=True, context={"request": request})
        s.is_valid(raise_exception=True)
        services.session_update(session_id=session.pk, actor=request.user, **s.validated_data)
        return Response(self.serializer_class(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(responses={204: None})
    @exposes(services.session_delete)
    def destroy(self, request, *args, **kwargs):
        """Remove a session entered by mistake, with its attendance."""
        services.session_delete(session_id=self.get_object().pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.session_hold)
    def hold(self, request, pk=None):
        return self._act(request, None, lambda s, d: services.session_hold(session_id=s.pk, actor=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.session_cancel)
    def cancel(self, request, pk=None):
        """Cancel a planned session."""
        return self._act(request, None, lambda s, d: services.session_cancel(session_id=s.pk, actor=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.session_publish)
    def publish(self, request, pk=None):
        return self._act(request, None, lambda s, d: services.session_publish(session_id=s.pk, actor=request.user))

    @extend_schema(request=serializers.AttendanceInput)
    @action(detail=True, methods=["post"])
    @exposes(services.attendance_set)
    def attendance(self, request, pk=None):
        """Record a member's attendance (present, excused with the reason, absent); one's own is recorded by
        another convener or the staff."""
        return self._act(
            request,
            serializers.AttendanceInput,
            lambda s, d: services.attendance_set(session_id=s.pk, actor=request.user, **d),
        )

    @extend_schema(request=serializers.MemberInput)
    @action(detail=True, methods=["post"], url_path="remove-attendance")
    @exposes(services.attendance_remove)
    def remove_attendance(self, request, pk=None):
        """Take a member's attendance off the session (recorded by mistake)."""

        def remove(session, d):
            row = session.attendances.filter(member=d["member"]).values_list("pk", flat=True).first()
            if row is None:
                raise DomainError({"member": [gettext("This member has no attendance at this session.")]})
            services.attendance_remove(attendance_id=row, actor=request.user)

        return self._act(request, serializers.MemberInput, remove)

    @extend_schema(request=serializers.ParticipantInput)
    @action(detail=True, methods=["post"])
    @exposes(services.participant_add)
    def participants(self, request, pk=None):
        """Add a resident, stakeholder, department representative or leader."""
        return self._act(
            request,
            serializers.ParticipantInput,
            lambda s, d: services.participant_add(session_id=s.pk, actor=request.user, **d),
        )

    @extend_schema(request=serializers.StageRecordInput)
    @action(detail=True, methods=["post"], url_path="stage-records")
    @exposes(services.stage_record_add)
    def stage_records(self, request, pk=None):
        """Record what a speaker said in an agenda stage."""
        return self._act(
            request,
            serializers.StageRecordInput,
            lambda s, d: services.stage_record_add(session_id=s.pk, actor=request.user, **d),
        )

    @extend_schema(
        request={"multipart/form-data": serializers.DocumentInput},
        responses={201: serializers.SessionDocumentSerializer},
    )
    @action(detail=True, methods=["post"])
    @exposes(services.document_upload)
    def documents(self, request, pk=None):
        """Upload minutes or evidence (multipart); the file is checked by its content."""
        session = self.get_object()
        d = self._body(request, serializers.DocumentInput)
        doc = services.document_upload(session_id=session.pk, kind=d["kind"], upload=d["file"], actor=request.user)
        return Response(serializers.SessionDocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.OutcomeInput, responses={201: serializers.OutcomeSerializer})
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_create)
    def outcomes(self, request, pk=None):
        """Record a concrete suggestion coming out of the held session."""
        session = self.get_object()
        d = self._body(request, serializers.OutcomeInput)
        outcome = services.outcome_create(session_id=session.pk, actor=request.user, **d)
        return Response(
            serializers.OutcomeSerializer(
                Outcome.objects.prefetch_related("entries").get(pk=outcome.pk), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class OutcomeViewSet(_Actions, viewsets.ReadOnlyModelViewSet):
    """Consultation outcomes 协商成果 and their way through 评交办督复, 公示 and 跟踪."""

    serializer_class = serializers.OutcomeSerializer
    filterset_class = filters.OutcomeFilter
    search_fields = ["title", "content", "reply"]
    ordering_fields = ["deadline", "created_at"]

    def get_queryset(self):
        return (
            Outcome.objects.visible_to(self.request.user)
            .select_related("unit")
            .prefetch_related(Prefetch("entries", OutcomeEntry.objects.order_by("created_at", "id")))
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=serializers.EvaluateSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_evaluate)
    def evaluate(self, request, pk=None):
        return self._act(
            request,
            serializers.EvaluateSerializer,
            lambda o, d: services.outcome_evaluate(
                outcome_id=o.pk,
                decision=d["decision"],
                comment=d["comment"],
                merge_into_id=d["merge_into"].pk if d["merge_into"] else None,
                actor=request.user,
            ),
        )

    @extend_schema(request=serializers.AssignSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_assign)
    def assign(self, request, pk=None):
        return self._act(
            request,
            serializers.AssignSerializer,
            lambda o, d: services.outcome_assign(
                outcome_id=o.pk, unit=d["unit"], deadline=d["deadline"], actor=request.user
            ),
        )

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_progress)
    def progress(self, request, pk=None):
        return self._act(
            request,
            serializers.TextSerializer,
            lambda o, d: services.outcome_progress(outcome_id=o.pk, text=d["text"], actor=request.user),
        )

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_supervise)
    def supervise(self, request, pk=None):
        return self._act(
            request,
            serializers.TextSerializer,
            lambda o, d: services.outcome_supervise(outcome_id=o.pk, text=d["text"], actor=request.user),
        )

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_reply)
    def reply(self, request, pk=None):
        return self._act(
            request,
            serializers.TextSerializer,
            lambda o, d: services.outcome_reply(outcome_id=o.pk, text=d["text"], actor=request.user),
        )

    @extend_schema(request=serializers.ReviewSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_review)
    def review(self, request, pk=None):
        return self._act(
            request,
            serializers.ReviewSerializer,
            lambda o, d: services.outcome_review(
                outcome_id=o.pk, accept=d["accept"], comment=d["comment"], actor=request.user
            ),
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_publish)
    def publish(self, request, pk=None):
        return self._act(request, None, lambda o, d: services.outcome_publish(outcome_id=o.pk, actor=request.user))

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    @exposes(services.outcome_follow_up)
    def follow_up(self, request, pk=None):
        """跟踪: staff note how the published outcome is being carried out."""
        return self._act(
            request,
            serializers.TextSerializer,
            lambda o, d: services.outcome_follow_up(outcome_id=o.pk, text=d["text"], actor=request.user),
        )

    @extend_schema(request=serializers.CommentSerializer)
    @action(detail=True, methods=["post"])
    @exposes(services.outcome_close)
    def close(self, request, pk=None):
        return self._act(
            request,
            serializers.CommentSerializer,
            lambda o, d: services.outcome_close(outcome_id=o.pk, actor=request.user, comment=d["comment"]),
        )

    @extend_schema(responses=serializers.ProposalDraftSerializer)
    @action(detail=True, methods=["get"], url_path="proposal-draft")
    def proposal_draft(self, request, pk=None):
        """A pre-filled proposal draft from this outcome (secretariat staff)."""
        outcome = self.get_object()
        if not scope_of(request.user).is_staff_of(outcome.committee_id):
            raise PermissionDenied
        return Response(selectors.proposal_draft(Outcome.objects.select_related("session").get(pk=outcome.pk)))

    @extend_schema(request=serializers.DraftProposalSerializer)
    @action(detail=True, methods=["post"], url_path="draft-proposal")
    @exposes(services.outcome_draft_proposal)
    def draft_proposal(self, request, pk=None):
        """Create a proposal draft of the acting member from this outcome (members present at the session)."""
        return self._act(
            request,
            serializers.DraftProposalSerializer,
            lambda o, d: services.outcome_draft_proposal(outcome_id=o.pk, category=d["category"], actor=request.user),
        )

    @extend_schema(request=serializers.ProposalLinkSerializer)
    @action(detail=True, methods=["post"], url_path="link-proposal")
    @exposes(services.outcome_link_proposal)
    def link_proposal(self, request, pk=None):
        """Link this outcome to an existing proposal of its committee, or remove the link (secretariat staff)."""
        return self._act(
            request,
            serializers.ProposalLinkSerializer,
            lambda o, d: services.outcome_link_proposal(
                outcome_id=o.pk, proposal_id=d["proposal"].pk if d["proposal"] else None, actor=request.user
            ),
        )


class PublicConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    """Published sessions with their published outcomes and answers; no login, nothing personal."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.PublicSessionSerializer
    filterset_class = filters.PublicSessionFilter
    search_fields = ["title", "place", "summary"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return (
            ConsultationSession.objects.published()
            .select_related("committee", "topic", "platform")
            .prefetch_related(
                Prefetch("participants", Participant.objects.select_related("unit")),
                "stage_records",
                Prefetch("outcomes", Outcome.objects.published().select_related("unit"), to_attr="public_outcomes"),
            )
            .order_by("-starts_at", "-id")
        )
