from django.utils.translation import gettext
from rest_framework import serializers

from core.api_fields import ScopedModelSerializer

from .forms import OPTIONAL_CHANNELS
from .models import Kind, Notification


class NotificationSerializer(ScopedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "due", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class PreferencesSerializer(serializers.Serializer):
    channels = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=OPTIONAL_CHANNELS)),
        help_text="Per kind of notice (see ``kind`` of a notification), the extra channels: email, sms.")

    def validate_channels(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(gettext("Unknown kind of notice: %(kinds)s.") % {
                "kinds": "、".join(unknown)})
        return value


class CalendarLinkInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["regenerate", "revoke"])


class CalendarLinkSerializer(serializers.Serializer):
    feed_url = serializers.URLField(read_only=True, allow_null=True)
