"""Every write on consultations: one function per action, keyword-only, locked, checked and audited."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.services import not_an_api_action, on_record_write, record_event
from core.uploads import validate_upload
from groups.access import scope_of
from groups.events import DutyRecordChanged

from .events import OutcomeAssigned, OutcomePublished, OutcomeReplied, SessionAttendanceSet
from .models import (
    Attendance,
    ConsultationSession,
    Outcome,
    OutcomeEntry,
    Participant,
    SessionDocument,
    StageRecord,
    Topic,
)

S = Outcome.State

# --- public page cache ----------------------------------------------------------------------------


@not_an_api_action("reads the public pages' cache version")
def public_cache_version(committee_id: int) -> int:
    return cache.get_or_set(f"consultations:public:v:{committee_id}", 1, None)


def _bump_public_cache(committee_id: int) -> None:
    """Anything that changes what the public sees makes the cached public pages stale."""
    key = f"consultations:public:v:{committee_id}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, None)


@on_record_write(Topic, ConsultationSession, Outcome)
def _public_rows_edited(*, before, after) -> None:
    """A row edited as data in the admin (e.g. a session unpublished) leaves no cached public page behind."""
    for committee_id in {row.committee_id for row in (before, after) if row is not None}:
        transaction.on_commit(partial(_bump_public_cache, committee_id))


def _after_public_change(committee_id: int) -> None:
    transaction.on_commit(partial(_bump_public_cache, committee_id))


# --- permission helpers ---------------------------------------------------------------------------


def _require_staff(actor, committee_id: int) -> None:
    if not scope_of(actor).is_staff_of(committee_id):
        raise NotPermitted(_("Only the secretariat staff of this committee may do this."))


def _require_topic_editor(actor, topic_or_session) -> None:
    model = type(topic_or_session)
    if not model.objects.editable_by(actor).filter(pk=topic_or_session.pk).exists():
        raise NotPermitted(_("You may act only on your own groups' and platforms' topics and sessions."))


def _check_convener_target(actor, committee, group, platform) -> None:
    """A convener proposes or plans only for a group or platform they convene."""
    scope = scope_of(actor)
    if scope.is_staff_of(committee.pk):
        return
    ids = scope.convened_group_ids
    if (group and group.pk in ids) or (platform and platform.host_group_id in ids):
        return
    raise NotPermitted(_("You may act only on your own groups' and platforms' topics and sessions."))


# --- topics 选题 -----------------------------------------------------------------------------------


@transaction.atomic
def topic_propose(
    *,
    actor,
    committee,
    title: str,
    reasons: str,
    source: str,
    proposer_kind: str,
    year: int,
    description: str = "",
    group=None,
    platform=None,
    resident_name: str = "",
    resident_contact: str = "",
) -> Topic:
    """Put a topic on the candidate list of a committee, platform or group."""
    _check_convener_target(actor, committee, group, platform)
    for obj in (group, platform):
        if obj is not None and obj.committee_id != committee.pk:
            raise DomainError(_("The group and platform must belong to the same committee."))
    if proposer_kind != Topic.ProposerKind.RESIDENT and (resident_name or resident_contact):
        raise DomainError(_("A resident's name and contact are recorded only for topics proposed by residents."))
    topic = Topic.objects.create(
        committee=committee,
        title=title.strip(),
        reasons=reasons,
        source=source,
        proposer_kind=proposer_kind,
        year=year,
        description=description,
        group=group,
        platform=platform,
        resident_name=resident_name,
        resident_contact=resident_contact,
        proposed_by=actor,
    )
    record_event(topic, actor=actor, verb="proposed", to_state=topic.state)
    return topic


def _locked_topic(topic_id: int, actor) -> Topic:
    topic = Topic.objects.select_for_update().get(pk=topic_id)
    _require_topic_editor(actor, topic)
    return topic


@transaction.atomic
def topic_rank(*, topic_id: int, rank: int | None, actor) -> Topic:
    """Set a candidate's place on the list (1 = first)."""
    topic = _locked_topic(topic_id, actor)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be ranked."))
    old = topic.rank
    topic.rank = rank
    topic.save(update_fields=["rank", "updated_at"])
    record_event(topic, actor=actor, verb="ranked", data={"from": old, "to": rank})
    return topic


