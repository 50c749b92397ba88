"""The duty record page's lines of a category written at once.

The loop it replaces rendered about fifteen template nodes a line (a member's year: 112 lines, a third of the
page's Python at 50,000 members, #22); the HTML is the same, byte for byte (``tests/assessments/test_duty_lines.py``
renders both).
"""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def _shown(value) -> str:
    """``{{ value }}`` as the template engine writes it: localized, escaped."""
    return str(conditional_escape(localize(value)))


@register.simple_tag
def duty_lines(group) -> str:
    """Every line of ``group`` (``record_page.RowGroup``) as the page's list items."""
    out = []
    for r in group.rows:
        state, title = _shown(r.state), _shown(r.title or "—")
        if r.url:
            title = f'<a href="{_shown(r.url)}">{title}</a>'
        detail = r.detail
        how = f'<div class="small text-secondary" data-how>{_shown(detail)}</div>' if detail else ""
        counted = _shown(r.counted)
        out.append(
            f'\n      <li class="list-group-item duty-line duty-{state}" data-line="{state}">\n'
            '        <div class="duty-line-main">\n'
            f'          <div class="small text-secondary">{_shown(r.meta)}</div>\n'
            f'          <div class="duty-line-title">{title}</div>\n'
            f'          <div class="duty-verdict" data-verdict>{_shown(r.words.verdict)}</div>\n'
            f"          {how}\n"
            "        </div>\n"
            f'        <div class="duty-line-points" data-points="{counted}">{counted if group.priced else "—"}</div>\n'
            "      </li>\n      "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value escaped)
