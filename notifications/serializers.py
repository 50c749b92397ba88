from django.utils.translation import gettext
from rest_framework import serializers

from core.api_fields import ScopedModelSerializer

from .models import Channel, Kind, Notification

OPTIONAL_CHANNELS = [(Channel.EMAIL.value, Channel.EMAIL.label), (Channel.SMS.value, Channel.SMS.label)]


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
        help_text="Per kind of notice (see ``kind`` of a notification), the extra channels: email, sms. Only the "
        "kinds and channels the user is offered are kept.",
    )
    quiet_start = serializers.TimeField(required=False, allow_null=True)
    quiet_end = serializers.TimeField(required=False, allow_null=True)
    email_digest = serializers.BooleanField(required=False)

    def validate_channels(self, value):
        unknown = sorted(set(value) - set(Kind.values))
        if unknown:
            raise serializers.ValidationError(
                gettext("Unknown kind of notice: %(kinds)s.") % {"kinds": "、".join(unknown)}
            )
        return value


class CalendarLinkInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["regenerate", "revoke"])


class CalendarLinkSerializer(serializers.Serializer):
    feed_url = serializers.URLField(read_only=True, allow_null=True)
