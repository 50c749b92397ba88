"""Getting into an account without a password: the first-login link of a new login, the password-reset e-mail
and the SMS code. No password is ever made up, sent or shown: the person chooses one.

- First-login link: Django's signed password-reset token with its own salt and lifetime
  (``FIRST_LOGIN_LINK_DAYS``). It names the login's unusable password hash and last login, so it dies when
  the password is set, when the person first logs in, or when staff issue a new link (a new unusable hash).
- Password reset by e-mail: Django's own token (``PASSWORD_RESET_TIMEOUT``) and views.
- Password reset by SMS: a six-digit code, kept only as a keyed hash, valid ``SMS_CODE_MINUTES``, at most
  ``SMS_CODE_MAX_ATTEMPTS`` tries; sending is limited per number and per address (``SMS_CODE_*`` settings).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class FirstLoginTokenGenerator(PasswordResetTokenGenerator):
    """A password-reset token of its own kind (another salt) that lasts ``FIRST_LOGIN_LINK_DAYS``."""

    key_salt = "core.accounts.FirstLoginTokenGenerator"

    def check_token(self, user, token):
        """Django's check with the first-login lifetime instead of ``PASSWORD_RESET_TIMEOUT``."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        lifetime = timedelta(days=settings.FIRST_LOGIN_LINK_DAYS).total_seconds()
        return (self._num_seconds(self._now()) - ts) <= lifetime


first_login_token = FirstLoginTokenGenerator()


def first_login_path(user) -> str:
    """The first-login link of ``user`` (relative), valid until used or replaced."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("first_login", args=[uid, first_login_token.make_token(user)])


def first_login_url(user) -> str:
    """The first-login link of ``user`` with the portal's address, for a printed list, an SMS or an e-mail."""
    return settings.PORTAL_BASE_URL.rstrip("/") + first_login_path(user)
