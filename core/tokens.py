"""API tokens: django-rest-knox's hashed, expiring tokens, also void once their user's password changes.

The password check mirrors Django's sessions (``get_session_auth_hash``): a token carries a keyed hash of the
password hash it was issued under, so a password set anywhere (the portal's page, the admin, ``manage.py
changepassword``, a shell) ends every token issued before, whether or not that door revoked them.
"""

from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def password_stamp(user) -> str:
    """A keyed hash of ``user``'s current password hash (changes whenever the password does)."""
    return salted_hmac("core.tokens.password_stamp", user.password, algorithm="sha256").hexdigest()


class TokenAuthentication(KnoxTokenAuthentication):
    """``Authorization: Token <key>``: an unexpired token of an active user whose password is unchanged."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if not constant_time_compare(token.password_stamp, password_stamp(user)):
            raise AuthenticationFailed(_("Invalid token."))
        return user, token


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of ``TokenAuthentication``."""

    target_class = "core.tokens.TokenAuthentication"
    name = "tokenAuth"
