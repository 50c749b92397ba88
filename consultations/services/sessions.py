"""Consultation sessions 协商会议: planning, holding, cancelling, publishing, attendance, participants, stage records and documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity
from consultations.events import SessionAttendanceSet
from consultations.models import (
    Attendance,
    ConsultationSession,
    Participant,
    SessionDocument,
    StageRecord,
    Topic,
)
from consultations.services._common import (
    _after_public_change,
    _check_convener_target,
    _require_topic_editor,
)
from consultations.verbs import ConsultationVerb
from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, record_event
from core.uploads import validate_upload
from core.verbs import CoreVerb
from groups.access import require_staff, scope_of
from groups.events import DutyRecordChanged
from groups.models import Committee, HandlingUnit, Member, Platform

# --- sessions 协商会议 ----------------------------------------------------------------------------

SESSION_FIELDS = (
    "title",
    "form",
    "level",
    "brand",
    "starts_at",
    "ends_at",
    "place",
    "summary",
    "minutes",
    "topic",
    "platform",
    "group",
    "activity",
)


def _check_session_fields(committee: Committee, data: dict[str, Any]) -> None:
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends < starts:
        raise DomainError({"ends_at": _("The session cannot end before it starts.")})
    for key in ("topic", "platform", "group"):
        obj = data.get(key)
        if obj is not None and obj.committee_id != committee.pk:
            raise DomainError(_("The topic, group and platform must belong to the session's committee."))
    topic = data.get("topic")
    if topic is not None and topic.state != Topic.State.ADOPTED:
        raise DomainError(_("A session takes up an adopted topic only."))
    activity = data.get("activity")
    if activity is not None:
        if activity.committee_id != committee.pk:
            raise DomainError(_("The activity must belong to the session's committee."))
        if activity.state == activity.State.CANCELLED or activity.kind != activity.Kind.CONSULTATION:
            raise DomainError(_("A session is held as a consultation activity that is not cancelled."))
        group = data.get("group")
        if group is not None and activity.group_id and activity.group_id != group.pk:
            raise DomainError(_("The activity must be organised by the session's group."))


def _check_platform_running(platform: Platform | None) -> None:
    """A wound-up platform 撤销 takes no new sessions, as it takes no new activities. The platform's row lock: a
    wind-up running at the same moment finishes first (and this refuses), or waits until this session is planned."""
    if platform is None:
        return
    if (
        Platform.objects.select_for_update().filter(pk=platform.pk).values_list("state", flat=True).first()
        == Platform.State.WOUND_UP
    ):
        raise DomainError({"platform": [_("The platform is wound up; no consultation session can be planned there.")]})


def _check_activity_editor(actor: User, activity: Activity | None, current: int | None = None) -> None:
    """Only someone who may change the activity (its committee's staff, its group's convener) links a session to it."""
    if activity is None or (current is not None and activity.pk == current):
        return
    if not Activity.objects.editable_by(actor).filter(pk=activity.pk).exists():
        raise NotPermitted(_("You may link a session only to an activity you organise."))


@transaction.atomic
def session_create(*, actor: User, committee: Committee, **data: Any) -> ConsultationSession:
    """Plan a consultation session; a grassroots session takes its platform's brand."""
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {unknown}")
    _check_convener_target(actor, committee, data.get("group"), data.get("platform"))
    _check_session_fields(committee, data)
    _check_activity_editor(actor, data.get("activity"))
    _check_platform_running(data.get("platform"))
    platform = data.get("platform")
    if not data.get("brand") and platform is not None:
        data["brand"] = platform.brand
    session = ConsultationSession.objects.create(committee=committee, created_by=actor, **data)
    record_event(session, actor=actor, verb=ConsultationVerb.CREATED, to_state=session.state)
    return session


