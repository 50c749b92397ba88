"""A proposal's state badge, with its round, key and excellent badges, written at once.

It was an included template per row of every proposal list (50 rows a page: an include, a chain of conditions and
three translations each, #22); the HTML is the same.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()

STATE_CLASS = {
    "closed": "text-bg-success",
    "not_filed": "text-bg-secondary",
    "merged": "text-bg-secondary",
    "replied": "text-bg-info",
    "rated": "text-bg-info",
    "draft": "text-bg-light border",
}


@register.simple_tag
def state_badge(p) -> str:
    """``p``'s state as a badge, then "Round n" past the first round, "Key" and "Excellent" when they apply."""
    out = [
        format_html(
            '<span class="badge {}">{}</span>', STATE_CLASS.get(p.state, "text-bg-primary"), p.get_state_display()
        )
    ]
    if (p.round or 0) > 1:
        out.append(format_html(' <span class="badge text-bg-warning">{}</span>', _("Round %(n)s") % {"n": p.round}))
    if p.is_key:
        out.append(format_html(' <span class="badge text-bg-danger">{}</span>', _("Key")))
    if p.is_excellent:
        out.append(format_html(' <span class="badge text-bg-success">{}</span>', pgettext("proposal", "Excellent")))
    return mark_safe("".join(out))  # noqa: S308 (each part escaped by format_html)
