"""Personal data: members' phone numbers and e-mail addresses are shown in full only to whoever may contact
them (staff of their committee, their own conveners, the member themself); everyone else sees them masked.

The masks live here; who may see a member's details in full depends on the organisation, so that rule
(``ContactPolicy``) lives in ``groups.privacy``."""

from __future__ import annotations


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last two digits."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 8:
        return f"{value[:3]}****{value[-4:]}"
    return "*" * (len(value) - 2) + value[-2:]


def mask_email(value: str | None) -> str:
    """``zhang.wei@example.cn`` -> ``z***@example.cn``."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    return f"{local[:1]}***{at}{domain}"
