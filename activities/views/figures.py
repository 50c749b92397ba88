"""The rows behind the counts of a group's pages (my groups, the convener's dashboard, the plan), of the platforms
and of the leads: each count on those pages is a ``{% figure %}`` linking here, and the list here has as many rows
(tests/test_figures_drilldown.py follows every link as each role that sees it).

Each page reads its record through the record's own scope (``visible_to``; the convener's figures through
``editable_by``, as the dashboard itself), then lists the rows of ``activities.selectors.figures``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Lead, SixItem
from activities.selectors import figures as sel
from activities.selectors.activities import Period
from activities.views.activities import _period
from activities.views.leads import READERS, _roles
from core.parsing import as_id
from groups.access import scope_of
from groups.models import ActivityGroup, Platform

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    title: str
    detail: str
    url: str = ""


def _page(request, rows, to_row, *, title: str, back: tuple[str, str], context: str = ""):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/figure_rows.html",
        {
            "title": title,
            "context_line": context,
            "back": back,
            "page_obj": page,
            "rows": [to_row(r) for r in page.object_list],
            "query": query.urlencode(),
        },
    )


def _member_row(m) -> Row:
    return Row(m.name, m.sector.name if m.sector_id else "")


def _activity_row(a) -> Row:
    where = f" · {a.contact_point.name}" if a.contact_point_id else ""
    return Row(a.title, f"{a.starts_at:%Y-%m-%d}{where}", reverse("activities:activity_detail", args=[a.pk]))


def _point_row(p) -> Row:
    return Row(p.name, str(p.get_kind_display()))


def _item_row(i) -> Row:
    where = f" · {i.contact_point.name}" if i.contact_point_id else ""
    done = f" · {_('done')}" if i.is_done else ""
    return Row(i.title, _("Quarter %(q)s, month %(m)s") % {"q": i.quarter, "m": i.month} + where + done)


def _leave_row(a) -> Row:
    return Row(
        a.member.name,
        f"{a.activity.title} · {a.activity.starts_at:%m-%d %H:%M} · {a.leave_reason}",
        reverse("activities:activity_detail", args=[a.activity_id]) + "#attendance",
    )


GROUP_TITLES = {
    "members": gettext_lazy("Members"),
    "contact_points": gettext_lazy("Contact points"),
    "covered": gettext_lazy("Members in three enters"),
    "uncovered": gettext_lazy("Members not covered"),
    "visited": gettext_lazy("Contact points visited"),
    "visits": gettext_lazy("Visits to the contact point"),
    "six": gettext_lazy("Activities for a six-ones item"),
    "leave": gettext_lazy("Leave requests waiting for you"),
    "planned": gettext_lazy("Items planned"),
    "done": gettext_lazy("Plan items done"),
    "overdue": gettext_lazy("Plan items overdue"),
    "unplanned": gettext_lazy("Unplanned activities"),
}
TO_ROW = {
    "members": _member_row,
    "covered": _member_row,
    "uncovered": _member_row,
    "contact_points": _point_row,
    "visited": _point_row,
    "visits": _activity_row,
    "six": _activity_row,
    "unplanned": _activity_row,
    "leave": _leave_row,
    "planned": _item_row,
    "done": _item_row,
    "overdue": _item_row,
}


@login_required
def group_rows(request, pk: int):
    """The rows behind a group's figure (``figure``; the period as the dashboard's: ``year``, ``quarter``; ``point``
    for a contact point's visits, ``item`` for a six-ones item). Members and contact points: whoever sees the group;
    the dashboard's and the plan's figures: whoever edits it (its conveners, its committee's staff)."""
    figure = request.GET.get("figure", "members")
    if figure not in TO_ROW:
        raise PermissionDenied
    groups = ActivityGroup.objects.visible_to(request.user) if figure in sel.GROUP_PUBLIC else None
    group = (groups or ActivityGroup.objects.editable_by(request.user)).filter(pk=pk).first()
    if group is None:
        raise PermissionDenied
    period: Period = _period(request)
    item = request.GET.get("item", "")
    rows = sel.group_rows(
        group,
        figure,
        period,
        own_member_id=scope_of(request.user).member_id,
        point_id=as_id(request.GET.get("point")),
        six_item=item if item in SixItem.values else "",
    )
    quarter = f" · {_('Quarter %(q)s') % {'q': period.quarter}}" if period.quarter else ""
    dated = figure not in sel.GROUP_PUBLIC and figure != "leave"
    back = (
        (reverse("groups:group_detail", args=[group.pk]), group.name)
        if figure in sel.GROUP_PUBLIC
        else (reverse("activities:group_activities", args=[group.pk]), group.name)
    )
    return _page(
        request,
        rows,
        TO_ROW[figure],
        title=str(GROUP_TITLES[figure]),
        back=back,
        context=f"{group.name}" + (f" · {period.year}{quarter}" if dated else ""),
    )


@login_required
def platform_members(request, pk: int):
    """The members of a platform now: the count on the platforms' list."""
    platform = Platform.objects.visible_to(request.user).filter(pk=pk).first()
    if platform is None:
        raise PermissionDenied
    return _page(
        request,
        sel.platform_members(platform),
        lambda pm: Row(pm.member.name, str(pm.get_role_display()), ""),
        title=_("Platform members"),
        back=(reverse("activities:platform", args=[platform.pk]), platform.name),
    )


@login_required
def lead_rows(request, pk: int):
    """The messages, contacts or suggestions a lead pools (``figure``), as the leads' list counts them; residents'
    names and phones stay on the message's own page, for whom may see them."""
    _roles(request, READERS)
    figure = request.GET.get("figure", "messages")
    lead = Lead.objects.visible_to(request.user).filter(pk=pk).first()
    if lead is None or figure not in sel.LEAD_FIGURES:
        raise PermissionDenied
    to_row = {
        "messages": lambda m: Row(
            Truncator(m.text).chars(60),
            f"{m.tracking_display} · {m.created_at:%Y-%m-%d}",
            reverse("activities:message_detail", args=[m.pk]),
        ),
        "contacts": lambda c: Row(Truncator(c.raised).chars(60), f"{c.member.name} · {c.contacted_on:%Y-%m-%d}"),
        "suggestions": lambda s: Row(
            Truncator(s.text).chars(60), s.activity.title, reverse("activities:activity_detail", args=[s.activity_id])
        ),
    }[figure]
    titles = {
        "messages": _("Residents' messages"),
        "contacts": _("Contacts"),
        "suggestions": _("Suggestions gathered at activities"),
    }
    return _page(
        request,
        sel.lead_rows(lead, figure),
        to_row,
        title=titles[figure],
        back=(reverse("activities:lead_detail", args=[lead.pk]), lead.title),
    )