@transaction.atomic
def topic_adopt(*, topic_id: int, actor, annual_front_line: bool = False, publish: bool = True) -> Topic:
    """Adopt a candidate topic for consultation (e.g. the group's annual front-line topic)."""
    topic = _locked_topic(topic_id, actor)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be adopted."))
    topic.state = Topic.State.ADOPTED
    topic.is_annual_front_line = annual_front_line
    topic.is_published = publish
    topic.save(update_fields=["state", "is_annual_front_line", "is_published", "updated_at"])
    record_event(topic, actor=actor, verb="adopted", from_state="candidate", to_state=topic.state)
    _after_public_change(topic.committee_id)
    return topic


@transaction.atomic
def topic_decline(*, topic_id: int, reason: str, actor) -> Topic:
    """Decline a candidate topic, saying why."""
    topic = _locked_topic(topic_id, actor)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be declined."))
    if not reason.strip():
        raise DomainError(_("Give a reason for declining."))
    topic.state = Topic.State.DECLINED
    topic.decline_reason = reason.strip()
    topic.save(update_fields=["state", "decline_reason", "updated_at"])
    record_event(topic, actor=actor, verb="declined", from_state="candidate", to_state=topic.state, comment=reason)
    return topic


@transaction.atomic
def topic_link_research(*, topic_id: int, activity_id: int, actor, unlink: bool = False) -> Topic:
    """Link an adopted topic to a research activity 调研 done on it (or remove the link)."""
    from groups.models import Activity

    topic = _locked_topic(topic_id, actor)
    if topic.state != Topic.State.ADOPTED:
        raise InvalidTransition(_("Only an adopted topic has research activities."))
    activity = Activity.objects.visible_to(actor).filter(pk=activity_id).first()
    if activity is None:
        raise DomainError(_("This activity does not exist or is not yours to link."))
    if unlink:
        topic.research_activities.remove(activity)
        record_event(
            topic, actor=actor, verb="research_unlinked", data={"activity": activity.pk}, comment=activity.title
        )
        return topic
    if activity.committee_id != topic.committee_id:
        raise DomainError(_("The activity must belong to the topic's committee."))
    if activity.kind not in RESEARCH_KINDS:
        raise DomainError(_("Only a research or inspection activity can be linked to a topic."))
    if activity.state == Activity.State.CANCELLED:
        raise DomainError(_("A cancelled activity cannot be linked."))
    topic.research_activities.add(activity)
    record_event(topic, actor=actor, verb="research_linked", data={"activity": activity.pk}, comment=activity.title)
    return topic


RESEARCH_KINDS = ("research", "inspection")


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


def _check_session_fields(committee, data: dict) -> None:
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


def _check_activity_editor(actor, activity, current=None) -> None:
    """Only someone who may change the activity (its committee's staff, its group's convener) links a session to it."""
    from groups.models import Activity

    if activity is None or (current is not None and activity.pk == current):
        return
    if not Activity.objects.editable_by(actor).filter(pk=activity.pk).exists():
        raise NotPermitted(_("You may link a session only to an activity you organise."))


@transaction.atomic
def session_create(*, actor, committee, **data) -> ConsultationSession:
    """Plan a consultation session; a grassroots session takes its platform's brand."""
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {unknown}")
    _check_convener_target(actor, committee, data.get("group"), data.get("platform"))
    _check_session_fields(committee, data)
    _check_activity_editor(actor, data.get("activity"))
    platform = data.get("platform")
    if not data.get("brand") and platform is not None:
        data["brand"] = platform.brand
    session = ConsultationSession.objects.create(committee=committee, created_by=actor, **data)
    record_event(session, actor=actor, verb="created", to_state=session.state)
    return session


def _locked_session(session_id: int, actor) -> ConsultationSession:
    session = ConsultationSession.objects.select_for_update().get(pk=session_id)
    _require_topic_editor(actor, session)
    return session


