"""Writes on duty platforms 履职平台 (``groups.models.platforms``): the life cycle, members, plan, evidence and the
yearly evaluation.

Who may do what:
- the committee's secretariat staff establish 成立 a platform being set up 筹建 (with the date and the approval
  document, once it has its initiator and liaison chair), wind it up 撤销 (with the reason), name and remove its
  members and evaluate its year 年度评价;
- the platform's initiator 发起人 (or staff) writes the year's plan and uploads its evidence (photos of the venue and
  the sign, the rules, records for the file);
- a member may leave a platform themself (the exit mechanism 退出机制).
Anyone else gets ``NotPermitted`` and nothing is written. Each write locks the platform's row, checks the state,
writes an audit row; transitions, evaluations and new members publish an event (``groups.events``) whose
subscriber tells the people concerned.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import not_an_api_action, record_event
from core.uploads import IMAGES, validate_upload
from groups.access import scope_of
from groups.events import PlatformEvaluated, PlatformMemberJoined, PlatformTransitioned
from groups.models import CommitteeStaff, Member, Platform
from groups.models.platforms import PlatformDocument, PlatformEvaluation, PlatformMembership, PlatformPlan
from groups.verbs import GroupsVerb

S = Platform.State
Role = PlatformMembership.Role


def _lock(platform_id: int, expected_state: str | None = None) -> Platform:
    platform = Platform.objects.select_for_update().filter(pk=platform_id).first()
    if platform is None:
        raise NotPermitted(_("This platform does not exist or is out of your reach."))
    if expected_state is not None and platform.state != expected_state:
        raise InvalidTransition(_("The platform has changed meanwhile; reload the page."))
    return platform


def _require_staff(actor: User, platform: Platform) -> None:
    if not scope_of(actor).is_staff_of(platform.committee_id):
        raise NotPermitted(_("Only the committee's secretariat staff may do this for a platform."))


@not_an_api_action("a read: whether the user is the platform's initiator")
def is_initiator(actor: User, platform: Platform) -> bool:
    member_id = scope_of(actor).member_id
    return bool(
        member_id
        and PlatformMembership.objects.active()
        .filter(platform_id=platform.pk, member_id=member_id, role=Role.INITIATOR)
        .exists()
    )


def _require_keeper(actor: User, platform: Platform) -> None:
    """Staff of the committee or the platform's initiator (the plan and the evidence)."""
    if not (scope_of(actor).is_staff_of(platform.committee_id) or is_initiator(actor, platform)):
        raise NotPermitted(_("Only the platform's initiator and the committee's staff may do this."))


def _require_running(platform: Platform) -> None:
    if platform.state == S.WOUND_UP:
        raise InvalidTransition(_("The platform is wound up; its record is closed."))


def _not_future(on: date, field: str) -> None:
    if on > timezone.localdate():
        raise DomainError({field: [_("The date cannot be in the future.")]})


def _move(platform: Platform, *, actor: User, to: str, verb: GroupsVerb, comment: str = "") -> None:
    before = platform.state
    platform.state = to
    record_event(platform, actor=actor, verb=verb, from_state=before, to_state=to, comment=comment)
    publish(
        PlatformTransitioned(
            platform_id=platform.pk,
            committee_id=platform.committee_id,
            verb=verb,
            from_state=before,
            to_state=to,
            actor_id=actor_id(actor),
        )
    )


@transaction.atomic
def platform_establish(
    *, actor: User, platform_id: int, established_on: date, approval_document: str, expected_state: str | None = None
) -> Platform:
    """Staff establish 成立 a platform being set up, with the date and the approval document."""
    platform = _lock(platform_id, expected_state)
    _require_staff(actor, platform)
    if platform.state != S.PROPOSED:
        raise InvalidTransition(_("Only a platform being set up can be established."))
    errors: dict[str, list[str]] = {}
    if not (approval_document or "").strip():
        errors["approval_document"] = [_("Give the approval document (its number or title).")]
    if established_on > timezone.localdate():
        errors["established_on"] = [_("The date cannot be in the future.")]
    roles = set(PlatformMembership.objects.active().filter(platform_id=platform.pk).values_list("role", flat=True))
    if not {Role.INITIATOR, Role.LIAISON_CHAIR} <= roles:
        errors["__all__"] = [_("Name the platform's initiator and its liaison chair before establishing it.")]
    if errors:
        raise DomainError(errors)
    platform.established_on, platform.approval_document = established_on, approval_document.strip()
    platform.is_active = True
    _move(platform, actor=actor, to=S.ESTABLISHED, verb=GroupsVerb.ESTABLISHED, comment=platform.approval_document)
    platform.save(update_fields=["state", "established_on", "approval_document", "is_active"])
    return platform


