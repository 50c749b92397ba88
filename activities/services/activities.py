"""Writes on activities: create, edit, the state changes, invitations, leave, sign-in, attendance, evidence.

Each action locks the activity row, checks the actor's right and its state, changes it, and appends an audit
event. Views, the API and the admin all call these functions and rely on them for who may act: the actor is a
required argument and an actor outside the activity's scope gets ``core.exceptions.NotPermitted`` (pages answer
403, the API 403 with the message). Who may act: the organising group's conveners and deputies and the
committee's secretariat staff (``Activity.objects.editable_by``); staff alone correct single attendance rows and
record committee activities; invited members ask for leave and sign in for themselves.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import PurePath
from typing import Any

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities import coverage
from activities.events import (
    ActivityChanged,
    ActivityDeleted,
    ActivityTransitioned,
    AttendanceRecorded,
    LeaveDecided,
    LeaveRequested,
)
from activities.models import Activity, ActivitySettings, AnnualPlan, Attendance, Evidence, PlanItem
from activities.verbs import ActivitiesVerb
from core.events import actor_id, publish
from core.exceptions import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, not_an_api_action, record_event
from core.uploads import HEAD_BYTES, PDF, content_type_of, jpeg_thumbnail, validate_upload
from core.verbs import CoreVerb
from groups.access import require_staff, scope_of
from groups.events import DutyRecordChanged
from groups.models import ActivityGroup, Committee, ContactPoint, GroupMembership, Member, Platform

EDITABLE_FIELDS = (
    "kind",
    "target",
    "contact_point",
    "six_item",
    "plan_item",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "summary",
    "suggestions",
    "open_to",
    "capacity",
    "signup_deadline",
    "topic",
)
TARGET_POINT_KIND = {
    "community": ContactPoint.Kind.COMMUNITY,
    "park": ContactPoint.Kind.PARK,
    "village": ContactPoint.Kind.VILLAGE,
}
THUMBNAIL_SIZE = (480, 480)


@not_an_api_action("reads whether the actor may act on an activity; every activity service checks it")
def may_edit(activity: Activity, actor: User) -> bool:
    """The organising group's conveners and deputies, and the committee's staff (``Activity.objects.editable_by``,
    without a query)."""
    scope = scope_of(actor)
    return (
        scope.is_superuser
        or activity.committee_id in scope.staff_committee_ids
        or (activity.group_id is not None and activity.group_id in scope.convened_group_ids)
    )


def _require_editor(activity: Activity, actor: User) -> None:
    if not may_edit(activity, actor):
        raise NotPermitted(_("You may act only on the activities of the groups you convene or of your committee."))


STAFF_ONLY = gettext_lazy("Only the committee's secretariat staff may correct attendance.")


def _require_group_editor(group: ActivityGroup, actor: User) -> None:
    scope = scope_of(actor)
    if not (scope.is_staff_of(group.committee_id) or group.pk in scope.convened_group_ids):
        raise NotPermitted(_("You can record activities only for the groups you convene."))


def _check_version(activity: Activity, version: int | None) -> None:
    if version is not None and int(version) != activity.version:
        raise ConcurrentEdit(
            _(
                "Someone else changed this activity while you were editing it. "
                "Reload the page to see their changes, then make yours again."
            )
        )


def _validate(activity: Activity) -> None:
    """The rules on one activity's fields; raise with every problem at once."""
    errors: dict[str, list[str]] = {}
    if activity.starts_at and activity.ends_at and activity.ends_at <= activity.starts_at:
        errors.setdefault("ends_at", []).append(_("The end must be after the start."))
    if activity.kind == Activity.Kind.THREE_ENTERS and not activity.target:
        errors.setdefault("target", []).append(_("Choose where the three enters activity goes."))
    if activity.kind != Activity.Kind.THREE_ENTERS:
        activity.target = ""
    point = activity.contact_point
    if point is not None:
        if point.committee_id != activity.committee_id:
            errors.setdefault("contact_point", []).append(_("The contact point belongs to another committee."))
        elif activity.target and point.kind != TARGET_POINT_KIND[activity.target]:
            errors.setdefault("contact_point", []).append(_("The contact point is not of the kind the target names."))
    item = activity.plan_item
    if item is not None and (activity.group_id is None or item.plan.group_id != activity.group_id):
        errors.setdefault("plan_item", []).append(_("The plan item belongs to another group's plan."))
    _validate_openness(activity, errors)
    if errors:
        raise DomainError(errors)