@transaction.atomic
def session_update(*, session_id: int, actor, **data) -> ConsultationSession:
    """Change a session's details (a convener keeps it in their own group or platform)."""
    session = _locked_session(session_id, actor)
    if session.state == ConsultationSession.State.CANCELLED:
        raise InvalidTransition(_("A cancelled session cannot be changed."))
    merged = {k: getattr(session, k) for k in SESSION_FIELDS} | data
    _check_convener_target(actor, session.committee, merged["group"], merged["platform"])
    _check_session_fields(session.committee, merged)
    _check_activity_editor(actor, merged["activity"], current=session.activity_id)
    changed = [k for k in data if getattr(session, k) != data[k]]
    was_on = timezone.localtime(session.starts_at).date()
    for k in changed:
        setattr(session, k, data[k])
    session.save()
    record_event(session, actor=actor, verb="updated", data={"fields": changed})
    if "starts_at" in changed and session.state == ConsultationSession.State.HELD:  # its attendance moves quarter
        _duty_changed(session, on=was_on)
        _duty_changed(session)
    if session.is_published:
        _after_public_change(session.committee_id)
    return session


@transaction.atomic
def session_hold(*, session_id: int, actor, now=None) -> ConsultationSession:
    """Mark a planned session as held (it has taken place)."""
    session = _locked_session(session_id, actor)
    if session.state != ConsultationSession.State.PLANNED:
        raise InvalidTransition(_("Only a planned session can be marked as held."))
    now = now or timezone.now()
    if session.starts_at > now:
        raise DomainError(_("A session cannot be marked as held before it starts."))
    session.state = ConsultationSession.State.HELD
    session.save(update_fields=["state", "updated_at"])
    record_event(session, actor=actor, verb="held", from_state="planned", to_state="held")
    return session


@transaction.atomic
def session_cancel(*, session_id: int, actor) -> ConsultationSession:
    """Cancel a planned session."""
    session = _locked_session(session_id, actor)
    if session.state != ConsultationSession.State.PLANNED:
        raise InvalidTransition(_("Only a planned session can be cancelled."))
    session.state = ConsultationSession.State.CANCELLED
    session.save(update_fields=["state", "updated_at"])
    record_event(session, actor=actor, verb="cancelled", from_state="planned", to_state="cancelled")
    return session


@transaction.atomic
def session_publish(*, session_id: int, actor, now=None) -> ConsultationSession:
    """Publish a held session on the public page (secretariat staff)."""
    session = ConsultationSession.objects.select_for_update().get(pk=session_id)
    _require_staff(actor, session.committee_id)
    if session.state != ConsultationSession.State.HELD:
        raise InvalidTransition(_("Only a held session can be published."))
    if session.is_published:
        raise InvalidTransition(_("The session is already published."))
    session.is_published = True
    session.published_at = now or timezone.now()
    session.save(update_fields=["is_published", "published_at", "updated_at"])
    record_event(session, actor=actor, verb="published")
    _after_public_change(session.committee_id)
    return session


@transaction.atomic
def attendance_set(*, session_id: int, member, status: str, reason: str = "", actor) -> Attendance:
    """Record a member's attendance at a session (present, excused with a reason, absent); a convener's own
    attendance is recorded by another convener or the staff."""
    session = _locked_session(session_id, actor)
    if member.pk == scope_of(actor).member_id:
        raise DomainError(_("Your own attendance is recorded by a deputy convener or the secretariat staff."))
    if member.committee_id != session.committee_id:
        raise DomainError(_("The member belongs to another committee."))
    if status == Attendance.Status.EXCUSED and not reason.strip():
        raise DomainError(_("Give the reason for the leave."))
    row, _created = Attendance.objects.update_or_create(
        session=session, member=member, defaults={"status": status, "reason": reason.strip()}
    )
    record_event(session, actor=actor, verb="attendance", data={"member": member.pk, "status": status})
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
def attendance_remove(*, attendance_id: int, actor) -> None:
    """Take a member's attendance off a session (recorded by mistake)."""
    row = Attendance.objects.select_related("session").get(pk=attendance_id)
    session = _locked_session(row.session_id, actor)
    record_event(session, actor=actor, verb="attendance_removed", data={"member": row.member_id, "status": row.status})
    Attendance.objects.filter(pk=attendance_id).delete()
    _duty_changed(session)


