"""The activity page's attendance form: one row's status radios written at once.

The loop it replaces rendered about fifteen template nodes a status for every invited member (26 rows × 3
statuses on a group's activity: a quarter of the page's rendering at 50,000 members, #22); the HTML is the same.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

OUTLINE = {"present": "success", "excused": "warning"}  # any other status: danger


@register.simple_tag
def status_radios(row, statuses) -> str:
    """The radio buttons and labels of ``row``'s status (``statuses``: (value, label) pairs), its status checked."""
    key = int(row.member_id)
    out = []
    for value, label in statuses:
        checked = " checked" if row.status == value else ""
        value = escape(value)
        out.append(
            f'<input type="radio" class="btn-check" name="status_{key}" id="s{key}{value}" value="{value}"'
            f' autocomplete="off"{checked}>\n'
            f'<label class="btn btn-outline-{OUTLINE.get(value, "danger")}" for="s{key}{value}">{escape(label)}</label>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 (every value escaped)
