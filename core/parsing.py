"""Reading single values from a request's query or form data outside a form: typed, bounded, never raw.

``bool("false")`` is true and ``"²".isdigit()`` is true while ``int("²")`` raises; an id beyond 64 bits makes
SQLite raise ``OverflowError`` where PostgreSQL answers "out of range". Pages and API views that read a value
without a form or serializer go through these helpers instead.
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.api import MAX_ID


def as_bool(value: Any, default: bool = False) -> bool:
    """A form's boolean: "false", "0" and "" are false, a ticked checkbox ("on") true, absent ``default``."""
    if value is None:
        return default
    return bool(forms.BooleanField(required=False).clean(value))


def as_id(value: Any) -> int | None:
    """A positive id written in ASCII digits that fits a database column, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def as_int(value: Any, default: int | None = None, *, low: int = -MAX_ID, high: int = MAX_ID) -> int | None:
    """An integer between ``low`` and ``high`` (ASCII digits, optional sign), else ``default``."""
    if not isinstance(value, str):
        return default
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return default
    number = int(text)
    return number if low <= number <= high else default
