"""A group's row on the coverage page, written at once (``{% coverage_group_row g members_url ledger_url base %}``).

It was five ``{% figure %}`` tags resolving their arguments through the template engine, a ``yesno`` filter and two
variables a row, 50 rows a page (#22: the coverage page sat at 2.8-2.9 times a minimal page idle, its rows about a
third of its rendering). The HTML is the same (``tests/activities/test_coverage_rows.py`` compares it with the
template it replaced, in both languages).
"""

import html

from django import template
from django.utils.safestring import mark_safe

from core.templatetags.figures import figure

register = template.Library()


def _escaped(value) -> str:
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag
def coverage_group_row(g, members_url: str, ledger_url: str, base: str) -> str:
    """Group ``g``'s row (``selectors.activities.with_group_coverage``'s figures), each count linking to its rows."""
    uncovered_cls = "text-danger fw-semibold" if g.uncovered_count else ""
    return mark_safe(  # noqa: S308 (the name escaped; the counts are the figure tag's HTML)
        "<tr data-row>\n"
        f"    <td>{_escaped(g.name)}</td>\n"
        f"    <td>{figure(g.member_count, members_url, base, group=g.pk)}</td>\n"
        f"    <td>{figure(g.covered_count, members_url, base, group=g.pk, covered='1', cls='text-success')}</td>\n"
        f"    <td>{figure(g.uncovered_count, members_url, base, group=g.pk, covered='0', cls=uncovered_cls)}</td>\n"
        '    <td class="d-none d-sm-table-cell">'
        f"{figure(g.held_count, ledger_url, base, group=g.pk, counted='1')}</td>\n"
        f'    <td class="d-none d-sm-table-cell"><span data-not-a-count>{_escaped(g.six_done)}/6</span></td>\n'
        "  </tr>"
    )
