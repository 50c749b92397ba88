"""An activity's row parts, written at once: its state badge, the ledger's first four cells, and the convener's
dashboard's row.

Each was template nodes per row: ``activities/_state.html`` was included per row of the ledger (30 a page), of the
convener's dashboard (15) and of a member's activities, and the ledger's date, title, organiser and type cells were
some fifteen nodes a row (#22: an include is a context pushed, a template looked up and a chain of conditions; a
node a variable resolved through the context). The HTML is the same (``tests/activities/test_activity_rows.py``
compares each with the template it replaced). The ledger's counts stay in its template (its figures); the
dashboard's row writes its attendance figures (``data-figures``) with the figure tag: ``activities/_activity_row.html``
included per row was 2.4 ms of the dashboard's 15 rows, the tag 0.5 ms (#22).
"""

import html

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.templatetags.figures import figure

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
    """The title, state, time, kind, target and place of ``a``'s row on the convener's dashboard (``activity_row``,
    which adds its attendance figures)."""
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


@register.simple_tag
def activity_row(a) -> str:
    """``a``'s row on the convener's dashboard: ``activity_row_head`` and, when anyone is invited, its present and
    invited counts, each linking to its attendances (``activities:attendance_rows``)."""
    figures = ""
    if a.invited_count:
        rows = reverse("activities:attendance_rows", args=[a.pk])
        figures = (
            f'<div class="small text-secondary" data-figures>{_escaped(gettext("Present"))} '
            f"{figure(a.present_count, rows, status='present')} / {_escaped(gettext('Invited'))} "
            f"{figure(a.invited_count, rows)}</div>"
        )
    return mark_safe(f"{activity_row_head(a)}\n  {figures}\n</div>\n")  # noqa: S308 (the parts escaped)


@register.simple_tag
def ledger_row(a) -> str:
    """``a``'s row of the ledger (``selectors.activities.ledger_page``): ``ledger_cells``, its present and invited
    counts (with how the present signed in) linking to their attendances, its evidence count and state.

    The counts' cell was a ``{% url %}``, five ``{% figure %}`` tags and a ``{% blocktranslate %}`` a row, 30 rows a
    page: half the ledger's rendering (#22)."""
    rows = reverse("activities:attendance_rows", args=[a.pk])
    counts = f"{figure(a.present_count, rows, status='present')}/{figure(a.invited_count, rows)}"
    if a.present_count:
        methods = gettext("scan %(s)s · convener %(c)s · corrected %(r)s") % {
            "s": figure(a.scanned_count, rows, method="on_site", cls="link-secondary"),
            "c": figure(a.convener_count, rows, method="convener", cls="link-secondary"),
            "r": figure(a.corrected_count, rows, method="correction", cls="link-secondary"),
        }
        counts += f'<div class="text-secondary" data-testid="sign-in-methods">{methods}</div>'
    return mark_safe(  # noqa: S308 (the cells escaped; the counts are the figure tag's HTML)
        f"<tr data-row>\n    {ledger_cells(a)}\n"
        f'    <td class="small text-nowrap" data-figures>{counts}</td>\n'
        # the evidence count is no figure: the files are listed on the activity's page the row links to
        f'    <td class="d-none d-md-table-cell small">{_escaped(a.evidence_count)}</td>\n'
        f"    <td>{activity_state(a)}</td>\n"
        "  </tr>"
    )
