"""SMS template ids: which vendor template carries a kind of text (``settings.NOTIFICATIONS_SMS_TEMPLATES``).

Read by core's own texts (the password-reset code) and by the notices' SMS channel (``notifications.channels``).
"""

from django.conf import settings


def sms_template(kind: str) -> str:
    """The template id for ``kind`` (a notice kind, or e.g. ``password_reset_code``); the default one otherwise."""
    templates: dict[str, str] = settings.NOTIFICATIONS_SMS_TEMPLATES
    return templates.get(kind) or templates["default"]
