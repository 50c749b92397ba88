"""Logins for members: created in bulk by the secretariat (no password: each gets a first-login link, sent by
SMS or e-mail or printed once), given a fresh link while unused, and deactivated at the end of a term.

A member's login is named by the committee's rule (``Committee.login_username_rule``) or the portal's
(``MEMBER_USERNAME_RULE``): the mobile number, or the name in pinyin (张伟 → zhangwei, then zhangwei2 …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from core.accounts import first_login_url
from core.events import actor_id, publish
from core.exceptions import DomainError
from core.models import User
from core.services import api_tokens_revoke, audit_event, lock_many, not_an_api_action, record_events
from groups.access import forget_scope, scope_of
from groups.events import MemberLoginsInvited
from groups.models import Committee, CommitteeStaff, HandlingUnit, Member
from groups.verbs import GroupsVerb

NOTIFY, PRINT = "notify", "print"  # how the first-login links reach the members


@dataclass
class LoginOutcome:
    member: Member
    username: str = ""
    link: str = ""  # only when staff print the links: shown once, never stored
    created: bool = False
    skipped: str = ""  # why the member got no (new) link


@not_an_api_action("reads the committee's rule for naming logins")
def username_rule(committee: Committee) -> str:
    """The committee's rule for naming members' logins, else the portal's."""
    return committee.login_username_rule or settings.MEMBER_USERNAME_RULE


@not_an_api_action("turns a name into pinyin for a username")
def pinyin_of(name: str) -> str:
    """A name in plain lower-case pinyin, letters and digits only (张伟 → zhangwei)."""
    from pypinyin import Style, lazy_pinyin

    return re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).lower())


def _username(member: Member, rule: str) -> tuple[str, str]:
    """(username, "") or ("", why not)."""
    User = get_user_model()
    if rule == Committee.UsernameRule.PHONE:
        if not member.phone:
            return "", _("No mobile phone number: the login is named after it.")
        if User.objects.filter(username=member.phone).exists():
            return "", _("A login named %(name)s exists already.") % {"name": member.phone}
        return member.phone, ""
    base = pinyin_of(member.name)
    if not base:
        return "", _("The name cannot be written in pinyin.")
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    number = next(n for n in range(1, len(taken) + 2) if (base if n == 1 else f"{base}{n}") not in taken)
    return (base if number == 1 else f"{base}{number}"), ""


def _lock_members(member_ids: Iterable[int], actor: User) -> list[Member]:
    # Locked in id order (as every batch of members), listed by committee and name. Only the members' own rows
    # (PostgreSQL locks no row of the nullable side of an outer join, member.user); the logins are locked
    # on their own below.
    members = lock_many(Member.objects.select_related("committee"), member_ids, partial=True)
    members.sort(key=lambda m: (m.committee_id, m.name, m.pk))
    scope = scope_of(actor)
    if not members or not all(scope.is_staff_of(m.committee_id) for m in members):
        raise DomainError(_("Only the secretariat of the members' committee may manage their logins."))
    users = {u.pk: u for u in lock_many(get_user_model(), [m.user_id for m in members], partial=True)}
    for member in members:
        member.user = users.get(member.user_id) if member.user_id else None
    return members


def _unused(user: User) -> bool:
    """A login nobody has used: never logged in and no password chosen yet."""
    return user.is_active and user.last_login is None and not user.has_usable_password()


@transaction.atomic
def member_logins_create(*, member_ids: Iterable[int], actor: User, deliver: str = NOTIFY) -> list[LoginOutcome]:
    """Give each member in office a login with no password and a first-login link: sent to them (``NOTIFY``:
    SMS and e-mail, after commit) or returned for staff to print (``PRINT``). A member whose login is still
    unused gets a fresh link (the old one stops working). One audit row per member and login."""
    User = get_user_model()
    outcomes, audit, invited = [], [], []
    for member in _lock_members(member_ids, actor):
        outcome = LoginOutcome(member=member)
        outcomes.append(outcome)
        if member.status != Member.Status.ACTIVE:
            outcome.skipped = _("Has left office.")
            continue
        user = member.user
        if user is not None and not _unused(user):
            outcome.skipped = _("Has a login in use already.")
            continue
        if user is None:
            username, outcome.skipped = _username(member, username_rule(member.committee))
            if not username:
                continue
            user = User(username=username, name=member.name, phone=member.phone, email=member.email)
            outcome.created = True
        user.set_unusable_password()  # a new random unusable hash: any earlier link dies
        user.save()
        if outcome.created:
            member.user = user
            member.save(update_fields=["user"])
            forget_scope(user)
        outcome.username = user.username
        verb = GroupsVerb.LOGIN_CREATED if outcome.created else GroupsVerb.FIRST_LOGIN_LINK_RENEWED
        data = {"username": user.username, "member": member.pk, "deliver": deliver}
        audit += [
            audit_event(member, actor=actor, verb=verb, data=data),
            audit_event(user, actor=actor, verb=verb, data=data),
        ]
        invited.append(outcome)
    record_events(audit)
    if deliver == PRINT:
        for outcome in invited:
            outcome.link = first_login_url(outcome.member.user)
    elif invited:
        publish(
            MemberLoginsInvited(
                committee_ids=tuple(sorted({o.member.committee_id for o in invited})),
                user_ids=tuple(o.member.user_id for o in invited if o.member.user_id is not None),
                actor_id=actor_id(actor),
            )
        )
    return outcomes


@transaction.atomic
def member_logins_deactivate(
    *, member_ids: Iterable[int], actor: User, reason: str = "term_ended"
) -> list[LoginOutcome]:
    """Switch off the logins of members (at the end of a term): they can no longer log in, their API tokens
    go; the login and its history stay. A login that is also a secretariat position or a handling unit's is
    left on (say so): it is not only the member's."""
    outcomes, audit = [], []
    members = _lock_members(member_ids, actor)
    user_ids = [m.user_id for m in members if m.user_id]
    other_roles = set(CommitteeStaff.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)) | set(
        HandlingUnit.users.through.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    for member in members:
        outcome = LoginOutcome(member=member, username=member.user.username if member.user else "")
        outcomes.append(outcome)
        user = member.user
        if user is None or not user.is_active:
            outcome.skipped = _("Has no active login.")
            continue
        if user.pk in other_roles:
            outcome.skipped = _("The login also serves a secretariat or handling-unit position.")
            continue
        user.is_active = False
        user.save(update_fields=["is_active"])
        api_tokens_revoke(user=user, actor=actor, reason=reason)
        data = {"username": user.username, "member": member.pk, "reason": reason}
        audit += [
            audit_event(member, actor=actor, verb=GroupsVerb.LOGIN_DEACTIVATED, data=data),
            audit_event(user, actor=actor, verb=GroupsVerb.LOGIN_DEACTIVATED, data=data),
        ]
    record_events(audit)
    return outcomes
