"""The API: the organisation (read-only), and activities, plans and coverage (writes call the services)."""
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import as_api_error
from core.exceptions import DomainError
from core.parsing import as_id, as_int
from groups import filters, serializers
from groups.access import scope_of
from groups.filters import ActivityFilter
from groups.models import (
    Activity,
    ActivityGroup,
    AnnualPlan,
    Committee,
    ContactPoint,
    HandlingUnit,
    Member,
    PlanItem,
    Platform,
    Sector,
)
from groups.selectors import activities as activity_selectors
from groups.services import activities as activity_services


class VisibleReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A list and detail of what ``Model.objects.visible_to(user)`` allows."""

    model = None
    related: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).select_related(*self.related)


class CommitteeViewSet(VisibleReadOnlyViewSet):
    model = Committee
    serializer_class = serializers.CommitteeSerializer
    filterset_fields = ["level", "parent"]
    search_fields = ["name", "code"]


class SectorViewSet(VisibleReadOnlyViewSet):
    model = Sector
    serializer_class = serializers.SectorSerializer
    filterset_fields = ["committee"]
    search_fields = ["name"]


class MemberViewSet(VisibleReadOnlyViewSet):
    model = Member
    related = ("sector",)
    serializer_class = serializers.MemberSerializer
    filterset_class = filters.MemberFilter
    search_fields = ["name", "work_unit", "street"]
    ordering_fields = ["name", "id"]


class ActivityGroupViewSet(VisibleReadOnlyViewSet):
    model = ActivityGroup
    serializer_class = serializers.ActivityGroupSerializer
    filterset_class = filters.ActivityGroupFilter
    search_fields = ["name", "street"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
            .prefetch_related("contact_points")
            .order_by("committee_id", "kind", "name")
        )


class ContactPointViewSet(VisibleReadOnlyViewSet):
    model = ContactPoint
    serializer_class = serializers.ContactPointSerializer
    filterset_class = filters.ContactPointFilter
    search_fields = ["name", "street", "address"]


class PlatformViewSet(VisibleReadOnlyViewSet):
    model = Platform
    serializer_class = serializers.PlatformSerializer
    filterset_class = filters.PlatformFilter
    search_fields = ["name", "brand", "street"]


class HandlingUnitViewSet(VisibleReadOnlyViewSet):
    model = HandlingUnit
    serializer_class = serializers.HandlingUnitSerializer
    filterset_class = filters.HandlingUnitFilter
    search_fields = ["name", "short_name"]


class MeView(APIView):
    """The current user, their roles and what they reach."""

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        scope = scope_of(request.user)
        data = {
            "id": request.user.pk,
            "username": request.user.username,
            "name": str(request.user),
            "roles": [r.value for r in scope.roles],
            "member_id": scope.member_id,
            "committee_ids": sorted(scope.committee_ids),
            "group_ids": sorted(scope.group_ids),
            "convened_group_ids": sorted(scope.convened_group_ids),
            "unit_ids": sorted(scope.unit_ids),
        }
        return Response(serializers.MeSerializer(data).data)


# --- Activities ---------------------------------------------------------------------------------

class ActivityViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Activities the user may see; conveners write their groups' activities; transitions are actions."""

    lookup_value_regex = "[0-9]+"  # a non-numeric id is a 404, never a 500

    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at", "id"]

    def get_queryset(self):
        qs = Activity.objects.visible_to(self.request.user)
        reading = self.action in ("list", "retrieve") or (self.action == "attendance" and self.request.method == "GET")
        if not reading:
            qs = Activity.objects.editable_by(self.request.user)
        return activity_selectors.ledger(qs).order_by("-starts_at", "-id")

    def _call(self, func, **kwargs):
        try:
            return func(actor=self.request.user, **kwargs)
        except DomainError as exc:
            raise as_api_error(exc) from exc

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        group = data.pop("group", None)
        if group is None or not ActivityGroup.objects.editable_by(self.request.user).filter(pk=group.pk).exists():
            raise PermissionDenied(_("You can record activities only for the groups you convene."))
        serializer.instance = self._call(activity_services.activity_create, group=group, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("group", None)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError({"version": [_("Send the version you loaded, to detect conflicting edits.")]})
        self._call(activity_services.activity_update, activity_id=serializer.instance.pk, version=version, **data)

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=kwargs["pk"])).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = self.get_serializer(activity_selectors.ledger(Activity.objects.all()).get(pk=serializer.instance.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def _transition(self, func, **kwargs):
        activity = self.get_object()
        self._call(func, activity_id=activity.pk, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def announce(self, request, pk=None):
        return self._transition(activity_services.activity_announce)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        return self._transition(activity_services.activity_hold)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="file", url_name="file")
    def file_in_ledger(self, request, pk=None):
        return self._transition(activity_services.activity_file)

    @extend_schema(request=serializers.CancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = serializers.CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._transition(activity_services.activity_cancel, reason=body.validated_data["reason"])

    @extend_schema(request=serializers.AttendanceRecordSerializer, responses=serializers.AttendanceSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a plain list, never paged
    def attendance(self, request, pk=None):
        """GET the invited members' attendance; POST records it for many members at once (conveners)."""
        activity = self.get_object() if request.method == "GET" else None
        if request.method == "POST":
            activity = Activity.objects.editable_by(request.user).filter(pk=pk).first()
            if activity is None:
                visible = Activity.objects.visible_to(request.user).filter(pk=pk).exists()
                raise PermissionDenied() if visible else NotFound()
            body = serializers.AttendanceRecordSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            statuses, reasons = body.statuses()
            self._call(activity_services.attendance_record, activity_id=activity.pk,
                       version=body.validated_data.get("version"), statuses=statuses, reasons=reasons)
        rows = activity.attendances.select_related("member").order_by("member__name")
        if not Activity.objects.editable_by(request.user).filter(pk=activity.pk).exists():
            rows = rows.filter(member_id=scope_of(request.user).member_id)
        return Response(serializers.AttendanceSerializer(rows, many=True).data)


class AnnualPlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AnnualPlanSerializer
    filterset_fields = ["group", "year"]

    def get_queryset(self):
        done = Activity.objects.filter(plan_item_id=OuterRef("pk"), state__in=activity_selectors.COUNTED)
        items = PlanItem.objects.annotate(is_done=Exists(done)).prefetch_related("responsible").order_by("month", "pk")
        return (AnnualPlan.objects.visible_to(self.request.user)
                .prefetch_related(Prefetch("items", queryset=items)).order_by("group_id", "-year"))


class CoverageView(APIView):
    """Coverage 全覆盖 of a group (``?group=``) or of the committees the user reads, for a year or quarter."""

    @extend_schema(
        parameters=[OpenApiParameter(name, int, required=False) for name in ("year", "quarter", "group", "committee")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        query = request.query_params
        year = as_int(query.get("year")) if query.get("year") else timezone.localdate().year
        quarter = (as_int(query.get("quarter"), -1) if query.get("quarter") else 0) or None
        group_id = as_id(query.get("group")) if query.get("group") else None
        if (query.get("year") and year is None) or (query.get("group") and group_id is None):
            raise ValidationError({"detail": [_("Year, quarter and group must be numbers.")]})
        if not 1900 <= year <= 2999:
            raise ValidationError({"year": [_("Enter a year between 1900 and 2999.")]})
        if quarter not in (None, 1, 2, 3, 4):
            raise ValidationError({"quarter": [_("The quarter is 1, 2, 3 or 4.")]})
        period = activity_selectors.Period(year, quarter)
        if group_id is not None:
            return Response(self._group(request, group_id, period))
        scope = scope_of(request.user)
        if not (scope.is_superuser or scope.staff_committee_ids or scope.leader_committee_ids):
            raise PermissionDenied()
        committees, groups = Committee.objects.visible_to(request.user), ActivityGroup.objects.visible_to(request.user)
        committee_id = as_id(request.query_params.get("committee"))
        if committee_id:
            committees, groups = committees.filter(pk=committee_id), groups.filter(committee_id=committee_id)
        points = ContactPoint.objects.filter(committee__in=committees.values("pk"))
        committees = activity_selectors.committees_coverage(committees, period)
        groups = activity_selectors.groups_coverage(groups, period)
        visits = activity_selectors.contact_point_visits(points, Activity.objects.all(), period)
        return Response({
            "year": year, "quarter": quarter,
            "committees": [{"id": c.pk, "name": c.name, "members": c.member_count, "covered": c.covered_count}
                           for c in committees],
            "groups": [{"id": g.pk, "name": g.name, "committee": g.committee_id, "members": g.member_count,
                        "covered": g.covered_count, "held": g.held_count, "three_enters_held": g.three_enters_held,
                        "six_done": g.six_done} for g in groups],
            "contact_points": [{"id": p.pk, "name": p.name, "kind": p.kind, "committee": p.committee_id,
                                "visits": p.visits, "last_visit": p.last_visit} for p in visits],
        })

    def _group(self, request, group_id, period):
        group = ActivityGroup.objects.filter(pk=group_id).first()
        if group is None:
            raise NotFound()
        scope = scope_of(request.user)
        if not (ActivityGroup.objects.editable_by(request.user).filter(pk=group_id).exists()
                or scope.can_read_committee(group.committee_id)):
            raise PermissionDenied()
        cov = activity_selectors.group_coverage(group, period)
        return {
            "group": group.pk, "year": period.year, "quarter": period.quarter,
            "members": [{"id": m.pk, "name": m.name, "three_enters": m.three_enters,
                         "last_three_enters": m.last_three_enters} for m in cov.members],
            "covered": cov.covered, "not_covered": [m.pk for m in cov.not_covered],
            "contact_points": [{"id": p.pk, "name": p.name, "kind": p.kind, "visits": p.visits,
                                "last_visit": p.last_visit} for p in cov.contact_points],
            "six_items": [{"item": s["item"], "count": s["count"], "done": s["done"]} for s in cov.six_items],
        }
