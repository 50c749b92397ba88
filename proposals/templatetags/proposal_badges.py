"""A proposal's state badge, with its round, key and excellent badges, written at once.

It was an included template per row of every proposal list (50 rows a page: an include, a chain of conditions and
three translations each, #22); the HTML is the same.
"""

import html

from django import template
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


def escaped(value) -> str:
    """``conditional_escape`` without its lazy-argument wrapper (``format_html``'s escapes were most of a row's
    time; ``core.templatetags.figures`` found the same)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag
def state_badge(p) -> str:
    """``p``'s state as a badge, then "Round n" past the first round, "Key" and "Excellent" when they apply."""
    # each text translated outside the f-strings: makemessages does not read calls inside them
    out = f'<span class="badge {STATE_CLASS.get(p.state, "text-bg-primary")}">{escaped(p.get_state_display())}</span>'
    if (p.round or 0) > 1:
        text = _("Round %(n)s") % {"n": p.round}
        out += f' <span class="badge text-bg-warning">{escaped(text)}</span>'
    if p.is_key:
        text = _("Key")
        out += f' <span class="badge text-bg-danger">{escaped(text)}</span>'
    if p.is_excellent:
        text = pgettext("proposal", "Excellent")
        out += f' <span class="badge text-bg-success">{escaped(text)}</span>'
    return mark_safe(out)  # noqa: S308 (each part escaped)