def _validate_openness(activity: Activity, errors: dict[str, list[str]]) -> None:
    """Who may sign up: a capacity of at least one, a deadline before the start, a topic of the committee's list."""
    if activity.open_to not in Activity.OpenTo.values:
        errors.setdefault("open_to", []).append(_("Choose who may sign up."))
    if activity.capacity is not None and activity.capacity < 1:
        errors.setdefault("capacity", []).append(_("An activity has at least one place."))
    if activity.signup_deadline and activity.starts_at and activity.signup_deadline > activity.starts_at:
        errors.setdefault("signup_deadline", []).append(_("The sign-up deadline must be before the start."))
    if activity.topic is not None and activity.topic.committee_id != activity.committee_id:
        errors.setdefault("topic", []).append(_("The topic belongs to another committee's list."))


def _set_open_groups(activity: Activity, groups: Iterable[ActivityGroup] | None) -> None:
    """The groups an activity open to "the groups named" is open to: its committee's only."""
    if groups is None:
        return
    groups = list(groups)
    if any(g.committee_id != activity.committee_id for g in groups):
        raise DomainError({"open_groups": [_("Name groups of the activity's committee.")]})
    if activity.open_to == Activity.OpenTo.GROUPS and not groups and activity.group_id is None:
        raise DomainError({"open_groups": [_("Name the groups the activity is open to.")]})
    activity.open_groups.set(groups)


def _invite_group(activity: Activity) -> int:
    """Invite every active member of the organising group who is not invited yet."""
    if activity.group_id is None:
        return 0
    invited = set(activity.attendances.values_list("member_id", flat=True))
    member_ids = GroupMembership.objects.active().filter(group_id=activity.group_id).values_list("member_id", flat=True)
    rows = [Attendance(activity=activity, member_id=m) for m in member_ids if m not in invited]
    Attendance.objects.bulk_create(rows)
    return len(rows)


def _check_platform_running(activity: Activity) -> None:
    """A platform of the activity's committee, not wound up: a wound-up platform 撤销 takes no new activities."""
    platform = activity.platform
    if platform is None:
        return
    if platform.committee_id != activity.committee_id:
        raise DomainError({"platform": [_("The platform belongs to another committee.")]})
    # the platform's row lock: a wind-up running at the same moment finishes first, or waits for this activity
    if (
        Platform.objects.select_for_update().filter(pk=platform.pk).values_list("state", flat=True)[0]
        == Platform.State.WOUND_UP
    ):
        raise DomainError({"platform": [_("The platform is wound up; it takes no new activities.")]})


@transaction.atomic
def activity_create(
    *,
    actor: User,
    group: ActivityGroup | None = None,
    committee: Committee | int | None = None,
    invite_group: bool = True,
    open_groups: Iterable[ActivityGroup] | None = None,
    **fields: Any,
) -> Activity:
    """Record a new activity (planned) of a group or a committee, and invite the group's members."""
    committee_id = (
        group.committee_id if group is not None else committee.pk if isinstance(committee, Committee) else committee
    )
    if committee_id is None:
        raise DomainError(_("Choose the organiser of the activity."))
    if group is not None:
        _require_group_editor(group, actor)
    elif not scope_of(actor).is_staff_of(committee_id):
        raise NotPermitted(_("Only the committee's secretariat staff may record a committee's activity."))
    activity = Activity(
        group=group,
        committee_id=committee_id,
        created_by=actor if actor else None,
        **{k: v for k, v in fields.items() if k in EDITABLE_FIELDS + ("special_committee", "platform")},
    )
    _validate(activity)
    _check_platform_running(activity)
    activity.save()
    _set_open_groups(activity, open_groups)
    if invite_group:
        _invite_group(activity)
    record_event(activity, actor=actor, verb=ActivitiesVerb.CREATED, to_state=activity.state)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity_id: int,
    actor: User,
    version: int | None,
    open_groups: Iterable[ActivityGroup] | None = None,
    **fields: Any,
) -> Activity:
    """Change an activity's details; a stale ``version`` means someone else saved first."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    _check_version(activity, version)
    if not activity.is_editable:
        raise InvalidTransition(_("A filed or cancelled activity can no longer be changed."))
    changed = {}
    was_on = timezone.localtime(activity.starts_at).date()
    counted_at = coverage.activity_key(activity)
    for name, value in fields.items():
        if name in EDITABLE_FIELDS and getattr(activity, name) != value:
            changed[name] = str(value)
            setattr(activity, name, value)
    _validate(activity)
    activity.version += 1
    activity.save()
    coverage.refresh(coverage.moved_activity_cells(activity.pk, counted_at, coverage.activity_key(activity)))
    if open_groups is not None and set(g.pk for g in open_groups) != set(
        activity.open_groups.values_list("pk", flat=True)
    ):
        changed["open_groups"] = ""
    _set_open_groups(activity, open_groups)
    record_event(activity, actor=actor, verb=ActivitiesVerb.UPDATED, data={"fields": sorted(changed)})
    if changed:
        publish(ActivityChanged(activity_id=activity.pk, fields=tuple(sorted(changed)), actor_id=actor_id(actor)))
    if activity.state == Activity.State.HELD and changed:  # a held activity counts in duty records
        _rollup_stale(activity)
        if was_on != timezone.localtime(activity.starts_at).date():
            _mark_stale_on(activity.committee_id, was_on)
    return activity


def _duty_day(activity: Activity, actor: User) -> dict:
    """The facts every duty-record event of an activity carries (its committee and day, who acted)."""
    return {
        "committee_id": activity.committee_id,
        "on": timezone.localtime(activity.starts_at).date(),
        "actor_id": actor_id(actor),
    }


@transaction.atomic
def activity_delete(*, activity_id: int, actor: User) -> None:
    """Remove an activity entered by mistake, with its invitations; a filed or cancelled one stays."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    if not activity.is_editable:
        raise InvalidTransition(_("A filed or cancelled activity can no longer be changed."))
    record_event(activity, actor=actor, verb=CoreVerb.DELETED, from_state=activity.state)
    if activity.state == Activity.State.HELD:  # its attendance counted, and kept the sessions held as it from counting
        publish(ActivityDeleted(**_duty_day(activity, actor), activity_id=activity.pk, from_state=activity.state))
    cells = coverage.moved_activity_cells(activity.pk, coverage.activity_key(activity), None)
    activity.delete()
    coverage.refresh(cells)


