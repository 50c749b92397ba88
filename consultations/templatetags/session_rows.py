"""A session's card on the session list, written at once (``{% session_row s %}``).

It was some twenty template nodes a card: two ``{% url %}``, three ``{% figure %}`` tags resolving their arguments
through the template engine, a ``{% blocktranslate %}`` and a date filter, 30 cards a page (#22: the list was at the
edge of three times a minimal page for a city's leader). The HTML is the same (``tests/consultations/
test_session_rows.py`` compares it with the template it replaced, in both languages).
"""

import html

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.templatetags.figures import figure

register = template.Library()


def _escaped(value) -> str:
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag
def session_row(s) -> str:
    """The card of session ``s`` (``selectors.session_list``'s row: its committee, platform and three counts)."""
    href = _escaped(reverse("consultations:session", args=[s.pk]))
    rows = reverse("consultations:session_rows", args=[s.pk])
    when = dateformat.format(timezone.localtime(s.starts_at), "Y-m-d H:i") if s.starts_at else ""
    platform = f" · {_escaped(s.platform)}" if s.platform else ""
    counts = gettext("%(p)s members present · %(o)s other participants · %(n)s outcomes") % {
        "p": figure(s.present_count, rows, figure="present"),
        "o": figure(s.participant_count, rows, figure="participants"),
        "n": figure(s.outcome_count, rows, figure="outcomes"),
    }
    published = f' · <span class="text-success">{_escaped(gettext("published"))}</span>' if s.is_published else ""
    return mark_safe(  # noqa: S308 (every value escaped; the counts are the figure tag's HTML)
        '<div class="card shadow-sm mb-2">\n'
        '  <div class="card-body py-2">\n'
        f'    <div class="d-flex justify-content-between gap-2"><a class="fw-semibold text-decoration-none" href="{href}">'
        f'{_escaped(s.title)}</a><span class="badge text-bg-light border align-self-start">'
        f"{_escaped(s.get_state_display())}</span></div>\n"
        f'    <div class="small text-secondary">{when} · {_escaped(s.get_level_display())} · '
        f"{_escaped(s.display_form)}{platform}</div>\n"
        f'    \n    <div class="small" data-figures>{counts}{published}</div>\n'
        "  </div>\n"
        "</div>"
    )
