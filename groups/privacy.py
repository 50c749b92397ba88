"""Who sees a member's phone number and e-mail address in full: staff of the member's committee, the conveners
of the member's groups and the member themself; everyone else sees them masked (``core.privacy``)."""

from __future__ import annotations

from core.privacy import mask_email, mask_phone
from groups.access import scope_of
from groups.models import GroupMembership


def contact_member_ids(user) -> frozenset[int] | None:
    """Ids of the members whose contact details ``user`` sees in full beyond their committee's staff: themself
    and the members of the groups they convene. ``None`` means every member (superuser)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    scope = scope_of(user)
    if scope.is_superuser:
        return None
    ids = {scope.member_id} if scope.member_id else set()
    if scope.convened_group_ids:
        ids |= set(
            GroupMembership.objects.active()
            .filter(group_id__in=scope.convened_group_ids)
            .values_list("member_id", flat=True)
        )
    return frozenset(ids)


class ContactPolicy:
    """Decides, per member, whether ``user`` sees the contact details in full. Build once per request."""

    def __init__(self, user):
        self.user = user
        self.member_ids = contact_member_ids(user)
        self.staff_committee_ids = (
            scope_of(user).staff_committee_ids if getattr(user, "is_authenticated", False) else frozenset()
        )

    def sees(self, member) -> bool:
        if self.member_ids is None:
            return True
        return member.committee_id in self.staff_committee_ids or member.pk in self.member_ids

    def phone(self, member) -> str:
        return member.phone if self.sees(member) else mask_phone(member.phone)

    def email(self, member) -> str:
        return member.email if self.sees(member) else mask_email(member.email)