def _rollup_stale(activity: Activity) -> None:
    """A change to a past quarter's activity or attendance: its duty-record roll-ups must be recomputed."""
    _mark_stale_on(activity.committee_id, timezone.localtime(activity.starts_at).date())


def _mark_stale_on(committee_id: int, on: date) -> None:
    """The duty records of ``committee_id`` from ``on`` changed: assessments subscribes (roll-ups go stale)."""
    publish(DutyRecordChanged(committee_id=committee_id, on=on))


def _transition(
    activity: Activity,
    *,
    actor: User,
    allowed: tuple[str, ...],
    to: str,
    verb: ActivitiesVerb,
    message: str,
    comment: str = "",
) -> Activity:
    if activity.state not in allowed:
        raise InvalidTransition(message)
    before, counted_at = activity.state, coverage.activity_key(activity)
    activity.state = to
    activity.version += 1
    activity.save(update_fields=["state", "version", "updated_at"])
    coverage.refresh(coverage.moved_activity_cells(activity.pk, counted_at, coverage.activity_key(activity)))
    record_event(activity, actor=actor, verb=verb, from_state=before, to_state=to, comment=comment)
    publish(
        ActivityTransitioned(
            **_duty_day(activity, actor), activity_id=activity.pk, verb=verb, from_state=before, to_state=to
        )
    )
    return activity


@transaction.atomic
def activity_announce(*, activity_id: int, actor: User) -> Activity:
    """Tell the invited members about a planned activity 已通知; sign-in opens around its start."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    if activity.state == Activity.State.PLANNED and not activity.attendances.exists():
        raise DomainError(_("Invite at least one member before announcing the activity."))
    return _transition(
        activity,
        actor=actor,
        allowed=(Activity.State.PLANNED,),
        to=Activity.State.ANNOUNCED,
        verb=ActivitiesVerb.ANNOUNCED,
        message=_("Only a planned activity can be announced."),
    )


@transaction.atomic
def activity_hold(*, activity_id: int, actor: User, now: datetime | None = None) -> Activity:
    """Mark an announced activity as held 已开展; it needs its attendance (someone present)."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    now = now or timezone.now()
    if activity.state == Activity.State.ANNOUNCED:
        if activity.starts_at > now:
            raise DomainError(_("The activity has not started yet."))
        if not activity.attendances.filter(status=Attendance.Status.PRESENT).exists():
            raise DomainError(_("Record the attendance first: nobody is marked present."))
    return _transition(
        activity,
        actor=actor,
        allowed=(Activity.State.ANNOUNCED,),
        to=Activity.State.HELD,
        verb=ActivitiesVerb.HELD,
        message=_("Only an announced activity can be marked as held."),
    )


@not_an_api_action("reads what filing still needs; shown with the activity (activity_file refuses with it)")
def missing_for_filing(activity: Activity) -> list[str]:
    """What the committee's rules still ask for before the activity can be filed in the ledger."""
    return [label for label, _where in missing_for_filing_items(activity)]


