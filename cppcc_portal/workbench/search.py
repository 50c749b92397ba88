"""The global search of staff (their committees) and leaders (theirs): members, groups, proposals and activities by
name or title, pinyin initials (``zsf`` finds 张三丰: the indexed ``initials`` column, ``core.pinyin``), number and
phone. Four queries, each capped at ``LIMIT`` rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q

from activities.models import Activity
from core.pinyin import initials_query, text_or_initials
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, Member
from groups.privacy import ContactPolicy
from proposals.models import Proposal

LIMIT = 20
MIN_PHONE_DIGITS = 4


@dataclass
class Results:
    query: str
    members: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    activities: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.members) + len(self.groups) + len(self.proposals) + len(self.activities)


def searchable_committee_ids(user) -> list[int]:
    scope = scope_of(user)
    if scope.is_superuser:
        return list(Committee.objects.values_list("pk", flat=True))
    return sorted(scope.staff_committee_ids | scope.leader_committee_ids)


def _number(text: str) -> int | None:
    """A proposal number as typed: ``12``, ``第12号``, ``12号``."""
    m = re.fullmatch(r"第?\s*(\d{1,9})\s*号?", text)
    return int(m.group(1)) if m else None


def search(user, text: str) -> Results:
    text = (text or "").strip()[:50]
    results = Results(text)
    if not text:
        return results
    ids = searchable_committee_ids(user)
    letters = initials_query(text)
    digits = re.sub(r"\D", "", text)
    number = _number(text)

    name = text_or_initials(text)
    member_q = name
    scope = scope_of(user)
    phone = text.replace(" ", "")
    if len(digits) >= MIN_PHONE_DIGITS and re.fullmatch(r"[\d-]+", phone):
        # By phone only where the searcher sees phones in full (staff of the member's committee): a leader sees
        # them masked, and must not find a member by the hidden digits.
        by_phone = Q(phone__contains=phone)
        member_q |= by_phone if scope.is_superuser else by_phone & Q(committee_id__in=scope.staff_committee_ids)
    policy = ContactPolicy(user)
    members = list(
        Member.objects.visible_to(user)
        .filter(committee_id__in=ids)
        .filter(member_q)
        .select_related("committee", "sector")
        .order_by("name", "pk")[:LIMIT]
    )
    for m in members:
        m.shown_phone = policy.phone(m)
    results.members = members
    results.groups = list(
        ActivityGroup.objects.filter(committee_id__in=ids)
        .filter(name)
        .select_related("committee")
        .order_by("name", "pk")[:LIMIT]
    )
    title = Q(title__icontains=text) | (Q(initials__contains=letters) if letters else Q(pk__in=[]))
    proposal_q = title | (Q(serial_number=number) if number is not None else Q(pk__in=[]))
    results.proposals = list(
        Proposal.objects.visible_to(user)
        .filter(committee_id__in=ids)
        .exclude(state=Proposal.State.DRAFT)
        .filter(proposal_q)
        .select_related("committee", "lead_proposer")
        .order_by("-year", "serial_number", "pk")[:LIMIT]
    )
    results.activities = list(
        Activity.objects.visible_to(user)
        .filter(committee_id__in=ids)
        .filter(title)
        .select_related("committee", "group")
        .order_by("-starts_at", "-pk")[:LIMIT]
    )
    return results
