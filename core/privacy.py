"""Personal data: members' phone numbers and e-mail addresses are shown in full only to whoever may contact
them (staff of their committee, their own conveners, the member themself); everyone else sees them masked."""
from __future__ import annotations


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last two digits."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 8:
        return f"{value[:3]}****{value[-4:]}"
    return "*" * (len(value) - 2) + value[-2:]


def mask_email(value: str | None) -> str:
    """``zhang.wei@example.cn`` -> ``z***@example.cn``."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    return f"{local[:1]}***{at}{domain}"


def contact_member_ids(user) -> frozenset[int] | None:
    """Ids of the members whose contact details ``user`` sees in full beyond their committee's staff: themself
    and the members of the groups they convene. ``None`` means every member (superuser)."""
    from groups.access import scope_of
    from groups.models import GroupMembership

    if not getattr(user, "is_authenticated", False):
        return frozenset()
    scope = scope_of(user)
    if scope.is_superuser:
        return None
    ids = {scope.member_id} if scope.member_id else set()
    if scope.convened_group_ids:
        ids |= set(GroupMembership.objects.active().filter(group_id__in=scope.convened_group_ids)
                   .values_list("member_id", flat=True))
    return frozenset(ids)


class ContactPolicy:
    """Decides, per member, whether ``user`` sees the contact details in full. Build once per request."""

    def __init__(self, user):
        from groups.access import scope_of

        self.user = user
        self.member_ids = contact_member_ids(user)
        self.staff_committee_ids = scope_of(user).staff_committee_ids if getattr(user, "is_authenticated", False) \
            else frozenset()

    def sees(self, member) -> bool:
        if self.member_ids is None:
            return True
        return member.committee_id in self.staff_committee_ids or member.pk in self.member_ids

    def phone(self, member) -> str:
        return member.phone if self.sees(member) else mask_phone(member.phone)

    def email(self, member) -> str:
        return member.email if self.sees(member) else mask_email(member.email)