@not_an_api_action("reads what an activity still lacks before filing")
def missing_for_filing_items(
    activity: Activity,
    *,
    rules: ActivitySettings | None = None,
    evidence: list[Evidence] | None = None,
    statuses: list[str] | None = None,
) -> list[tuple[str, str]]:
    """``missing_for_filing`` with where each item is entered: ``evidence``, ``attendance`` or ``summary``.

    A page that has read them already passes the committee's ``rules``, the activity's ``evidence`` and its
    attendances' saved ``statuses`` (the same rule counted on those rows; none given: each is read here)."""
    rules = rules or ActivitySettings.for_committee(activity.committee_id)
    missing = []
    if evidence is None:
        photos = activity.evidence.filter(kind=Evidence.Kind.PHOTO).count()
        documents = activity.evidence.filter(kind=Evidence.Kind.DOCUMENT).count()
    else:
        photos = sum(1 for e in evidence if e.kind == Evidence.Kind.PHOTO)
        documents = sum(1 for e in evidence if e.kind == Evidence.Kind.DOCUMENT)
    if photos < rules.min_photos:
        missing.append((_("at least %(n)s photo(s)") % {"n": rules.min_photos}, "evidence"))
    if documents < rules.min_documents:
        missing.append((_("at least %(n)s document(s)") % {"n": rules.min_documents}, "evidence"))
    if rules.require_complete_attendance and (
        Attendance.Status.INVITED in statuses
        if statuses is not None
        else activity.attendances.filter(status=Attendance.Status.INVITED).exists()
    ):
        missing.append((_("the attendance of every invited member"), "attendance"))
    if not activity.summary.strip():
        missing.append((_("a summary"), "summary"))
    return missing


@transaction.atomic
def activity_file(*, activity_id: int, actor: User) -> Activity:
    """File a held activity in the ledger 归档 once its record holds what the committee's rules ask for."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    if activity.state == Activity.State.HELD:
        missing = missing_for_filing(activity)
        if missing:
            raise DomainError(
                _("The record is not complete yet. Still needed: %(missing)s.") % {"missing": "、".join(missing)}
            )
    return _transition(
        activity,
        actor=actor,
        allowed=(Activity.State.HELD,),
        to=Activity.State.FILED,
        verb=ActivitiesVerb.FILED,
        message=_("Only a held activity can be filed in the ledger."),
    )


@transaction.atomic
def activity_cancel(*, activity_id: int, actor: User, reason: str = "") -> Activity:
    """Cancel an activity that has not taken place 已取消."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    return _transition(
        activity,
        actor=actor,
        allowed=(Activity.State.PLANNED, Activity.State.ANNOUNCED),
        to=Activity.State.CANCELLED,
        verb=ActivitiesVerb.CANCELLED,
        comment=reason,
        message=_("Only a planned or announced activity can be cancelled."),
    )


