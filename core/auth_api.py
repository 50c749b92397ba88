"""The API's log-in and log-out: API tokens (``core.tokens``), issued and revoked through ``core.services``."""

from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer  # a plain serializer: no authtoken models
from rest_framework.response import Response
from rest_framework.views import APIView

from core import services
from core.api import exposes
from core.models import ApiToken
from core.net import client_ip

_NO_LOGIN = "Wrong username or password, or too many failed attempts from this client."
_NO_TOKEN = "The request was made with a session, not with an API token."  # noqa: S105 (a message)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True)


class TokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token <token>``) that expires at
    ``expiry``. Repeated failures lock the username for this client, as on the log-in page."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=AuthTokenSerializer, responses={200: TokenSerializer, 400: OpenApiResponse(description=_NO_LOGIN)}
    )
    @exposes(services.api_token_issue)
    def post(self, request):
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        user = credentials.validated_data["user"]
        token, key = services.api_token_issue(user=user, actor=user, ip=client_ip(request))
        return Response(TokenSerializer({"token": key, "expiry": token.expiry}).data)


class TokenLogoutView(APIView):
    """Revoke the token this request was made with."""

    @extend_schema(request=None, responses={204: None, 400: OpenApiResponse(description=_NO_TOKEN)})
    @exposes(services.api_tokens_revoke)
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise serializers.ValidationError({"detail": [_("This request was not made with an API token.")]})
        services.api_tokens_revoke(
            user=request.user, actor=request.user, token=request.auth, reason="api_logout", ip=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAllView(APIView):
    """Revoke every API token of the current user (all devices)."""

    @extend_schema(request=None, responses={204: None})
    @exposes(services.api_tokens_revoke)
    def post(self, request):
        services.api_tokens_revoke(
            user=request.user, actor=request.user, reason="api_logout_all", ip=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    new_password1 = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    new_password2 = serializers.CharField(
        trim_whitespace=False, style={"input_type": "password"}, help_text="The new password again."
    )


class PasswordChangeView(APIView):
    """Change the caller's own password, checked as on the password page (the old password, the password rules,
    the two new ones alike). Every API token of the user is revoked with it, this one too: sign in again."""

    @extend_schema(request=PasswordChangeInput, responses={204: None})
    @exposes(services.user_password_change)
    def post(self, request):
        body = PasswordChangeInput(data=request.data)
        body.is_valid(raise_exception=True)
        form = PasswordChangeForm(request.user, data=body.validated_data)
        if not form.is_valid():  # the page's form: the same rules and the same messages
            raise serializers.ValidationError(form.errors)
        services.user_password_change(
            user=request.user, actor=request.user, password=form.cleaned_data["new_password1"], ip=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