@transaction.atomic
def session_delete(*, session_id: int, actor) -> None:
    """Remove a session entered by mistake, with its attendance (the duty records that counted it go stale)."""
    session = _locked_session(session_id, actor)
    if session.outcomes.exists():  # outcomes are followed up and published: they keep their session
        raise InvalidTransition(_("A session with outcomes cannot be removed."))
    record_event(session, actor=actor, verb="deleted", from_state=session.state)
    _duty_changed(session)
    if session.is_published:
        _after_public_change(session.committee_id)
    session.delete()


@transaction.atomic
def participant_add(
    *, session_id: int, kind: str, name: str, actor, unit=None, organisation: str = "", contact: str = ""
) -> Participant:
    """Add a resident, stakeholder, department representative or leader to a session."""
    session = _locked_session(session_id, actor)
    if kind == Participant.Kind.DEPARTMENT and unit is None:
        raise DomainError(_("Choose the department the representative comes from."))
    if unit is not None and unit.committee_id != session.committee_id:
        raise DomainError(_("The department belongs to another committee."))
    if not name.strip():
        raise DomainError(_("Enter the participant's name."))
    p = Participant.objects.create(
        session=session, kind=kind, name=name.strip(), unit=unit, organisation=organisation, contact=contact
    )
    record_event(session, actor=actor, verb="participant_added", data={"kind": kind, "name": p.name})
    if session.is_published:
        _after_public_change(session.committee_id)
    return p


@transaction.atomic
def stage_record_add(*, session_id: int, stage: str, speaker: str, content: str, actor) -> StageRecord:
    """Record what a speaker said in an agenda stage (情况通报, 协商建言, 居民互动, 部门回应)."""
    session = _locked_session(session_id, actor)
    if session.state == ConsultationSession.State.CANCELLED:
        raise InvalidTransition(_("A cancelled session has no records."))
    if not content.strip() or not speaker.strip():
        raise DomainError(_("Enter who spoke and what was said."))
    rec = StageRecord.objects.create(
        session=session, stage=stage, speaker=speaker.strip(), content=content.strip(), recorded_by=actor
    )
    record_event(session, actor=actor, verb="stage_recorded", data={"stage": stage})
    if session.is_published:
        _after_public_change(session.committee_id)
    return rec


@transaction.atomic
def document_upload(*, session_id: int, kind: str, upload, actor) -> SessionDocument:
    """Store minutes or evidence after checking size and content (not the file name)."""
    session = _locked_session(session_id, actor)
    ctype = validate_upload(upload, model=SessionDocument, field="file")
    doc = SessionDocument(
        session=session, kind=kind, name=upload.name[:200], content_type=ctype, size=upload.size, uploaded_by=actor
    )
    doc.file.save(upload.name, upload, save=False)
    doc.save()
    record_event(session, actor=actor, verb="document_uploaded", data={"name": doc.name, "kind": kind})
    return doc


# --- outcomes 协商成果 ----------------------------------------------------------------------------


@transaction.atomic
def outcome_create(*, session_id: int, title: str, content: str, actor) -> Outcome:
    """Record a concrete suggestion coming out of a held session."""
    session = _locked_session(session_id, actor)
    if session.state != ConsultationSession.State.HELD:
        raise InvalidTransition(_("Outcomes are recorded for a held session."))
    if not title.strip() or not content.strip():
        raise DomainError(_("Enter the outcome's title and suggestion."))
    outcome = Outcome.objects.create(
        committee_id=session.committee_id, session=session, title=title.strip(), content=content.strip()
    )
    record_event(outcome, actor=actor, verb="created", to_state=outcome.state)
    return outcome


def _locked_outcome(outcome_id: int) -> Outcome:
    return Outcome.objects.select_for_update().get(pk=outcome_id)


def _transition(
    outcome: Outcome,
    *,
    actor,
    to: str,
    allowed: tuple,
    message: str,
    verb: str,
    comment: str = "",
    fields: tuple = (),
    data=None,
) -> Outcome:
    if outcome.state not in allowed:
        raise InvalidTransition(message)
    old = outcome.state
    outcome.state = to
    outcome.save(update_fields=["state", "updated_at", *fields])
    record_event(outcome, actor=actor, verb=verb, from_state=old, to_state=to, comment=comment, data=data)
    return outcome


