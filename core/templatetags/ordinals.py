"""``{{ 3|quarter }}`` → 第三季度 / Q3; ``{{ 9|term }}`` → 第九届; ``{{ 9|session:4 }}`` → 九届四次 (see core.ordinals)."""

from django import template

from core import ordinals

register = template.Library()


@register.filter
def quarter(value):
    return ordinals.quarter_label(value) if value not in (None, "") else ""


@register.filter
def term(value):
    return ordinals.term_label(value) if value not in (None, "") else ""


@register.filter
def session(term_number, number):
    return (
        ordinals.session_label(term_number, number)
        if "" not in (term_number, number) and None not in (term_number, number)
        else ""
    )
