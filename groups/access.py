"""Who a user is to the portal: roles and the committees, groups and units they reach.

Every queryset's ``visible_to``/``editable_by`` builds on ``scope_of(user)``, so permissions are
enforced in queries rather than in templates. The scope is computed once per user object (a
handful of small queries) and cached on it for the rest of the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import NotPermitted


class Role(models.TextChoices):
    STAFF = "staff", _("Secretariat staff")
    LEADER = "leader", _("Leader")
    CONVENER = "convener", _("Convener")
    MEMBER = "member", _("Member")
    UNIT = "unit", _("Handling unit")


@dataclass(frozen=True)
class Scope:
    is_superuser: bool = False
    staff_committee_ids: frozenset[int] = field(default_factory=frozenset)
    leader_committee_ids: frozenset[int] = field(default_factory=frozenset)
    member_id: int | None = None
    member_committee_id: int | None = None
    member_home_district_id: int | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    convened_group_ids: frozenset[int] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    unit_committee_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def committee_ids(self) -> frozenset[int]:
        """Every committee whose reference data (sectors, units, contact points …) the user may read."""
        own = {self.member_committee_id} if self.member_committee_id else set()
        return self.staff_committee_ids | self.leader_committee_ids | self.unit_committee_ids | own

    @property
    def roles(self) -> list[Role]:
        roles = []
        if self.staff_committee_ids or self.is_superuser:
            roles.append(Role.STAFF)
        if self.leader_committee_ids:
            roles.append(Role.LEADER)
        if self.convened_group_ids:
            roles.append(Role.CONVENER)
        if self.member_id:
            roles.append(Role.MEMBER)
        if self.unit_ids:
            roles.append(Role.UNIT)
        return roles

    def is_staff_of(self, committee_id: int | None) -> bool:
        return self.is_superuser or committee_id in self.staff_committee_ids

    def can_read_committee(self, committee_id: int | None) -> bool:
        """Staff or leader of the committee (or of its city)."""
        return self.is_superuser or committee_id in (self.staff_committee_ids | self.leader_committee_ids)


ANONYMOUS = Scope()


def _with_districts(committee_ids: set[int]) -> frozenset[int]:
    """A city committee's position reaches its districts as well."""
    from groups.models import Committee

    if not committee_ids:
        return frozenset()
    return frozenset(
        Committee.objects.filter(Q(pk__in=committee_ids) | Q(parent_id__in=committee_ids)).values_list("pk", flat=True)
    )


def compute_scope(user) -> Scope:
    from groups.models import CommitteeStaff, GroupMembership, HandlingUnit, Member

    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    positions = list(CommitteeStaff.objects.filter(user=user).values_list("committee_id", "role"))
    staff = {c for c, r in positions if r == CommitteeStaff.Role.SECRETARIAT}
    leader = {c for c, r in positions if r == CommitteeStaff.Role.LEADER}
    member = (
        Member.objects.filter(user=user, status=Member.Status.ACTIVE)
        .values_list("pk", "committee_id", "home_district_id")
        .first()
    )
    memberships = (
        list(GroupMembership.objects.active().filter(member_id=member[0]).values_list("group_id", "role"))
        if member
        else []
    )
    convening = {GroupMembership.Role.CONVENER, GroupMembership.Role.DEPUTY}
    units = list(HandlingUnit.objects.filter(users=user, is_active=True).values_list("pk", "committee_id"))
    return Scope(
        is_superuser=user.is_superuser,
        staff_committee_ids=_with_districts(staff),
        leader_committee_ids=_with_districts(leader),
        member_id=member[0] if member else None,
        member_committee_id=member[1] if member else None,
        member_home_district_id=member[2] if member else None,
        group_ids=frozenset(g for g, _r in memberships),
        convened_group_ids=frozenset(g for g, r in memberships if r in convening),
        unit_ids=frozenset(u for u, _c in units),
        unit_committee_ids=frozenset(c for _u, c in units),
    )


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_cppcc_scope", None)
    if cached is None:
        cached = compute_scope(user)
        user._cppcc_scope = cached
    return cached


def forget_scope(user) -> None:
    """Drop the cached scope after the user's positions change."""
    if hasattr(user, "_cppcc_scope"):
        del user._cppcc_scope


# --- Actor checks: the one place each rule is written -----------------------------------------------


def require_role(user, *roles: Role) -> Scope:
    """A page's door: the user's scope when they hold one of ``roles``, else ``PermissionDenied`` (403)."""
    scope = scope_of(user)
    if not set(roles) & set(scope.roles):
        raise PermissionDenied
    return scope


def require_staff(
    actor, committee_id: int | None, message: str | Promise | None = None, *, system: bool = False
) -> None:
    """A service's check: refuse with ``NotPermitted`` (``message``, or "only the secretariat staff of this
    committee") unless ``actor`` is staff of ``committee_id`` (a city's staff reach its districts). With
    ``system``, ``actor=None`` is the portal itself (beat's schedule, a management command) and passes."""
    if system and actor is None:
        return
    if not scope_of(actor).is_staff_of(committee_id):
        raise NotPermitted(message or gettext("Only the secretariat staff of this committee may do this."))