@transaction.atomic
def outcome_evaluate(
    *, outcome_id: int, decision: str, actor, comment: str = "", merge_into_id: int | None = None
) -> Outcome:
    """评: staff adopt the outcome, merge it into another, or decline it with a reason."""
    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    msg = _("Only an outcome awaiting evaluation can be evaluated.")
    comment = comment.strip()
    outcome.evaluation_comment = comment
    if decision == "adopt":
        return _transition(
            outcome,
            actor=actor,
            to=S.ADOPTED,
            allowed=(S.PENDING,),
            message=msg,
            verb="adopted",
            comment=comment,
            fields=("evaluation_comment",),
        )
    if decision == "decline":
        if not comment:
            raise DomainError(_("Give a reason for declining."))
        return _transition(
            outcome,
            actor=actor,
            to=S.DECLINED,
            allowed=(S.PENDING,),
            message=msg,
            verb="declined",
            comment=comment,
            fields=("evaluation_comment",),
        )
    if decision == "merge":
        target = Outcome.objects.filter(pk=merge_into_id, committee_id=outcome.committee_id).first()
        if target is None or target.pk == outcome.pk:
            raise DomainError(_("Choose another outcome of the same committee to merge into."))
        if target.state in (S.MERGED, S.DECLINED):
            raise DomainError(_("An outcome cannot be merged into a merged or declined one."))
        outcome.merged_into = target
        return _transition(
            outcome,
            actor=actor,
            to=S.MERGED,
            allowed=(S.PENDING,),
            message=msg,
            verb="merged",
            comment=comment,
            fields=("evaluation_comment", "merged_into"),
            data={"into": target.pk},
        )
    raise DomainError(_("Choose adopt, merge or decline."))


@transaction.atomic
def outcome_assign(*, outcome_id: int, unit, deadline: dt.date | None, actor, now=None) -> Outcome:
    """交: hand an adopted outcome to its responsible unit with a deadline."""
    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    if outcome.state != S.ADOPTED:
        raise InvalidTransition(_("Only an adopted outcome can be handed to a unit."))
    if unit is None:
        raise DomainError(_("Choose the responsible unit before handing the outcome over."))
    if unit.committee_id != outcome.committee_id:
        raise DomainError(_("The unit belongs to another committee."))
    now = now or timezone.now()
    if deadline is None or deadline < timezone.localdate(now):
        raise DomainError({"deadline": _("The deadline must be today or later.")})
    outcome.unit, outcome.deadline, outcome.assigned_at = unit, deadline, now
    _transition(
        outcome,
        actor=actor,
        to=S.ASSIGNED,
        allowed=(S.ADOPTED,),
        message="",
        verb="assigned",
        fields=("unit", "deadline", "assigned_at"),
        data={"unit": unit.pk, "deadline": deadline.isoformat()},
    )
    publish(OutcomeAssigned(outcome_id=outcome.pk, unit_id=unit.pk, deadline=deadline, actor_id=actor_id(actor)))
    return outcome


def _require_unit(actor, outcome: Outcome) -> None:
    if outcome.unit_id is None or outcome.unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("This outcome has not been handed to your unit."))


@transaction.atomic
def outcome_progress(*, outcome_id: int, text: str, actor) -> OutcomeEntry:
    """办: the unit records how handling is going."""
    outcome = _locked_outcome(outcome_id)
    if outcome.state not in (S.ASSIGNED, S.HANDLING):
        raise InvalidTransition(_("Progress is recorded while the outcome is being handled."))
    _require_unit(actor, outcome)
    if not text.strip():
        raise DomainError(pgettext("consultation", "Describe the progress."))
    entry = OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.PROGRESS, text=text.strip(), author=actor
    )
    if outcome.state == S.ASSIGNED:
        _transition(
            outcome, actor=actor, to=S.HANDLING, allowed=(S.ASSIGNED,), message="", verb="progress", comment=entry.text
        )
    else:
        record_event(outcome, actor=actor, verb="progress", comment=entry.text)
    return entry