@transaction.atomic
def activity_invite(*, activity_id: int, actor: User, member_ids: list[int]) -> int:
    """Invite more members (of the activity's committee) to an activity; returns how many were added."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    if not activity.takes_invitations:
        raise InvalidTransition(_("Members can be invited only before the activity is held."))
    wanted = set(
        Member.objects.filter(
            pk__in=member_ids, committee_id=activity.committee_id, status=Member.Status.ACTIVE
        ).values_list("pk", flat=True)
    )
    if len(wanted) != len(set(member_ids)):
        raise DomainError(_("Only active members of the organising committee can be invited."))
    wanted -= set(activity.attendances.values_list("member_id", flat=True))
    Attendance.objects.bulk_create(Attendance(activity=activity, member_id=m) for m in sorted(wanted))
    record_event(activity, actor=actor, verb=ActivitiesVerb.INVITED, data={"members": sorted(wanted)})
    return len(wanted)


def _own_member_id(actor: User) -> int | None:
    from groups.access import scope_of

    return scope_of(actor).member_id


def _own_attendance(activity_id: int, actor: User) -> Attendance:
    member_id = _own_member_id(actor)
    attendance = (
        Attendance.objects.select_for_update().filter(activity_id=activity_id, member_id=member_id).first()
        if member_id is not None
        else None
    )
    if attendance is None:
        raise NotPermitted(_("You are not invited to this activity."))
    return attendance


@transaction.atomic
def attendance_request_leave(*, activity_id: int, actor: User, reason: str, now: datetime | None = None) -> Attendance:
    """An invited member asks for leave 请假 before the activity starts."""
    now = now or timezone.now()
    activity = lock(Activity, activity_id)  # their own row: checked by _own_attendance
    attendance = _own_attendance(activity_id, actor)
    if not reason.strip():
        raise DomainError({"reason": [_("Give a reason for the leave.")]})
    if activity.state not in (Activity.State.PLANNED, Activity.State.ANNOUNCED) or activity.starts_at <= now:
        raise DomainError(_("Leave can be asked only before the activity starts."))
    if attendance.status != Attendance.Status.INVITED:
        raise DomainError(_("Your attendance is already recorded."))
    attendance.leave, attendance.leave_reason, attendance.leave_requested_at = (
        Attendance.Leave.REQUESTED,
        reason.strip(),
        now,
    )
    attendance.save(update_fields=["leave", "leave_reason", "leave_requested_at"])
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.LEAVE_REQUESTED,
        comment=attendance.leave_reason,
        data={"member": attendance.member_id},
    )
    publish(
        LeaveRequested(
            attendance_id=attendance.pk,
            activity_id=activity.pk,
            member_id=attendance.member_id,
            actor_id=actor_id(actor),
        )
    )
    return attendance


@transaction.atomic
def attendance_decide_leave(*, attendance_id: int, actor: User, approve: bool) -> Attendance:
    """The convener approves (the member is excused) or refuses a leave request; never their own."""
    attendance = lock(Attendance.objects.select_related("activity"), attendance_id, of=("self", "activity"))
    _require_editor(attendance.activity, actor)
    if attendance.member_id == _own_member_id(actor):
        raise DomainError(_("Your own leave is decided by a deputy convener or the secretariat staff."))
    if attendance.leave != Attendance.Leave.REQUESTED:
        raise InvalidTransition(_("There is no open leave request to decide."))
    attendance.leave = Attendance.Leave.APPROVED if approve else Attendance.Leave.REFUSED
    attendance.leave_decided_by = actor
    if approve:
        attendance.status = Attendance.Status.EXCUSED
    attendance.save(update_fields=["leave", "leave_decided_by", "status"])
    coverage.refresh(coverage.attendance_cells(attendance.activity, [attendance.member_id]))
    record_event(
        attendance.activity,
        actor=actor,
        verb=ActivitiesVerb.LEAVE_APPROVED if approve else ActivitiesVerb.LEAVE_REFUSED,
        data={"member": attendance.member_id},
    )
    publish(
        LeaveDecided(
            **_duty_day(attendance.activity, actor),
            attendance_id=attendance.pk,
            activity_id=attendance.activity_id,
            member_id=attendance.member_id,
            approved=approve,
        )
    )
    return attendance


@transaction.atomic
def attendance_withdraw_leave(*, activity_id: int, actor: User) -> Attendance:
    """The member takes back their own leave request 撤回请假 while it is still undecided (the undo of asking)."""
    activity = lock(Activity, activity_id)  # their own row: checked by _own_attendance
    attendance = _own_attendance(activity_id, actor)
    if attendance.leave != Attendance.Leave.REQUESTED:
        raise InvalidTransition(_("Only an undecided leave request can be withdrawn."))
    if activity.state in (Activity.State.FILED, Activity.State.CANCELLED):
        raise InvalidTransition(_("The activity is closed; its leave requests stay as they are."))
    reason = attendance.leave_reason
    attendance.leave, attendance.leave_reason, attendance.leave_requested_at = Attendance.Leave.NONE, "", None
    attendance.save(update_fields=["leave", "leave_reason", "leave_requested_at"])
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.LEAVE_WITHDRAWN,
        comment=reason,
        data={"member": attendance.member_id},
    )
    return attendance


@not_an_api_action("reads the committee's sign-in window; the activity's sign-in-code operation shows it")
def sign_in_window(activity: Activity, rules: ActivitySettings | None = None) -> tuple[datetime, datetime]:
    """When on-site sign-in opens and closes by the committee's ``rules`` (read here when not given)."""
    rules = rules or ActivitySettings.for_committee(activity.committee_id)
    return (
        activity.starts_at - timedelta(minutes=rules.sign_in_opens_minutes),
        activity.starts_at + timedelta(minutes=rules.sign_in_closes_minutes),
    )


# The convener's screen shows a new code every SIGN_IN_CODE_SECONDS; a code is taken in its own slot and the
# next ones up to SIGN_IN_CODE_SLOTS in all (30-90 s): time to scan and press the button, too short to send a
# photo of the screen home and sign in from there. The slot is in the signed value, not the signer's clock, so
# the services check it against their ``now``.
SIGN_IN_CODE_SECONDS = 30
SIGN_IN_CODE_SLOTS = 3
_SIGN_IN_SALT = "groups.activity-sign-in"


def _slot(now: datetime) -> int:
    return int(now.timestamp()) // SIGN_IN_CODE_SECONDS


def sign_in_code(activity_id: int, *, now: datetime | None = None) -> str:
    """The code the convener's screen shows now: the activity id and the current time slot, signed."""
    return signing.Signer(salt=_SIGN_IN_SALT).sign(f"{activity_id}.{_slot(now or timezone.now())}")


@not_an_api_action("a clock helper of the sign-in code; the sign-in-code operation returns its value")
def seconds_to_next_code(now: datetime | None = None) -> int:
    """When the convener's screen should fetch the next code."""
    now = now or timezone.now()
    return SIGN_IN_CODE_SECONDS - int(now.timestamp()) % SIGN_IN_CODE_SECONDS


def _code_problem(activity_id: int, code: str, now: datetime) -> str | None:
    try:
        code_activity, slot = (int(part) for part in signing.Signer(salt=_SIGN_IN_SALT).unsign(code).split("."))
    except (signing.BadSignature, ValueError):
        return _("This sign-in code is not valid. Scan the code on the convener's screen.")
    if code_activity != activity_id:
        return _("This sign-in code belongs to another activity.")
    if not 0 <= _slot(now) - slot < SIGN_IN_CODE_SLOTS:
        return _("This sign-in code has expired. Scan the code on the convener's screen again.")
    return None