@transaction.atomic
def session_update(*, session_id: int, actor: User, **data: Any) -> ConsultationSession:
    """Change a session's details (a convener keeps it in their own group or platform). A session is not moved to
    a wound-up platform, nor a planned one at a wound-up platform to another time."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if session.state == ConsultationSession.State.CANCELLED:
        raise InvalidTransition(_("A cancelled session cannot be changed."))
    merged = {k: getattr(session, k) for k in SESSION_FIELDS} | data
    _check_convener_target(actor, session.committee, merged["group"], merged["platform"])
    _check_session_fields(session.committee, merged)
    _check_activity_editor(actor, merged["activity"], current=session.activity_id)
    changed = [k for k in data if getattr(session, k) != data[k]]
    if "platform" in changed or (
        session.state == ConsultationSession.State.PLANNED and {"starts_at", "ends_at"} & set(changed)
    ):
        _check_platform_running(merged["platform"])
    was_on = timezone.localtime(session.starts_at).date()
    for k in changed:
        setattr(session, k, data[k])
    session.save()
    record_event(session, actor=actor, verb=ConsultationVerb.UPDATED, data={"fields": changed})
    if "starts_at" in changed and session.state == ConsultationSession.State.HELD:  # its attendance moves quarter
        _duty_changed(session, on=was_on)
        _duty_changed(session)
    elif "activity" in changed and session.state == ConsultationSession.State.HELD:
        _duty_changed(session)  # held as an activity or no longer: its attendance counts there or here (sources)
    if session.is_published:
        _after_public_change(session.committee_id)
    return session


@transaction.atomic
def session_hold(*, session_id: int, actor: User, now: dt.datetime | None = None) -> ConsultationSession:
    """Mark a planned session as held (it has taken place)."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if session.state != ConsultationSession.State.PLANNED:
        raise InvalidTransition(_("Only a planned session can be marked as held."))
    now = now or timezone.now()
    if session.starts_at > now:
        raise DomainError(_("A session cannot be marked as held before it starts."))
    session.state = ConsultationSession.State.HELD
    session.save(update_fields=["state", "updated_at"])
    record_event(session, actor=actor, verb=ConsultationVerb.HELD, from_state="planned", to_state="held")
    return session


@transaction.atomic
def session_cancel(*, session_id: int, actor: User) -> ConsultationSession:
    """Cancel a planned session."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if session.state != ConsultationSession.State.PLANNED:
        raise InvalidTransition(_("Only a planned session can be cancelled."))
    session.state = ConsultationSession.State.CANCELLED
    session.save(update_fields=["state", "updated_at"])
    record_event(session, actor=actor, verb=ConsultationVerb.CANCELLED, from_state="planned", to_state="cancelled")
    return session


@transaction.atomic
def session_publish(*, session_id: int, actor: User, now: dt.datetime | None = None) -> ConsultationSession:
    """Publish a held session on the public page (secretariat staff)."""
    session = lock(ConsultationSession, session_id)
    require_staff(actor, session.committee_id)
    if session.state != ConsultationSession.State.HELD:
        raise InvalidTransition(_("Only a held session can be published."))
    if session.is_published:
        raise InvalidTransition(_("The session is already published."))
    session.is_published = True
    session.published_at = now or timezone.now()
    session.save(update_fields=["is_published", "published_at", "updated_at"])
    record_event(session, actor=actor, verb=ConsultationVerb.PUBLISHED)
    _after_public_change(session.committee_id)
    return session


@transaction.atomic
def attendance_set(*, session_id: int, member: Member, status: str, reason: str = "", actor: User) -> Attendance:
    """Record a member's attendance at a session (present, excused with a reason, absent); a convener's own
    attendance is recorded by another convener or the staff."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if member.pk == scope_of(actor).member_id:
        raise DomainError(_("Your own attendance is recorded by a deputy convener or the secretariat staff."))
    if member.committee_id != session.committee_id:
        raise DomainError(_("The member belongs to another committee."))
    if status == Attendance.Status.EXCUSED and not reason.strip():
        raise DomainError(_("Give the reason for the leave."))
    row, _created = Attendance.objects.update_or_create(
        session=session, member=member, defaults={"status": status, "reason": reason.strip()}
    )
    record_event(session, actor=actor, verb=ConsultationVerb.ATTENDANCE, data={"member": member.pk, "status": status})
    publish(
        SessionAttendanceSet(
            committee_id=session.committee_id,
            on=timezone.localtime(session.starts_at).date(),
            session_id=session.pk,
            member_id=member.pk,
            status=status,
            actor_id=actor_id(actor),
        )
    )
    return row


