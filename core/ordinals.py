"""Ordinals as people write them: 第三季度 and 九届四次 in Chinese, Q3 and "9th term, 4th session" in English.

One place for the numbers of quarters, terms (届) and plenary sessions (次), so no page shows 第3季度 beside
第三季度 or 第9届第4次 beside 九届四次. Each function answers in the active language; the template filters of
the same names are in ``core.templatetags.ordinals`` (``{% load ordinals %}``).
"""

from django.utils.translation import get_language

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九 (as 届, 次 and 季度 are written; 1–99)."""
    n = int(n)
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if not tens:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def english_ordinal(n: int) -> str:
    """1 → 1st, 2 → 2nd, 11 → 11th, 23 → 23rd."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def quarter_label(quarter: int) -> str:
    """第三季度 / Q3."""
    return f"第{chinese_number(quarter)}季度" if _chinese() else f"Q{int(quarter)}"


def term_label(term: int) -> str:
    """第九届 / 9th term."""
    return f"第{chinese_number(term)}届" if _chinese() else f"{english_ordinal(term)} term"


def session_label(term: int, number: int) -> str:
    """九届四次 / 9th term, 4th session (a plenary session of a term)."""
    if _chinese():
        return f"{chinese_number(term)}届{chinese_number(number)}次"
    return f"{english_ordinal(term)} term, {english_ordinal(number)} session"