@not_an_api_action("reads why a member cannot sign in; the sign-in operation answers with it")
def sign_in_refusal(activity: Activity, attendance: Attendance | None, *, code: str, now: datetime) -> str | None:
    """Why this member cannot sign in with this code now (a sentence for them), or None when they can."""
    problem = _code_problem(activity.pk, code, now)
    if problem:
        return problem
    if attendance is None:
        return _("You are not invited to this activity.")
    if activity.state not in (Activity.State.ANNOUNCED, Activity.State.HELD):
        return _("Sign-in is open only for an announced activity.")
    opens, closes = sign_in_window(activity)
    if not opens <= now <= closes:
        return _("Sign-in is open from %(opens)s to %(closes)s.") % {
            "opens": timezone.localtime(opens).strftime("%m-%d %H:%M"),
            "closes": timezone.localtime(closes).strftime("%m-%d %H:%M"),
        }
    if attendance.status == Attendance.Status.PRESENT:
        return _("You have already signed in.")
    if attendance.status in (Attendance.Status.ABSENT, Attendance.Status.EXCUSED):
        return _("The convener has recorded you as “%(status)s”. If you are here, ask the convener to correct it.") % {
            "status": attendance.get_status_display()
        }
    return None


def _mark_present(row: Attendance, *, now: datetime, method: str) -> bool:
    """Make ``row`` present, however it was recorded (on site, by the convener, by staff): a row the convener
    had recorded absent or excused becomes a correction, and an open leave request is withdrawn (they came after
    all; approving it later would turn them excused). True when a request was withdrawn."""
    if row.status in (Attendance.Status.ABSENT, Attendance.Status.EXCUSED):
        method = Attendance.Method.CORRECTION
    withdrawn = row.leave == Attendance.Leave.REQUESTED
    if withdrawn:
        row.leave, row.leave_reason = Attendance.Leave.NONE, ""
    if row.status != Attendance.Status.PRESENT or not row.signed_in_at:
        row.signed_in_at, row.sign_in_method = now, method
    row.status = Attendance.Status.PRESENT
    return withdrawn


@transaction.atomic
def attendance_sign_in(*, activity_id: int, code: str, actor: User, now: datetime | None = None) -> Attendance:
    """An invited member signs in 签到 on site with the code on the convener's screen, inside the window."""
    now = now or timezone.now()
    activity = lock(Activity, activity_id)  # their own row: sign_in_refusal says when it is not theirs
    member_id = _own_member_id(actor)
    attendance = (
        Attendance.objects.select_for_update().filter(activity=activity, member_id=member_id).first()
        if member_id
        else None
    )
    refusal = sign_in_refusal(activity, attendance, code=code, now=now)
    if refusal:
        raise DomainError(refusal)
    if attendance is None:  # sign_in_refusal has said so already
        raise NotPermitted(_("You are not invited to this activity."))
    withdrawn = _mark_present(attendance, now=now, method=Attendance.Method.ON_SITE)
    attendance.save(update_fields=["status", "signed_in_at", "sign_in_method", "leave", "leave_reason"])
    coverage.refresh(coverage.attendance_cells(activity, [attendance.member_id]))
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.SIGNED_IN,
        data={"member": attendance.member_id, "leave_withdrawn": withdrawn},
    )
    publish(
        AttendanceRecorded(**_duty_day(activity, actor), activity_id=activity.pk, member_ids=(attendance.member_id,))
    )
    return attendance


@transaction.atomic
def attendance_record(
    *,
    activity_id: int,
    actor: User,
    version: int | None,
    statuses: dict[int, str],
    reasons: dict[int, str] | None = None,
    now: datetime | None = None,
) -> Activity:
    """The convener records the attendance of the whole group at once (present / excused / absent); a
    convener's own row is recorded by a deputy convener or the staff."""
    now, reasons = now or timezone.now(), reasons or {}
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    _check_version(activity, version)
    if activity.state not in (Activity.State.ANNOUNCED, Activity.State.HELD):
        raise InvalidTransition(_("Attendance is recorded for an announced or held activity."))
    if activity.starts_at > now:
        raise DomainError(_("Attendance can be recorded once the activity has started."))
    rows = {a.member_id: a for a in activity.attendances.select_for_update().order_by("pk")}
    unknown = set(statuses) - set(rows)
    if unknown:
        raise DomainError(_("Some of these members are not invited to the activity."))
    own = _own_member_id(actor)
    errors, changed = [], []
    for member_id, status in statuses.items():
        row = rows[member_id]
        if status not in Attendance.Status.values:
            errors.append(_("Unknown attendance status."))
            continue
        if status == row.status:
            continue
        if member_id == own:
            errors.append(_("Your own attendance is recorded by a deputy convener or the secretariat staff."))
            continue
        if status == Attendance.Status.EXCUSED:
            row.leave_reason = (reasons.get(member_id) or row.leave_reason).strip()
            if not row.leave_reason:
                errors.append(_("%(name)s: an excused absence needs a reason.") % {"name": row.member.name})
                continue
        if status == Attendance.Status.PRESENT:
            _mark_present(row, now=now, method=Attendance.Method.CONVENER)
        else:
            row.status, row.signed_in_at, row.sign_in_method = status, None, ""
        changed.append(row)
    if errors:
        raise DomainError(errors)
    Attendance.objects.bulk_update(changed, ["status", "leave", "leave_reason", "signed_in_at", "sign_in_method"])
    coverage.refresh(coverage.attendance_cells(activity, [r.member_id for r in changed]))
    activity.version += 1
    activity.save(update_fields=["version", "updated_at"])
    publish(
        AttendanceRecorded(
            **_duty_day(activity, actor), activity_id=activity.pk, member_ids=tuple(r.member_id for r in changed)
        )
    )
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.ATTENDANCE_RECORDED,
        data={str(r.member_id): r.status for r in changed},
    )
    return activity