def _duty_changed(session: ConsultationSession, on: dt.date | None = None) -> None:
    """The session's attendance counts on duty records: assessments subscribes (roll-ups go stale)."""
    publish(DutyRecordChanged(committee_id=session.committee_id, on=on or timezone.localtime(session.starts_at).date()))


@transaction.atomic
def attendance_remove(*, attendance_id: int, actor: User) -> None:
    """Take a member's attendance off a session (recorded by mistake)."""
    row = Attendance.objects.select_related("session").get(pk=attendance_id)
    session = lock(ConsultationSession, row.session_id)
    _require_topic_editor(actor, session)
    record_event(
        session,
        actor=actor,
        verb=ConsultationVerb.ATTENDANCE_REMOVED,
        data={"member": row.member_id, "status": row.status},
    )
    Attendance.objects.filter(pk=attendance_id).delete()
    _duty_changed(session)


@transaction.atomic
def session_delete(*, session_id: int, actor: User) -> None:
    """Remove a session entered by mistake, with its attendance (the duty records that counted it go stale)."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if session.outcomes.exists():  # outcomes are followed up and published: they keep their session
        raise InvalidTransition(_("A session with outcomes cannot be removed."))
    record_event(session, actor=actor, verb=CoreVerb.DELETED, from_state=session.state)
    _duty_changed(session)
    if session.is_published:
        _after_public_change(session.committee_id)
    session.delete()


@transaction.atomic
def participant_add(
    *,
    session_id: int,
    kind: str,
    name: str,
    actor: User,
    unit: HandlingUnit | None = None,
    organisation: str = "",
    contact: str = "",
) -> Participant:
    """Add a resident, stakeholder, department representative or leader to a session."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if kind == Participant.Kind.DEPARTMENT and unit is None:
        raise DomainError(_("Choose the department the representative comes from."))
    if unit is not None and unit.committee_id != session.committee_id:
        raise DomainError(_("The department belongs to another committee."))
    if not name.strip():
        raise DomainError(_("Enter the participant's name."))
    p = Participant.objects.create(
        session=session, kind=kind, name=name.strip(), unit=unit, organisation=organisation, contact=contact
    )
    record_event(session, actor=actor, verb=ConsultationVerb.PARTICIPANT_ADDED, data={"kind": kind, "name": p.name})
    if session.is_published:
        _after_public_change(session.committee_id)
    return p


@transaction.atomic
def stage_record_add(*, session_id: int, stage: str, speaker: str, content: str, actor: User) -> StageRecord:
    """Record what a speaker said in an agenda stage (情况通报, 协商建言, 居民互动, 部门回应)."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    if session.state == ConsultationSession.State.CANCELLED:
        raise InvalidTransition(_("A cancelled session has no records."))
    if not content.strip() or not speaker.strip():
        raise DomainError(_("Enter who spoke and what was said."))
    rec = StageRecord.objects.create(
        session=session, stage=stage, speaker=speaker.strip(), content=content.strip(), recorded_by=actor
    )
    record_event(session, actor=actor, verb=ConsultationVerb.STAGE_RECORDED, data={"stage": stage})
    if session.is_published:
        _after_public_change(session.committee_id)
    return rec


@transaction.atomic
def document_upload(*, session_id: int, kind: str, upload: UploadedFile, actor: User) -> SessionDocument:
    """Store minutes or evidence after checking size and content (not the file name)."""
    session = lock(ConsultationSession, session_id)
    _require_topic_editor(actor, session)
    ctype = validate_upload(upload, model=SessionDocument, field="file")
    name = upload.name or ""
    doc = SessionDocument(
        session=session, kind=kind, name=name[:200], content_type=ctype, size=upload.size or 0, uploaded_by=actor
    )
    doc.file.save(name, upload, save=False)
    doc.save()
    record_event(session, actor=actor, verb=ConsultationVerb.DOCUMENT_UPLOADED, data={"name": doc.name, "kind": kind})
    return doc
