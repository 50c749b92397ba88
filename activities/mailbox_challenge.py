"""The public mailbox's challenge, with no outside service: a small sum to work out, signed with the secret key
(``django.core.signing``) together with the time the form was drawn, plus a honeypot field people never see.

A form sent sooner than ``MAILBOX_MIN_SECONDS`` after it was drawn, later than ``MAX_AGE``, with a wrong sum, a
forged token or a filled honeypot is refused. A solved token can be sent again: the rate limits per address and
per page (``activities.services.mailbox``) bound what that buys.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core import signing

SALT = (
    "groups.mailbox.challenge"  # the salt of the tokens forms already carry: a form drawn before an upgrade still posts
)
MAX_AGE = 2 * 60 * 60  # two hours to write a message


def new_challenge(now: float | None = None) -> tuple[str, str]:
    """(token, question): the question reads "3 + 4 = ?"; the token carries the sum and the time, signed."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"s": a + b, "t": int(now if now is not None else time.time())}, salt=SALT, compress=True)
    return token, f"{a} + {b}"


def check_challenge(token: str, answer: str, now: float | None = None) -> bool:
    """Whether ``answer`` is the token's sum and the form was open long enough but not too long."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    now = now if now is not None else time.time()
    if not isinstance(data, dict) or now - data.get("t", now) < settings.MAILBOX_MIN_SECONDS:
        return False
    answer = (answer or "").strip()
    return answer.isascii() and answer.isdecimal() and len(answer) <= 3 and int(answer) == data.get("s")
