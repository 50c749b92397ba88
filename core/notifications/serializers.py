from rest_framework import serializers

from core.api_fields import ScopedModelSerializer

from .models import Notification


class NotificationSerializer(ScopedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "due", "created_at", "read_at", "is_read"]
        read_only_fields = fields