@transaction.atomic
def outcome_supervise(*, outcome_id: int, text: str, actor) -> OutcomeEntry:
    """督: staff or a leader of the committee leave a supervision note."""
    outcome = _locked_outcome(outcome_id)
    if not scope_of(actor).can_read_committee(outcome.committee_id):
        raise NotPermitted(_("Only staff or leaders of this committee may supervise."))
    if outcome.state not in (S.ASSIGNED, S.HANDLING, S.REPLIED):
        raise InvalidTransition(_("Only an outcome at a unit can be supervised."))
    if not text.strip():
        raise DomainError(_("Write the supervision note."))
    entry = OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.SUPERVISION, text=text.strip(), author=actor
    )
    record_event(outcome, actor=actor, verb="supervised", comment=entry.text, data={"overdue": outcome.is_overdue()})
    return entry


@transaction.atomic
def outcome_reply(*, outcome_id: int, text: str, actor, now=None) -> Outcome:
    """复: the assigned unit replies; whether it was on time is kept for the figures."""
    outcome = _locked_outcome(outcome_id)
    if outcome.state not in (S.ASSIGNED, S.HANDLING):
        raise InvalidTransition(_("Only an outcome being handled can be replied to."))
    _require_unit(actor, outcome)
    if not text.strip():
        raise DomainError(_("Write the reply."))
    now = now or timezone.now()
    outcome.reply, outcome.replied_at, outcome.replied_by = text.strip(), now, actor
    outcome.answered_on_time = timezone.localdate(now) <= outcome.deadline
    _transition(
        outcome,
        actor=actor,
        to=S.REPLIED,
        allowed=(S.ASSIGNED, S.HANDLING),
        message="",
        verb="replied",
        fields=("reply", "replied_at", "replied_by", "answered_on_time"),
    )
    publish(OutcomeReplied(outcome_id=outcome.pk, committee_id=outcome.committee_id, actor_id=actor_id(actor)))
    return outcome


@transaction.atomic
def outcome_review(*, outcome_id: int, accept: bool, comment: str = "", actor) -> Outcome:
    """Staff review the reply: accept it, or return it to the unit with a comment."""
    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    msg = _("Only a replied outcome can be reviewed.")
    outcome.review_comment = comment.strip()
    if accept:
        return _transition(
            outcome,
            actor=actor,
            to=S.REVIEWED,
            allowed=(S.REPLIED,),
            message=msg,
            verb="reviewed",
            comment=comment,
            fields=("review_comment",),
        )
    if not comment.strip():
        raise DomainError(_("Say why the reply is returned."))
    return _transition(
        outcome,
        actor=actor,
        to=S.HANDLING,
        allowed=(S.REPLIED,),
        message=msg,
        verb="returned",
        comment=comment,
        fields=("review_comment",),
    )


@transaction.atomic
def outcome_publish(*, outcome_id: int, actor, now=None) -> Outcome:
    """公示: publish a reviewed outcome with its reply on the public page."""
    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    outcome.published_at = now or timezone.now()
    _transition(
        outcome,
        actor=actor,
        to=S.PUBLISHED,
        allowed=(S.REVIEWED,),
        verb="published",
        message=_("Only an outcome whose reply has been reviewed can be published."),
        fields=("published_at",),
    )
    session = outcome.session
    if not session.is_published:  # an outcome is disclosed as part of its meeting
        ConsultationSession.objects.filter(pk=session.pk).update(is_published=True)
        record_event(session, actor=actor, verb="published", comment=_("Published with its outcome."))
    publish(OutcomePublished(outcome_id=outcome.pk, actor_id=actor_id(actor)))
    _after_public_change(outcome.committee_id)
    return outcome


@transaction.atomic
def outcome_follow_up(*, outcome_id: int, text: str, actor) -> OutcomeEntry:
    """跟踪: staff note how the published outcome is being carried out."""
    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    if outcome.state != S.PUBLISHED:
        raise InvalidTransition(_("Follow-up entries are added to a published outcome."))
    if not text.strip():
        raise DomainError(_("Write the follow-up note."))
    entry = OutcomeEntry.objects.create(
        outcome=outcome, kind=OutcomeEntry.Kind.FOLLOW_UP, text=text.strip(), author=actor
    )
    record_event(outcome, actor=actor, verb="followed_up", comment=entry.text)
    _after_public_change(outcome.committee_id)
    return entry


