"""API of the assessments app: a member's duty record, quarterly roll-up runs."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import exposes
from groups.access import scope_of
from groups.models import Committee, Member

from . import selectors, serializers, services
from .models import RollupRun, RuleSet


class DutyRecordView(APIView):
    """A member's duty record 履职档案: every line with its points and source, caps, total, grade."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="default: this year"),
            OpenApiParameter("quarter", int, description="1-4; totals stay year to date"),
        ],
        responses=serializers.DutyRecordSerializer,
    )
    def get(self, request, member_id: int):
        member = get_object_or_404(Member.objects.select_related("committee"), pk=member_id)
        access = selectors.record_access(request.user, member)
        if access is None:
            raise NotFound
        period = serializers.PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        record = selectors.duty_record(member, **period.validated_data)
        return Response(serializers.DutyRecordSerializer(record, context={"access": access}).data)


def _readable_committees(request):
    return Committee.objects.visible_to(request.user) if request is not None else Committee.objects.none()


class RollupRunFilter(django_filters.FilterSet):
    """A quarter outside 1–4 or a committee the user does not work for is a 400 with the field's message."""

    committee = django_filters.ModelChoiceFilter(queryset=_readable_committees)
    quarter = django_filters.TypedChoiceFilter(choices=[(q, str(q)) for q in (1, 2, 3, 4)], coerce=int)

    class Meta:
        model = RollupRun
        fields = ["committee", "year", "quarter", "status", "is_stale"]


class RollupRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Quarterly roll-up runs of the committees the user works for; staff start one with ``run``."""

    serializer_class = serializers.RollupRunSerializer
    filterset_class = RollupRunFilter
    ordering_fields = ["created_at", "year", "quarter"]

    def get_queryset(self):
        return RollupRun.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=serializers.StartRollupSerializer, responses={201: serializers.RollupRunSerializer})
    @action(detail=False, methods=["post"])
    @exposes(services.rollup_start)
    def run(self, request):
        """Queue a quarter's roll-up of a committee the caller administers (secretariat staff)."""
        form = serializers.StartRollupSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        run = services.rollup_start(actor=request.user, **form.validated_data)
        return Response(serializers.RollupRunSerializer(run).data, status=status.HTTP_201_CREATED)


class RuleSetFilter(django_filters.FilterSet):
    committee = django_filters.ModelChoiceFilter(queryset=_readable_committees)

    class Meta:
        model = RuleSet
        fields = ["committee", "year", "is_locked"]


class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """The points rule sets 积分规则 of the committees the caller administers (secretariat staff), one per committee
    and year: create one from a published preset, copy one to another year, lock one (the year's points and the
    groups' settlement no longer change). Their rules are edited in the admin."""

    serializer_class = serializers.RuleSetSerializer
    filterset_class = RuleSetFilter
    ordering_fields = ["year", "created_at"]

    def get_queryset(self):
        return RuleSet.objects.administered_by(self.request.user).order_by("-year", "committee_id", "pk")

    @extend_schema(request=serializers.RuleSetFromPresetSerializer, responses={201: serializers.RuleSetSerializer})
    @action(detail=False, methods=["post"], url_path="from-preset")
    @exposes(services.ruleset_create_from_preset)
    def from_preset(self, request):
        """Create a committee's rule set for a year as a copy of a published preset (闵行, 合肥, 济南, 桐城 …)."""
        body = serializers.RuleSetFromPresetSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        rule_set = services.ruleset_create_from_preset(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(rule_set).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.RuleSetCopySerializer, responses={201: serializers.RuleSetSerializer})
    @action(detail=True, methods=["post"])
    @exposes(services.ruleset_copy)
    def copy(self, request, pk=None):
        """Start another year with an unlocked copy of this rule set."""
        rule_set = self.get_object()
        body = serializers.RuleSetCopySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        copy = services.ruleset_copy(rule_set_id=rule_set.pk, year=body.validated_data["year"], actor=request.user)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.ruleset_lock)
    def lock(self, request, pk=None):
        """Lock the rule set and freeze the year's group settlement."""
        rule_set = self.get_object()
        services.ruleset_lock(rule_set_id=rule_set.pk, actor=request.user)
        return Response(self.get_serializer(RuleSet.objects.get(pk=rule_set.pk)).data)


class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The annual assessment of a committee: members ranked by their year-to-date total, with grade
    and missing minimums, from the latest quarter rolled up (the fourth: the year's final figures)."""

    serializer_class = serializers.AssessmentRowSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[OpenApiParameter("committee", int, required=True), OpenApiParameter("year", int, required=True)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _committee_year(self) -> tuple[int, int]:
        query = serializers.AssessmentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        committee, year = query.validated_data["committee"], query.validated_data["year"]
        if not scope_of(self.request.user).can_read_committee(committee):
            raise PermissionDenied
        return committee, year

    @extend_schema(
        parameters=[OpenApiParameter("committee", int, required=True), OpenApiParameter("year", int, required=True)],
        responses=serializers.GroupRankSerializer(many=True),
    )
    @action(detail=False)
    def groups(self, request):
        """Groups ranked by the points their members earned over the year's quarters rolled up."""
        committee, year = self._committee_year()
        rows = selectors.group_ranking(committee, year)
        return Response(serializers.GroupRankSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("committee", int, required=True), OpenApiParameter("year", int, required=True)],
        responses=serializers.GroupSettlementSerializer(many=True),
    )
    @action(detail=False)
    def funding(self, request):
        """The groups' settlement: rank by the year's points, award candidates and funding (经费补助),
        frozen once the year is locked (``locked``: true)."""
        committee, year = self._committee_year()
        lines, locked = selectors.group_settlement(committee, year)
        return Response(
            {
                "committee": committee,
                "year": year,
                "locked": locked,
                "groups": serializers.GroupSettlementSerializer(lines, many=True).data,
            }
        )

    def get_queryset(self):
        committee, year = self._committee_year()
        return selectors.annual_ranking(committee, year)
