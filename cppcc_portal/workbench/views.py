"""Pages: the workbench, a to-do's rows, the search and the leaders' home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.parsing import as_int
from groups.access import Role, require_role, scope_of

from . import headline as headline_selectors
from . import search as search_selectors
from . import todos

# Every portal page staff work with, by section: the workbench links to each (tests/test_workbench.py checks that
# every page the permission matrix opens to staff is here or in the navigation).
TOOLS = (
    (
        _("Proposals and reports"),
        (
            ("proposals:review", "", _("Proposal review")),
            ("proposals:overdue", "", _("Overdue replies")),
            ("proposals:list", "", _("Proposal list")),
            ("proposals:figures", "", _("Proposal figures")),
            ("proposals:figures_xlsx", "", _("Proposal figures (Excel)")),
            ("proposals:reports", "", _("Public-opinion reports")),
        ),
    ),
    (
        _("Activities"),
        (
            ("activities:ledger", "", _("Activity ledger")),
            ("activities:coverage", "", _("Coverage")),
            ("groups:dashboard", "", _("Committees overview")),
            ("activities:contacts", "", _("Contacts with the people")),
            ("activities:contact_new", "", _("Record a contact")),
            ("activities:platforms", "", _("Duty platforms")),
            ("groups:supervision", "", _("Supervision and inspections")),
            ("groups:inspection_new", "", _("Record an inspection")),
            ("groups:supervision_group_new", "", _("New supervision group")),
            ("groups:work_report_new", "", _("Report on the group's work")),
            ("activities:messages", "", _("Residents' messages")),
            ("activities:message_themes", "", _("Pooled themes of residents' messages")),
            ("activities:leads", "", _("Leads from what residents raised")),
            ("activities:lead_new", "", _("New lead")),
            ("activities:message_ratings", "", _("Residents' ratings")),
        ),
    ),
    (
        _("Consultations"),
        (
            ("consultations:topics", "", _("Consultation topics")),
            ("consultations:sessions", "", _("Consultation sessions")),
            ("consultations:outcomes", "", _("Consultation outcomes")),
            ("consultations:figures", "", _("Consultation figures")),
            ("consultations:topic_new", "", _("New topic")),
            ("consultations:session_new", "", _("New consultation session")),
        ),
    ),
    (
        _("Duty records and assessment"),
        (
            ("assessments:annual", "", _("Annual assessment and funding")),
            ("assessments:dashboard", "", _("Duty dashboard")),
            ("assessments:funding_export", "", _("Group funding (Excel)")),
            ("assessments:assessment_export", "committee_year", _("Annual assessment (Excel)")),
            ("assessments:unit_sheets", "", _("Handling unit yearly evaluation")),
            ("workbench:leader_home", "", _("Headline figures")),
        ),
    ),
)


def _tools(scope) -> list[tuple[str, list[tuple[str, str]]]]:
    committee = min(scope.staff_committee_ids) if scope.staff_committee_ids else None
    year = timezone.localdate().year
    sections = []
    for title, links in TOOLS:
        rows = []
        for name, query, label in links:
            url = reverse(name)
            if query == "committee_year":
                if committee is None:
                    continue
                url += f"?committee={committee}&year={year}"
            rows.append((url, label))
        sections.append((title, rows))
    return sections


@login_required
def workbench(request):
    """The secretariat's home 机关工作台: today's to-dos with counts, every staff tool, the admin."""
    scope = require_role(request.user, Role.STAFF)
    cards = [(t, n, reverse("workbench:todo", args=[t.slug])) for t, n in todos.counts(request.user)]
    return render(
        request,
        "workbench/workbench.html",
        {
            "cards": cards,
            "tools": _tools(scope),
            "today": timezone.localdate(),
        },
    )


@login_required
def todo(request, slug: str):
    """The rows behind one to-do: the same queryset the workbench counted."""
    require_role(request.user, Role.STAFF)
    item = todos.BY_SLUG.get(slug)
    if item is None:
        raise Http404
    today = timezone.localdate()
    qs = item.query(todos.staff_committee_ids(request.user), today)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [item.row(obj) for obj in page]
    tool = reverse(item.tool) + todos.TOOL_QUERY.get(item.tool, "") if item.tool else ""
    return render(request, "workbench/todo.html", {"item": item, "page_obj": page, "rows": rows, "tool": tool})


@login_required
def search(request):
    """Members, groups, proposals and activities of the user's committees (staff and leaders)."""
    scope = scope_of(request.user)
    if Role.STAFF not in scope.roles and Role.LEADER not in scope.roles:
        raise PermissionDenied
    results = search_selectors.search(request.user, request.GET.get("q", ""))
    return render(
        request,
        "workbench/search.html",
        {"results": results, "q": results.query, "is_staff": Role.STAFF in scope.roles},
    )


@login_required
def leader_home(request):
    """Leaders' home: the year's headline figures of their committees, each district side by side."""
    scope = scope_of(request.user)
    if Role.STAFF not in scope.roles and Role.LEADER not in scope.roles:
        raise PermissionDenied
    year = as_int(request.GET.get("year"), timezone.localdate().year, low=2000, high=2100)
    columns = headline_selectors.headline(request.user, year)
    return render(request, "workbench/leader_home.html", {"columns": columns, "year": year})