@transaction.atomic
def platform_wind_up(
    *, actor: User, platform_id: int, wound_up_on: date, reason: str, expected_state: str | None = None
) -> Platform:
    """Staff wind up 撤销 a platform with the reason; its members' places end that day."""
    platform = _lock(platform_id, expected_state)
    _require_staff(actor, platform)
    if platform.state == S.WOUND_UP:
        raise InvalidTransition(_("This platform is already wound up."))
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the platform is wound up.")]
    if wound_up_on > timezone.localdate():
        errors["wound_up_on"] = [_("The date cannot be in the future.")]
    elif platform.established_on and wound_up_on < platform.established_on:
        errors["wound_up_on"] = [_("A platform cannot be wound up before it was established.")]
    if errors:
        raise DomainError(errors)
    for membership in (
        PlatformMembership.objects.select_for_update().active().filter(platform_id=platform.pk).order_by("pk")
    ):
        membership.left_on = max(wound_up_on, membership.joined_on)
        membership.left_reason = _("The platform was wound up.")
        membership.save(update_fields=["left_on", "left_reason"])
    platform.wound_up_on, platform.wound_up_reason, platform.is_active = wound_up_on, reason.strip(), False
    _move(platform, actor=actor, to=S.WOUND_UP, verb=GroupsVerb.WOUND_UP, comment=platform.wound_up_reason)
    platform.save(update_fields=["state", "wound_up_on", "wound_up_reason", "is_active"])
    return platform


def _is_leader(member: Member, committee_id: int) -> bool:
    return bool(
        member.user_id
        and CommitteeStaff.objects.filter(
            user_id=member.user_id, committee_id=committee_id, role=CommitteeStaff.Role.LEADER
        ).exists()
    )


@transaction.atomic
def platform_member_add(
    *, actor: User, platform_id: int, member_id: int, role: str, joined_on: date
) -> PlatformMembership:
    """Staff name a member of the committee to the platform as initiator, member or liaison chair (a leader of
    the committee: "分管副主席任联络主席")."""
    platform = _lock(platform_id)
    _require_staff(actor, platform)
    _require_running(platform)
    errors: dict[str, list[str]] = {}
    member = Member.objects.filter(pk=member_id, committee_id=platform.committee_id).first()
    if role not in Role.values:
        errors["role"] = [_("Choose the member's role in the platform.")]
    if member is None or member.status != Member.Status.ACTIVE:
        errors["member"] = [_("Choose a serving member of this committee.")]
    elif PlatformMembership.objects.active().filter(platform_id=platform.pk, member_id=member.pk).exists():
        errors["member"] = [_("This member is already in the platform.")]
    elif role == Role.LIAISON_CHAIR and not _is_leader(member, platform.committee_id):
        errors["role"] = [_("The liaison chair must be a leader (chair or vice-chair) of the committee.")]
    if (
        role == Role.LIAISON_CHAIR
        and PlatformMembership.objects.active().filter(platform_id=platform.pk, role=Role.LIAISON_CHAIR).exists()
    ):
        errors["role"] = [_("The platform already has a liaison chair; the present one must leave first.")]
    if joined_on > timezone.localdate():
        errors["joined_on"] = [_("The date cannot be in the future.")]
    if errors or member is None:
        raise DomainError(errors)
    try:
        with transaction.atomic():
            membership = PlatformMembership.objects.create(
                platform=platform, member=member, role=role, joined_on=joined_on
            )
    except IntegrityError:
        raise DomainError({"member": [_("This member is already in the platform.")]}) from None
    record_event(
        platform,
        actor=actor,
        verb=GroupsVerb.MEMBER_ADDED,
        data={"membership": membership.pk, "member": member.pk, "role": role, "on": joined_on.isoformat()},
    )
    publish(
        PlatformMemberJoined(
            platform_id=platform.pk,
            membership_id=membership.pk,
            member_id=member.pk,
            role=role,
            actor_id=actor_id(actor),
        )
    )
    return membership


@transaction.atomic
def platform_member_leave(*, actor: User, membership_id: int, left_on: date, reason: str = "") -> PlatformMembership:
    """A member leaves a platform (the exit mechanism 退出机制): staff remove them, or they leave themself."""
    platform_id = PlatformMembership.objects.filter(pk=membership_id).values_list("platform_id", flat=True).first()
    if platform_id is None:
        raise NotPermitted(_("This platform does not exist or is out of your reach."))
    platform = _lock(platform_id)
    membership = PlatformMembership.objects.select_for_update().get(pk=membership_id)
    scope = scope_of(actor)
    if not (scope.is_staff_of(platform.committee_id) or (scope.member_id and scope.member_id == membership.member_id)):
        raise NotPermitted(_("Only the committee's staff, or the member themself, may end a place in a platform."))
    if membership.left_on is not None:
        raise InvalidTransition(_("This member has already left the platform."))
    if left_on > timezone.localdate():
        raise DomainError({"left_on": [_("The date cannot be in the future.")]})
    if left_on < membership.joined_on:
        raise DomainError({"left_on": [_("A member cannot leave before joining.")]})
    membership.left_on, membership.left_reason = left_on, (reason or "").strip()[:200]
    membership.save(update_fields=["left_on", "left_reason"])
    record_event(
        platform,
        actor=actor,
        verb=GroupsVerb.MEMBER_LEFT,
        comment=membership.left_reason,
        data={"membership": membership.pk, "member": membership.member_id, "on": left_on.isoformat()},
    )
    return membership


