"""Reads of duty platforms 履职平台: who may do what on one, and its page for a year with the six haves 六有, each
backed by evidence (``six_haves``) — never by a tick.

What backs each have in year Y:
- venue 有场地 and sign 有标识: a photo of the venue / of the sign kept with the platform (any year: a place stays);
- rules 有制度: an uploaded rules document;
- activities 有活动: at least one activity at the platform held (or filed) in Y, from the activity ledger;
- archive 有档案: the year's file: at least one activity of Y filed 归档 with its records, or a record uploaded in Y;
- evaluation 有评价: the committee's evaluation of Y.
A have ticked by hand before evidence was kept shows as "declared, no evidence yet" and does not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity
from core.dates import in_year
from core.models import User
from groups.access import scope_of
from groups.models import Platform
from groups.models.platforms import PlatformDocument, PlatformEvaluation, PlatformMembership, PlatformPlan

HELD = (Activity.State.HELD, Activity.State.FILED)
HAVES = ("venue", "sign", "rules", "activities", "archive", "evaluation")


@dataclass
class Have:
    key: str
    label: str
    met: bool
    backed_by: str  # what kind of evidence backs it
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (text, link)
    missing: str = ""  # what is missing, when not met
    declared: bool = False  # ticked by hand before evidence was kept


def may_administer(user: User, platform: Platform) -> bool:
    """Establish, wind up, evaluate, name and remove members: the committee's secretariat staff."""
    return scope_of(user).is_staff_of(platform.committee_id)


def is_initiator(user: User, memberships: Iterable[PlatformMembership]) -> bool:
    member_id = scope_of(user).member_id
    return bool(member_id) and any(
        m.member_id == member_id and m.role == PlatformMembership.Role.INITIATOR and m.left_on is None
        for m in memberships
    )


def six_haves(
    platform: Platform,
    year: int,
    *,
    documents: Iterable[PlatformDocument],
    activities: Iterable[Activity],
    evaluation: PlatformEvaluation | None,
) -> list[Have]:
    """The six haves of ``platform`` in ``year`` from rows already read: its ``documents``, its ``activities`` of the
    year and the year's ``evaluation`` (or None)."""
    declared = set(platform.declared_six_haves or [])

    def docs(kind: str, in_that_year: bool = False) -> list[tuple[str, str]]:
        return [
            (d.caption or d.original_name, reverse("activities:platform_document", args=[d.pk]))
            for d in documents
            if d.kind == kind and (not in_that_year or d.uploaded_at.year == year)
        ]

    def activity_links(rows: Iterable[Activity]) -> list[tuple[str, str]]:
        return [(f"{a.starts_at:%m-%d} {a.title}", reverse("activities:activity_detail", args=[a.pk])) for a in rows]

    held = [a for a in activities if a.state in HELD]
    filed = [a for a in activities if a.state == Activity.State.FILED]
    venue, sign, rules = (
        docs(PlatformDocument.Kind.VENUE_PHOTO),
        docs(PlatformDocument.Kind.SIGN_PHOTO),
        docs(PlatformDocument.Kind.RULES),
    )
    records = docs(PlatformDocument.Kind.RECORD, in_that_year=True)
    haves = [
        Have(
            "venue",
            _("has a venue"),
            bool(venue),
            _("Photo of the venue"),
            venue,
            _("Upload a photo of the venue."),
        ),
        Have("sign", _("has a sign"), bool(sign), _("Photo of the sign"), sign, _("Upload a photo of the sign.")),
        Have("rules", _("has rules"), bool(rules), _("Rules document"), rules, _("Upload the platform's rules.")),
        Have(
            "activities",
            _("has activities"),
            bool(held),
            _("Activities held this year (the activity ledger)"),
            activity_links(held),
            _("No activity at the platform was held this year."),
        ),
        Have(
            "archive",
            _("has an archive"),
            bool(filed or records),
            _("Filed activities and records for the file"),
            activity_links(filed) + records,
            _("No activity of this year is filed and no record is kept for the file."),
        ),
        Have(
            "evaluation",
            _("has an evaluation"),
            evaluation is not None,
            _("The year's evaluation"),
            [
                (
                    f"{evaluation.get_grade_display()}"
                    + (f" · {evaluation.score}" if evaluation.score is not None else ""),
                    "",
                )
            ]
            if evaluation
            else [],
            _("The committee has not evaluated this year yet."),
        ),
    ]
    for have in haves:
        have.declared = not have.met and have.key in declared
    return haves


