"""Read API for the organisation; writes go through the admin and the services."""
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from groups import filters, serializers
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, ContactPoint, HandlingUnit, Member, Platform, Sector


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


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    permission_classes = [permissions.AllowAny]


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