def _check_correctable(activity: Activity, status: str, now: datetime) -> None:
    if not activity.is_editable:
        raise InvalidTransition(_("A filed or cancelled activity can no longer be changed."))
    if status != Attendance.Status.INVITED:
        if activity.state not in (Activity.State.ANNOUNCED, Activity.State.HELD):
            raise InvalidTransition(_("Attendance is recorded for an announced or held activity."))
        if activity.starts_at > now:
            raise DomainError(_("Attendance can be recorded once the activity has started."))


@transaction.atomic
def attendance_correct(
    *, activity_id: int, member_id: int, actor: User, status: str, leave_reason: str = "", now: datetime | None = None
) -> Attendance:
    """Staff record or correct one member's attendance at an activity (the admin's attendance rows)."""
    now = now or timezone.now()
    activity = lock(Activity, activity_id)
    require_staff(actor, activity.committee_id, STAFF_ONLY)
    _check_correctable(activity, status, now)
    if status not in Attendance.Status.values:
        raise DomainError(_("Unknown attendance status."))
    member = Member.objects.filter(pk=member_id, committee_id=activity.committee_id).first()
    if member is None:
        raise DomainError(_("Only members of the organising committee can attend."))
    row = Attendance.objects.select_for_update().filter(activity=activity, member=member).first() or Attendance(
        activity=activity, member=member
    )
    before = row.status if row.pk else None
    if status == Attendance.Status.PRESENT:
        _mark_present(row, now=now, method=Attendance.Method.CONVENER)
    else:
        row.status, row.leave_reason = status, (leave_reason or "").strip()
        row.signed_in_at, row.sign_in_method = None, ""
        if status == Attendance.Status.EXCUSED and not row.leave_reason:
            raise DomainError({"leave_reason": [_("An excused absence needs a reason.")]})
    row.save()
    coverage.refresh(coverage.attendance_cells(activity, [member.pk]))
    activity.version += 1
    activity.save(update_fields=["version", "updated_at"])
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.ATTENDANCE_CORRECTED,
        from_state=before or "",
        to_state=status,
        data={"member": member.pk},
    )
    _rollup_stale(activity)
    return row


@transaction.atomic
def attendance_remove(*, attendance_id: int, actor: User, now: datetime | None = None) -> None:
    """Staff take a member off an activity's attendance (invited by mistake)."""
    row = Attendance.objects.select_related("activity").get(pk=attendance_id)
    activity = lock(Activity, row.activity_id)
    require_staff(actor, activity.committee_id, STAFF_ONLY)
    _check_correctable(activity, Attendance.Status.INVITED, now or timezone.now())
    row = lock(Attendance, attendance_id)
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.ATTENDANCE_REMOVED,
        from_state=row.status,
        data={"member": row.member_id},
    )
    row.delete()
    coverage.refresh(coverage.attendance_cells(activity, [row.member_id]))
    activity.version += 1
    activity.save(update_fields=["version", "updated_at"])
    _rollup_stale(activity)


# --- Evidence -----------------------------------------------------------------------------------

IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@not_an_api_action("reads an upload's type by its content; evidence_upload calls it")
def sniff(data: bytes) -> tuple[str, str, str]:
    """(kind, content type, extension) decided by the file's content, not its name."""
    if content_type_of(data[:HEAD_BYTES]) == PDF:
        return Evidence.Kind.DOCUMENT, PDF, "pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        fmt = None
    if fmt not in IMAGE_FORMATS:
        raise DomainError({"file": [_("Upload a photo (JPEG, PNG or WebP) or a PDF document.")]})
    content_type, ext = IMAGE_FORMATS[fmt]
    return Evidence.Kind.PHOTO, content_type, ext