@transaction.atomic
def outcome_close(*, outcome_id: int, actor, comment: str = "", now=None) -> Outcome:
    """Close a published outcome once it is done (事事见成效)."""
    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    outcome.closed_at = now or timezone.now()
    _transition(
        outcome,
        actor=actor,
        to=S.CLOSED,
        allowed=(S.PUBLISHED,),
        verb="closed",
        comment=comment,
        message=_("Only a published outcome can be closed."),
        fields=("closed_at",),
    )
    _after_public_change(outcome.committee_id)
    return outcome


DRAFTABLE_STATES = ("adopted", *Outcome.HANDED_OVER)


@not_an_api_action("a read: whether the page offers drafting; outcome_draft_proposal checks the same rule")
def may_draft_proposal(user, outcome: Outcome) -> bool:
    """A member (a convener included) present at the outcome's session may draft a proposal from it."""
    member_id = scope_of(user).member_id
    return (
        bool(member_id)
        and Attendance.objects.filter(
            session_id=outcome.session_id, member_id=member_id, status=Attendance.Status.PRESENT
        ).exists()
    )


@transaction.atomic
def outcome_draft_proposal(*, outcome_id: int, actor, category: str) -> Outcome:
    """Turn an adopted outcome into a proposal draft of the acting member, pre-filled and linked both ways."""
    from proposals.models import Proposal
    from proposals.services import proposal_save_draft

    from .selectors import proposal_draft

    outcome = _locked_outcome(outcome_id)
    if not may_draft_proposal(actor, outcome):
        raise NotPermitted(_("Only a member who attended the session may draft a proposal from its outcome."))
    if outcome.state not in DRAFTABLE_STATES:
        raise InvalidTransition(_("Only an adopted outcome can become a proposal."))
    if outcome.proposal_id:
        raise InvalidTransition(_("This outcome is already linked to a proposal."))
    draft = proposal_draft(Outcome.objects.select_related("session").get(pk=outcome.pk))
    proposal = proposal_save_draft(
        actor=actor,
        data={
            "title": draft["title"][:200],
            "analysis": draft["case"],
            "suggestions": draft["suggestions"],
            "category": category,
            "kind": Proposal.Kind.MEMBER,
        },
    )
    outcome.proposal = proposal
    outcome.save(update_fields=["proposal", "updated_at"])
    record_event(outcome, actor=actor, verb="proposal_drafted", data={"proposal": proposal.pk}, comment=proposal.title)
    return outcome


@transaction.atomic
def outcome_link_proposal(*, outcome_id: int, proposal_id: int | None, actor) -> Outcome:
    """Link an outcome to the existing proposal it became, or remove the link (secretariat staff)."""
    from proposals.models import Proposal

    outcome = _locked_outcome(outcome_id)
    _require_staff(actor, outcome.committee_id)
    proposal = None
    if proposal_id is not None:
        proposal = Proposal.objects.filter(pk=proposal_id, committee_id=outcome.committee_id).first()
        if proposal is None or proposal.state == Proposal.State.DRAFT:
            raise DomainError(_("Choose a submitted proposal of the same committee."))
    before = outcome.proposal_id
    outcome.proposal = proposal
    outcome.save(update_fields=["proposal", "updated_at"])
    record_event(
        outcome,
        actor=actor,
        verb="linked_proposal" if proposal else "unlinked_proposal",
        data={"from": before, "to": proposal_id},
        comment=proposal.title if proposal else "",
    )
    return outcome


@not_an_api_action("beat's daily task (consultations.tasks): marks outcomes past their deadline once")
@transaction.atomic
def outcomes_flag_overdue(*, today: dt.date | None = None) -> int:
    """督: mark each outcome that passed its deadline at the unit once per deadline (safe to run twice)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEvent

    today = today or timezone.localdate()
    overdue = list(Outcome.objects.overdue(today).select_for_update().only("pk", "title", "deadline"))
    if not overdue:
        return 0
    seen = set(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Outcome),
            verb="overdue",
            object_id__in=[str(o.pk) for o in overdue],
        ).values_list("object_id", "comment")
    )
    flagged = 0
    for outcome in overdue:
        if (str(outcome.pk), outcome.deadline.isoformat()) in seen:
            continue
        record_event(outcome, actor=None, verb="overdue", comment=outcome.deadline.isoformat())
        flagged += 1
    return flagged
