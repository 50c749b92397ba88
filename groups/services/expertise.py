"""A member's areas of expertise 专长 (``Expertise``, the committee's list): the member or their staff declare them;
the activity ledger's sign-up reads them (``activities.selectors.signup``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from core.models import User
from core.services import lock, not_an_api_action, record_event
from groups.access import scope_of
from groups.models import Expertise, Member
from groups.verbs import GroupsVerb


@not_an_api_action("reads whose expertise the actor may change; member_expertise_set checks the same rule")
def may_edit_expertise(member: Member, actor: User) -> bool:
    """The member themself, or secretariat staff of their committee."""
    scope = scope_of(actor)
    return scope.member_id == member.pk or scope.is_staff_of(member.committee_id)


@transaction.atomic
def member_expertise_set(*, member_id: int, actor: User, expertise_ids: list[int]) -> Member:
    """Declare a member's areas of expertise 专长 from their committee's list (the member, or their staff)."""
    member = lock(Member, member_id)
    if not may_edit_expertise(member, actor):
        raise NotPermitted(_("You may change only your own areas of expertise."))
    wanted = set(expertise_ids)
    areas = list(Expertise.objects.filter(pk__in=wanted, committee_id=member.committee_id, is_active=True))
    if len(areas) != len(wanted):
        raise DomainError({"expertise": [_("Choose areas of expertise from your committee's list.")]})
    before = sorted(member.expertise.values_list("pk", flat=True))
    member.expertise.set(areas)
    record_event(
        member,
        actor=actor,
        verb=GroupsVerb.EXPERTISE_SET,
        data={"before": before, "after": sorted(a.pk for a in areas)},
    )
    return member