@dataclass
class PlatformPage:
    platform: Platform
    year: int
    memberships: list
    plan: PlatformPlan | None
    activities: list
    documents: list
    evaluations: list
    haves: list[Have]

    @property
    def met(self) -> int:
        return sum(h.met for h in self.haves)


def platform_page(platform: Platform, year: int) -> PlatformPage:
    """Everything the platform's page shows for ``year``, in a fixed number of queries."""
    memberships = list(
        PlatformMembership.objects.filter(platform=platform)
        .select_related("member")
        .order_by("left_on", "role", "member__name", "pk")
    )
    plan = PlatformPlan.objects.filter(platform=platform, year=year).first()
    activities = list(
        Activity.objects.filter(in_year("starts_at", year), platform=platform)
        .exclude(state=Activity.State.CANCELLED)
        .only("pk", "title", "state", "starts_at", "platform_id")
        .order_by("starts_at", "pk")
    )
    documents = list(PlatformDocument.objects.filter(platform=platform).order_by("kind", "-uploaded_at", "-pk"))
    evaluations = list(PlatformEvaluation.objects.filter(platform=platform).select_related("evaluated_by"))
    evaluation = next((e for e in evaluations if e.year == year), None)
    return PlatformPage(
        platform=platform,
        year=year,
        memberships=memberships,
        plan=plan,
        activities=activities,
        documents=documents,
        evaluations=evaluations,
        haves=six_haves(platform, year, documents=documents, activities=activities, evaluation=evaluation),
    )


UPCOMING_PER_PLATFORM = 3


@dataclass
class MyPlatform:
    membership: PlatformMembership  # the member's place: the present one, else the latest
    plan: PlatformPlan | None  # this year's
    upcoming: list  # the next activities at the platform the member may open
    more: int = 0  # upcoming activities beyond those shown

    @property
    def platform(self) -> Platform:
        return self.membership.platform


def my_platforms(
    user: AbstractBaseUser | AnonymousUser, member_id: int, *, now: datetime, limit: int = 50
) -> list[MyPlatform]:
    """The platforms a member belongs or belonged to ("my platforms"), present places first: each with the member's
    role, this year's plan and the next activities at it the user may open; four queries whatever the number."""
    rows = (
        PlatformMembership.objects.filter(member_id=member_id)
        .select_related("platform")
        .order_by(F("left_on").desc(nulls_first=True), "platform__name", "-joined_on", "-pk")[: limit * 2]
    )
    latest: dict[int, PlatformMembership] = {}
    for m in rows:
        latest.setdefault(m.platform_id, m)
    ids = list(latest)[:limit]
    year = timezone.localtime(now).year
    plans = {p.platform_id: p for p in PlatformPlan.objects.filter(platform_id__in=ids, year=year)}
    upcoming: dict[int, list] = {}
    for a in (
        Activity.objects.visible_to(user)
        .filter(platform_id__in=ids, starts_at__gte=now, state__in=(Activity.State.PLANNED, Activity.State.ANNOUNCED))
        .only("pk", "title", "state", "starts_at", "place", "platform_id")
        .order_by("starts_at", "pk")[: len(ids) * 10]
    ):
        if a.platform_id is not None:
            upcoming.setdefault(a.platform_id, []).append(a)
    return [
        MyPlatform(
            membership=latest[pk],
            plan=plans.get(pk),
            upcoming=upcoming.get(pk, [])[:UPCOMING_PER_PLATFORM],
            more=max(len(upcoming.get(pk, [])) - UPCOMING_PER_PLATFORM, 0),
        )
        for pk in ids
    ]
