"""An activity's row parts, written at once: its state badge, and the ledger's first four cells.

Each was template nodes per row: ``activities/_state.html`` was included per row of the ledger (30 a page), of the
convener's dashboard (15) and of a member's activities, and the ledger's date, title, organiser and type cells were
some fifteen nodes a row (#22: an include is a context pushed, a template looked up and a chain of conditions; a
node a variable resolved through the context). The HTML is the same (``tests/activities/test_activity_rows.py``
compares each with the template it replaced). The ledger's counts stay in its template (its figures).
"""

import html

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe

register = template.Library()

STATE_CLASS = {
    "filed": "text-bg-success",
    "held": "text-bg-primary",
    "announced": "text-bg-warning",
    "cancelled": "text-bg-secondary",
}


def _escaped(value) -> str:
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _day(value, form: str = "Y-m-d") -> str:
    """``{{ value|date:"Y-m-d" }}``: the local day (or ``form``)."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, form)


def _moment(value) -> str:
    """``{{ value|date:"Y-m-d H:i" }}``."""
    return _day(value, "Y-m-d H:i")


@register.simple_tag
def activity_state(a) -> str:
    """``a``'s state as a badge (and the newline the included template ended with)."""
    label = _escaped(a.get_state_display())
    return mark_safe(f'<span class="badge {STATE_CLASS.get(a.state, "text-bg-light border")}">{label}</span>\n')  # noqa: S308


@register.simple_tag
def ledger_cells(a) -> str:
    """The date, title, organiser and type cells of ``a``'s ledger row (``selectors.activities.ledger_page``)."""
    organiser = _escaped(a.organiser_name)
    kind = _escaped(a.get_kind_display())
    if a.target:
        point = f" · {_escaped(a.contact_point_name)}" if a.contact_point_id else ""
        kind += f'<div class="text-secondary">{_escaped(a.get_target_display())}{point}</div>'
    href = _escaped(reverse("activities:activity_detail", args=[a.pk]))
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<td class="text-nowrap small">{_day(a.starts_at)}</td>\n'
        f'    <td><a href="{href}">{_escaped(a.title)}</a><div class="small text-secondary d-md-none">{organiser}</div>'
        "</td>\n"
        f'    <td class="d-none d-md-table-cell small">{organiser}<div class="text-secondary">'
        f"{_escaped(a.committee_label)}</div></td>\n"
        f'    <td class="d-none d-sm-table-cell small">{kind}</td>'
    )


@register.simple_tag
def activity_row_head(a) -> str:
    """The title, state, time, kind, target and place of ``a``'s row on the convener's dashboard
    (``activities/_activity_row.html``, which adds its attendance figures)."""
    target = f"（{_escaped(a.get_target_display())}）" if a.target else ""
    place = f" · {_escaped(a.place)}" if a.place else ""
    when = _escaped(_moment(a.starts_at))
    href = _escaped(reverse("activities:activity_detail", args=[a.pk]))
    return mark_safe(  # noqa: S308 (every value escaped)
        '<div class="list-group-item">\n'
        '  <div class="d-flex justify-content-between align-items-start gap-2">\n'
        f'    <a class="fw-semibold text-break" href="{href}">{_escaped(a.title)}</a>\n'
        f"    {activity_state(a)}\n"  # the badge's newline, then the template's
        "  </div>\n"
        f'  <div class="small text-secondary">{when} · {_escaped(a.get_kind_display())}{target}{place}</div>'
    )
