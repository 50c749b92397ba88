"""Pages for conveners, members, units and leaders; secretariat staff start at the workbench (cppcc_portal.workbench)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from groups import selectors
from groups.access import Role, require_role, scope_of
from groups.filters import GroupMemberFilter
from groups.models import ActivityGroup, HandlingUnit, Member


def home(request):
    """Send each user to where they work."""
    if not request.user.is_authenticated:
        return redirect("login")
    roles = scope_of(request.user).roles
    if Role.STAFF in roles:
        return redirect("workbench:home")  # the portal's workbench links to the admin (no loop)
    if Role.LEADER in roles:
        return redirect("workbench:leader_home")
    if Role.CONVENER in roles:
        return redirect("groups:my_groups")
    if Role.MEMBER in roles:
        return redirect("groups:my_page")
    if Role.UNIT in roles:
        return redirect("groups:unit_home")
    return render(request, "groups/no_role.html")


@login_required
def my_groups(request):
    scope = scope_of(request.user)
    groups = selectors.groups_with_counts(ActivityGroup.objects.filter(pk__in=scope.group_ids)).order_by("name")
    return render(request, "groups/my_groups.html", {"groups": groups})


@login_required
def group_detail(request, pk: int):
    try:
        group = selectors.group_detail(pk, request.user)
    except ActivityGroup.DoesNotExist:
        raise PermissionDenied from None
    can_edit = ActivityGroup.objects.editable_by(request.user).filter(pk=pk).exists()
    members = selectors.group_members(group)
    listing = GroupMemberFilter(request.GET or None, queryset=members)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(listing.qs, 30).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(name) for name in listing.filters)
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "can_edit": can_edit,
            "filter": listing,
            "filtered": filtered,
            "page_obj": page,
            "member_total": members.count() if filtered else page.paginator.count,
            "query": query.urlencode(),
        },
    )


@login_required
def my_page(request):
    require_role(request.user, Role.MEMBER)
    member = get_object_or_404(
        Member.objects.select_related("committee", "sector", "term", "special_committee"),
        pk=scope_of(request.user).member_id,
    )
    memberships = member.memberships.active().select_related("group").order_by("group__name")
    return render(request, "groups/my_page.html", {"member": member, "memberships": memberships})


@login_required
def unit_home(request):
    require_role(request.user, Role.UNIT)
    units = HandlingUnit.objects.filter(pk__in=scope_of(request.user).unit_ids).select_related("committee")
    return render(request, "groups/unit_home.html", {"units": units})


@login_required
def dashboard(request):
    scope = scope_of(request.user)
    if not (scope.leader_committee_ids or scope.staff_committee_ids or scope.is_superuser):
        raise PermissionDenied
    committees = selectors.committee_overview(request.user)
    return render(request, "groups/dashboard.html", {"committees": committees})
