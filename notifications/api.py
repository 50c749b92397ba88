"""/api/v1/notifications/: the user's own notifications; mark one or all read; the channel preferences and the
private calendar link (the same services as the preferences page)."""

import django_filters
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import exposes
from core.api_values import ValuesListMixin
from core.links import absolute_url

from . import services
from .models import Kind, Notification, NotificationSettings
from .serializers import CalendarLinkInput, CalendarLinkSerializer, NotificationSerializer, PreferencesSerializer


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="unread")
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationViewSet(ValuesListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    values_fields = {"is_read": ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())}
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "due"]

    def get_queryset(self):
        # only the caller's own: someone else's notification is 404, not 403
        return Notification.objects.for_user(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    @exposes(services.notification_mark_read)
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(notification_id=notification.pk, actor=request.user)
        notification.refresh_from_db(fields=["read_at"])
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsMarkedRead", fields={"marked": drf_serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    @exposes(services.notifications_mark_all_read)
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})

    @extend_schema(methods=["GET"], request=None, responses=PreferencesSerializer)
    @extend_schema(methods=["POST"], request=PreferencesSerializer, responses=PreferencesSerializer)
    @action(detail=False, methods=["get", "post"], pagination_class=None, filterset_class=None)
    @exposes(services.preferences_update)
    def preferences(self, request):
        """The extra channels (email, sms) per kind of notice; in-app is always on. POST replaces the choice of the
        kinds it names."""
        if request.method == "POST":
            body = PreferencesSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            d, now = body.validated_data, services.preferences_of(request.user)  # what the POST leaves out stays
            services.preferences_update(
                actor=request.user,
                channels={**now["channels"], **d["channels"]},
                quiet_start=d.get("quiet_start", now["quiet_start"]),
                quiet_end=d.get("quiet_end", now["quiet_end"]),
                email_digest=d["email_digest"] if "email_digest" in request.data else now["email_digest"],
            )
        return Response(PreferencesSerializer(services.preferences_of(request.user)).data)

    @extend_schema(request=CalendarLinkInput, responses=CalendarLinkSerializer)
    @action(detail=False, methods=["post"], url_path="calendar-link", pagination_class=None, filterset_class=None)
    @exposes(services.calendar_token_regenerate, services.calendar_token_revoke)
    def calendar_link(self, request):
        """``regenerate``: a new private calendar (iCalendar) URL, the old one stops working; ``revoke``: the feed
        is switched off (``feed_url`` null)."""
        body = CalendarLinkInput(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["action"] == "regenerate":
            services.calendar_token_regenerate(actor=request.user)
        else:
            services.calendar_token_revoke(actor=request.user)
        token = NotificationSettings.objects.filter(user=request.user).values_list("calendar_token", flat=True).first()
        url = absolute_url(reverse("notifications:calendar", args=[token])) if token else None
        return Response(CalendarLinkSerializer({"feed_url": url}).data)