@transaction.atomic
def platform_plan_save(
    *, actor: User, platform_id: int, year: int, content: str, planned_activities: int = 0
) -> PlatformPlan:
    """The initiator (or staff) write the platform's plan for a year: what activities it intends."""
    platform = _lock(platform_id)
    _require_keeper(actor, platform)
    _require_running(platform)
    errors: dict[str, list[str]] = {}
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year + 1:
        errors["year"] = [_("Plan for last year, this year or next year.")]
    if not (content or "").strip():
        errors["content"] = [_("Say what activities the platform intends.")]
    if not 0 <= planned_activities <= 365:
        errors["planned_activities"] = [_("Give a number of activities between 0 and 365.")]
    if errors:
        raise DomainError(errors)
    plan, created = PlatformPlan.objects.update_or_create(
        platform=platform,
        year=year,
        defaults={"content": content.strip(), "planned_activities": planned_activities, "updated_by": actor},
    )
    record_event(plan, actor=actor, verb=GroupsVerb.CREATED if created else GroupsVerb.CHANGED, data={"year": year})
    return plan


@transaction.atomic
def platform_document_upload(
    *, actor: User, platform_id: int, kind: str, upload: UploadedFile, caption: str = ""
) -> PlatformDocument:
    """The initiator (or staff) keep evidence with the platform: a photo of the venue or the sign (an image), the
    rules, a record for the file; the type is checked by content."""
    platform = _lock(platform_id)
    _require_keeper(actor, platform)
    _require_running(platform)
    if kind not in PlatformDocument.Kind.values:
        raise DomainError({"kind": [_("Choose what the file shows.")]})
    content_type = validate_upload(upload, model=PlatformDocument, field="file", error_key="file")
    if kind in PlatformDocument.PHOTO_KINDS and content_type not in IMAGES:
        raise DomainError({"file": [_("The venue and the sign are shown by a photo (JPEG, PNG, GIF or WebP).")]})
    data = upload.read()
    name = PurePath(upload.name or "file").name[:150] or "file"
    document = PlatformDocument(
        platform=platform,
        kind=kind,
        content_type=content_type,
        size=len(data),
        original_name=name[:200],
        caption=(caption or "").strip()[:200],
        uploaded_by=actor,
    )
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    record_event(
        platform,
        actor=actor,
        verb=GroupsVerb.DOCUMENT_UPLOADED,
        data={"document": document.pk, "kind": kind, "name": document.original_name},
    )
    return document


@transaction.atomic
def platform_evaluate(
    *, actor: User, platform_id: int, year: int, grade: str, comments: str, score: int | None = None
) -> PlatformEvaluation:
    """Staff evaluate an established platform's year 年度评价 (grade, score, comments); a second evaluation of the
    same year amends the first."""
    platform = _lock(platform_id)
    _require_staff(actor, platform)
    if platform.state == S.PROPOSED:
        raise InvalidTransition(_("Only an established platform is evaluated."))
    errors: dict[str, list[str]] = {}
    if year > timezone.localdate().year or (platform.established_on and year < platform.established_on.year):
        errors["year"] = [_("Evaluate a year the platform has run, up to this year.")]
    if platform.wound_up_on and year > platform.wound_up_on.year:
        errors["year"] = [_("Evaluate a year the platform has run, up to this year.")]
    if grade not in PlatformEvaluation.Grade.values:
        errors["grade"] = [_("Choose a grade.")]
    if score is not None and not 0 <= score <= 100:
        errors["score"] = [_("A score is out of 100.")]
    if not (comments or "").strip():
        errors["comments"] = [_("Write the evaluation's comments.")]
    if errors:
        raise DomainError(errors)
    evaluation, created = PlatformEvaluation.objects.update_or_create(
        platform=platform,
        year=year,
        defaults={"grade": grade, "score": score, "comments": comments.strip(), "evaluated_by": actor},
    )
    record_event(
        platform,
        actor=actor,
        verb=GroupsVerb.EVALUATED if created else GroupsVerb.EVALUATION_AMENDED,
        comment=evaluation.get_grade_display(),
        data={"evaluation": evaluation.pk, "year": year, "grade": grade, "score": score},
    )
    publish(
        PlatformEvaluated(
            platform_id=platform.pk,
            committee_id=platform.committee_id,
            year=year,
            grade=grade,
            actor_id=actor_id(actor),
        )
    )
    return evaluation
