"""API: reads start from ``visible_to``; every write is an explicit action calling one service."""
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import as_api_error
from core.exceptions import DomainError
from groups.access import scope_of

from . import filters, selectors, serializers, services
from .models import Attendance, ConsultationSession, Outcome, OutcomeEntry, Participant, Topic


def _run(call, serializer_class, request, status_code=status.HTTP_200_OK):
    try:
        result = call()
    except DomainError as exc:
        raise as_api_error(exc) from exc
    return Response(serializer_class(result, context={"request": request}).data, status=status_code)


class TopicViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Consultation topics 选题: the candidate list and adopted topics."""

    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilter
    search_fields = ["title", "reasons"]
    ordering_fields = ["year", "rank", "created_at"]

    def get_queryset(self):
        return (Topic.objects.visible_to(self.request.user).select_related("committee")
                .prefetch_related("research_activities").order_by("-year", "rank", "-id"))

    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _run(lambda: services.topic_propose(actor=request.user, **s.validated_data), self.serializer_class,
                    request, status.HTTP_201_CREATED)

    def _editable(self, pk):
        topic = self.get_object()
        if not Topic.objects.editable_by(self.request.user).filter(pk=topic.pk).exists():
            raise PermissionDenied
        return topic

    @extend_schema(request=serializers.AdoptSerializer)
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        topic = self._editable(pk)
        s = serializers.AdoptSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _run(lambda: services.topic_adopt(topic_id=topic.pk, actor=request.user,
                                                 annual_front_line=s.validated_data["annual_front_line"]),
                    self.serializer_class, request)

    @extend_schema(request=serializers.RankSerializer)
    @action(detail=True, methods=["post"])
    def rank(self, request, pk=None):
        topic = self._editable(pk)
        s = serializers.RankSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _run(lambda: services.topic_rank(topic_id=topic.pk, rank=s.validated_data["rank"], actor=request.user),
                    self.serializer_class, request)

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        topic = self._editable(pk)
        s = serializers.ReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _run(lambda: services.topic_decline(topic_id=topic.pk, reason=s.validated_data["reason"],
                                                   actor=request.user), self.serializer_class, request)


    @extend_schema(request=serializers.ResearchLinkSerializer)
    @action(detail=True, methods=["post"], url_path="link-research")
    def link_research(self, request, pk=None):
        """Link an adopted topic to a research activity of its committee (or remove the link with unlink)."""
        topic = self._editable(pk)
        s = serializers.ResearchLinkSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return _run(lambda: services.topic_link_research(topic_id=topic.pk, activity_id=s.validated_data["activity"],
                                                         unlink=s.validated_data["unlink"], actor=request.user),
                    self.serializer_class, request)


class ConsultationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Consultation sessions 协商会议 with attendance, participants and what was said."""

    serializer_class = serializers.SessionSerializer
    filterset_class = filters.SessionFilter
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return (
            ConsultationSession.objects.visible_to(self.request.user)
            .select_related("committee")
            .prefetch_related(Prefetch("attendances", Attendance.objects.select_related("member")),
                              Prefetch("participants", Participant.objects.select_related("unit")), "stage_records")
            .order_by("-starts_at")
        )

    @extend_schema(request=serializers.SessionWriteSerializer)
    def create(self, request, *args, **kwargs):
        s = serializers.SessionWriteSerializer(data=request.data, context={"request": request})
        s.is_valid(raise_exception=True)
        return _run(lambda: services.session_create(actor=request.user, **s.validated_data), self.serializer_class,
                    request, status.HTTP_201_CREATED)

    def _editable(self):
        session = self.get_object()
        if not ConsultationSession.objects.editable_by(self.request.user).filter(pk=session.pk).exists():
            raise PermissionDenied
        return session

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        session = self._editable()
        return _run(lambda: services.session_hold(session_id=session.pk, actor=request.user), self.serializer_class,
                    request)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        session = self._editable()
        return _run(lambda: services.session_publish(session_id=session.pk, actor=request.user),
                    self.serializer_class, request)


class OutcomeViewSet(viewsets.ReadOnlyModelViewSet):
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

    def _outcome(self, request, serializer_class, call):
        outcome = self.get_object()
        s = serializer_class(data=request.data, context={"request": request}) if serializer_class else None
        if s is not None:
            s.is_valid(raise_exception=True)
        data = s.validated_data if s is not None else {}

        def run():
            call(outcome, data)
            return self.get_queryset().get(pk=outcome.pk)

        return _run(run, self.serializer_class, request)

    @extend_schema(request=serializers.EvaluateSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        return self._outcome(request, serializers.EvaluateSerializer, lambda o, d: services.outcome_evaluate(
            outcome_id=o.pk, decision=d["decision"], comment=d["comment"], merge_into_id=d.get("merge_into"),
            actor=request.user))

    @extend_schema(request=serializers.AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._outcome(request, serializers.AssignSerializer, lambda o, d: services.outcome_assign(
            outcome_id=o.pk, unit=d["unit"], deadline=d["deadline"], actor=request.user))

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        return self._outcome(request, serializers.TextSerializer, lambda o, d: services.outcome_progress(
            outcome_id=o.pk, text=d["text"], actor=request.user))

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"])
    def supervise(self, request, pk=None):
        return self._outcome(request, serializers.TextSerializer, lambda o, d: services.outcome_supervise(
            outcome_id=o.pk, text=d["text"], actor=request.user))

    @extend_schema(request=serializers.TextSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._outcome(request, serializers.TextSerializer, lambda o, d: services.outcome_reply(
            outcome_id=o.pk, text=d["text"], actor=request.user))

    @extend_schema(request=serializers.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._outcome(request, serializers.ReviewSerializer, lambda o, d: services.outcome_review(
            outcome_id=o.pk, accept=d["accept"], comment=d["comment"], actor=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._outcome(request, None, lambda o, d: services.outcome_publish(outcome_id=o.pk, actor=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._outcome(request, None, lambda o, d: services.outcome_close(outcome_id=o.pk, actor=request.user))


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
    def draft_proposal(self, request, pk=None):
        """Create a proposal draft of the acting member from this outcome (members present at the session)."""
        outcome = self.get_object()
        if not services.may_draft_proposal(request.user, outcome):
            raise PermissionDenied
        return self._outcome(request, serializers.DraftProposalSerializer, lambda o, d: services.outcome_draft_proposal(
            outcome_id=o.pk, category=d["category"], actor=request.user))

    @extend_schema(request=serializers.ProposalLinkSerializer)
    @action(detail=True, methods=["post"], url_path="link-proposal")
    def link_proposal(self, request, pk=None):
        """Link this outcome to an existing proposal of its committee, or remove the link (secretariat staff)."""
        outcome = self.get_object()
        if not scope_of(request.user).is_staff_of(outcome.committee_id):
            raise PermissionDenied
        return self._outcome(request, serializers.ProposalLinkSerializer, lambda o, d: services.outcome_link_proposal(
            outcome_id=o.pk, proposal_id=d["proposal"], actor=request.user))


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