@transaction.atomic
def evidence_upload(*, activity_id: int, actor: User, upload: UploadedFile, caption: str = "") -> Evidence:
    """Attach a photo or PDF to an activity; type by content (then opened as an image), size by setting."""
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    if activity.state in (Activity.State.FILED, Activity.State.CANCELLED):
        raise InvalidTransition(_("A filed or cancelled activity takes no more evidence."))
    validate_upload(upload, model=Evidence, field="file", error_key="file")
    data = upload.read()
    kind, content_type, ext = sniff(data)
    stem = PurePath(upload.name or "file").stem[:80] or "file"
    evidence = Evidence(
        activity=activity,
        kind=kind,
        content_type=content_type,
        size=len(data),
        original_name=(upload.name or stem)[:200],
        caption=caption[:200],
        uploaded_by=actor,
    )
    evidence.file.save(f"{stem}.{ext}", ContentFile(data), save=False)
    if kind == Evidence.Kind.PHOTO:
        evidence.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(jpeg_thumbnail(data, THUMBNAIL_SIZE)), save=False)
    evidence.save()
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.EVIDENCE_UPLOADED,
        data={"evidence": evidence.pk, "name": evidence.original_name},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence_id: int, actor: User) -> None:
    """The convener removes a wrong photo or document before the activity is filed (the undo of uploading)."""
    activity_id = Evidence.objects.values_list("activity_id", flat=True).get(pk=evidence_id)
    activity = lock(Activity, activity_id)
    _require_editor(activity, actor)
    evidence = lock(Evidence, evidence_id)
    if activity.state in (Activity.State.FILED, Activity.State.CANCELLED):
        raise InvalidTransition(_("The evidence of a filed or cancelled activity stays on record."))
    record_event(
        activity,
        actor=actor,
        verb=ActivitiesVerb.EVIDENCE_DELETED,
        data={"evidence": evidence.pk, "name": evidence.original_name},
    )
    files = [f for f in (evidence.file, evidence.thumbnail) if f]
    evidence.delete()
    for f in files:  # after the commit: a rolled-back delete keeps its files
        if f.name:
            transaction.on_commit(partial(f.storage.delete, f.name))


# --- Plans ----------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, group: ActivityGroup, year: int, actor: User, note: str = "") -> AnnualPlan:
    """Start a group's annual plan (its conveners and deputies, or the committee's staff)."""
    _require_group_editor(group, actor)
    if AnnualPlan.objects.filter(group=group, year=year).exists():
        raise DomainError(_("This group already has a plan for that year."))
    plan = AnnualPlan.objects.create(group=group, year=year, note=note)
    record_event(plan, actor=actor, verb=ActivitiesVerb.CREATED)
    return plan


@transaction.atomic
def plan_item_save(
    *,
    plan: AnnualPlan,
    actor: User,
    item: PlanItem | None = None,
    responsible: Iterable[Member] = (),
    **fields: Any,
) -> PlanItem:
    """Add or change one plan item: quarter and month, type, contact point, responsible members."""
    _require_group_editor(plan.group, actor)
    if item is not None and item.plan_id != plan.pk:
        raise DomainError(_("The plan item belongs to another plan."))
    item = item or PlanItem(plan=plan)
    for name, value in fields.items():
        setattr(item, name, value)
    errors = {}
    if item.month and item.quarter and not (item.quarter - 1) * 3 < item.month <= item.quarter * 3:
        errors["month"] = [_("The month is not in that quarter.")]
    if item.contact_point is not None and item.contact_point.committee_id != plan.group.committee_id:
        errors["contact_point"] = [_("The contact point belongs to another committee.")]
    if item.kind != Activity.Kind.THREE_ENTERS:
        item.target = ""
    elif not item.target:
        errors["target"] = [_("Choose where the three enters activity goes.")]
    members = list(responsible)
    group_members = set(
        GroupMembership.objects.active().filter(group_id=plan.group_id).values_list("member_id", flat=True)
    )
    if any(m.pk not in group_members for m in members):
        errors["responsible"] = [_("Responsible members must belong to the group.")]
    if errors:
        raise DomainError(errors)
    item.save()
    item.responsible.set(members)
    record_event(plan, actor=actor, verb=ActivitiesVerb.ITEM_SAVED, data={"item": item.pk, "title": item.title})
    return item


@transaction.atomic
def plan_item_delete(*, item_id: int, actor: User) -> None:
    """Remove a plan item; activities linked to it stay, unlinked."""
    item = lock(PlanItem.objects.select_related("plan__group"), item_id, of=("self", "plan", "plan__group"))
    _require_group_editor(item.plan.group, actor)
    record_event(item.plan, actor=actor, verb=ActivitiesVerb.ITEM_DELETED, data={"item": item.pk, "title": item.title})
    item.delete()
