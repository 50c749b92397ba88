"""Writes on supervision groups, their visits, inspections and work reports (``groups.models.supervision``).

Who may do what:
- staff set up a supervision group of their committee (members of that committee, stationed at one of its units);
- the group's members (or staff) record its visits; the stationed unit's users answer each visit;
- staff or a leader of the committee record an inspection of one of its activity groups or platforms; the
  inspected group's conveners (the platform's host group for a platform) or staff account for what was put right;
- a group's conveners report for a half-year that has begun; the group's liaison leader, or a leader or staff of
  the committee, answer it.
Anyone else gets ``NotPermitted`` and nothing is written. Each hand-off leaves the next person a notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from core.models import User
from core.services import not_an_api_action, record_event
from groups.access import scope_of
from groups.models import ActivityGroup, GroupMembership, HandlingUnit, Member, Platform
from groups.models.supervision import Inspection, SupervisionGroup, SupervisionVisit, WorkReport
from groups.verbs import GroupsVerb
from notifications.models import Kind
from notifications.services import notify


def _tell(recipients: Iterable[User | None], *, obj: models.Model, title: str, url: str) -> None:
    """An in-app notice (and e-mail/SMS where the person chose them) to each of ``recipients``: one a day per
    record and person."""
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        notify(kind=Kind.GENERIC, recipient=user, obj=obj, title=title, url=url)


def _not_future(on: date, field: str) -> None:
    if on > timezone.localdate():
        raise DomainError({field: [_("The date cannot be in the future.")]})


@transaction.atomic
def supervision_group_save(
    *,
    actor: User,
    committee_id: int,
    name: str,
    unit_id: int,
    focus: str,
    starts_on: date,
    member_ids: Iterable[int],
    ends_on: date | None = None,
    leader_id: int | None = None,
    group_id: int | None = None,
) -> SupervisionGroup:
    """Create (or, with ``group_id``, change) a democratic supervision group stationed at a unit."""
    if not scope_of(actor).is_staff_of(committee_id):
        raise NotPermitted(_("Only the committee's secretariat staff may set up supervision groups."))
    group = (
        SupervisionGroup()
        if group_id is None
        else (SupervisionGroup.objects.select_for_update().filter(pk=group_id, committee_id=committee_id).first())
    )
    if group is None:
        raise NotPermitted(_("This supervision group belongs to another committee."))
    member_ids = sorted(set(member_ids))
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the group a name.")]
    if not (focus or "").strip():
        errors["focus"] = [_("Say what the group supervises.")]
    if not HandlingUnit.objects.filter(pk=unit_id, committee_id=committee_id).exists():
        errors["unit"] = [_("Choose a handling unit of this committee.")]
    if not member_ids:
        errors["members"] = [_("Choose the members of the group.")]
    elif Member.objects.filter(pk__in=member_ids, committee_id=committee_id).count() != len(member_ids):
        errors["members"] = [_("Every member of the group must belong to this committee.")]
    if leader_id is not None and leader_id not in member_ids:
        errors["leader"] = [_("The group leader must be one of its members.")]
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The end of the period cannot be before its start.")]
    if errors:
        raise DomainError(errors)
    before = {"name": group.name, "unit": group.unit_id} if group.pk else None
    group.committee_id, group.name, group.unit_id, group.focus = committee_id, name.strip(), unit_id, focus.strip()
    group.starts_on, group.ends_on, group.leader_id = starts_on, ends_on, leader_id
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise DomainError({"name": [_("The committee already has a supervision group of this name.")]}) from None
    group.members.set(member_ids)
    record_event(
        group,
        actor=actor,
        verb=GroupsVerb.CHANGED if before else GroupsVerb.CREATED,
        data={"unit": unit_id, "members": member_ids, **({"before": before} if before else {})},
    )
    return group


def _editable_group(actor: User, group_id: int) -> SupervisionGroup:
    group = SupervisionGroup.objects.select_for_update().filter(pk=group_id).first()
    scope = scope_of(actor)
    if group is None or not (
        scope.is_staff_of(group.committee_id) or (scope.member_id and group.members.filter(pk=scope.member_id).exists())
    ):
        raise NotPermitted(_("Only the supervision group's members and the secretariat staff may record its visits."))
    return group


@transaction.atomic
def supervision_visit_record(
    *,
    actor: User,
    group_id: int,
    visited_on: date,
    findings: str,
    suggestions: str = "",
    participant_ids: Iterable[int] = (),
) -> SupervisionVisit:
    """Record a supervision group's visit to its unit; the unit's users are told, to answer it."""
    group = _editable_group(actor, group_id)
    own = scope_of(actor).member_id
    participants = sorted(set(participant_ids)) or ([own] if own else [])
    errors: dict[str, list[str]] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = [_("The date cannot be in the future.")]
    elif visited_on < group.starts_on or (group.ends_on and visited_on > group.ends_on):
        errors["visited_on"] = [_("The visit must fall within the group's period.")]
    if not (findings or "").strip():
        errors["findings"] = [_("Say what was found.")]
    if not participants:
        errors["participants"] = [_("Choose the members who took part.")]
    elif group.members.filter(pk__in=participants).count() != len(participants):
        errors["participants"] = [_("Only the group's members can take part in its visits.")]
    if errors:
        raise DomainError(errors)
    visit = SupervisionVisit.objects.create(
        group=group,
        visited_on=visited_on,
        findings=findings.strip(),
        suggestions=(suggestions or "").strip(),
        recorded_by=actor,
    )
    visit.participants.set(participants)
    record_event(visit, actor=actor, verb=GroupsVerb.RECORDED, data={"group": group.pk, "on": visited_on.isoformat()})
    _tell(
        group.unit.users.all(),
        obj=visit,
        url=reverse("groups:supervision_group", args=[group.pk]),
        title=_("%(group)s recorded a supervision visit: please answer") % {"group": group.name},
    )
    return visit


@transaction.atomic
def supervision_visit_answer(*, actor: User, visit_id: int, response: str) -> SupervisionVisit:
    """The stationed unit answers a visit's findings and suggestions (an answer may be amended)."""
    visit = SupervisionVisit.objects.select_for_update(of=("self",)).select_related("group").filter(pk=visit_id).first()
    if visit is None or visit.group.unit_id not in scope_of(actor).unit_ids:
        raise NotPermitted(_("Only the users of the unit the group is stationed at may answer its visits."))
    if not (response or "").strip():
        raise DomainError({"response": [_("Write the unit's answer.")]})
    amended = bool(visit.unit_response)
    visit.unit_response, visit.responded_at = response.strip(), timezone.now()
    visit.save(update_fields=["unit_response", "responded_at"])
    record_event(visit, actor=actor, verb=GroupsVerb.ANSWER_AMENDED if amended else GroupsVerb.ANSWERED)
    leader = visit.group.leader
    _tell(
        [leader.user] if leader and leader.user_id else [],
        obj=visit,
        url=reverse("groups:supervision_group", args=[visit.group_id]),
        title=_("%(unit)s answered your group's supervision visit") % {"unit": visit.group.unit.name},
    )
    return visit


def _conveners(group_id: int | None) -> list[User | None]:
    if group_id is None:
        return []
    rows = GroupMembership.objects.active().filter(
        group_id=group_id, role__in=[GroupMembership.Role.CONVENER, GroupMembership.Role.DEPUTY]
    )
    return [m.member.user for m in rows.select_related("member__user") if m.member.user_id]


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    committee_id: int,
    inspected_on: date,
    inspectors: str,
    findings: str,
    group_id: int | None = None,
    platform_id: int | None = None,
    required_actions: str = "",
    follow_up_due: date | None = None,
) -> Inspection:
    """Staff or a leader record an inspection of a group or a platform; with actions required, the responsible
    group's conveners are told to account for them (by ``follow_up_due``); without, it is closed at once."""
    if not scope_of(actor).can_read_committee(committee_id):
        raise NotPermitted(_("Only the committee's secretariat staff and leaders may record inspections."))
    errors: dict[str, list[str]] = {}
    if (group_id is None) == (platform_id is None):
        errors["group"] = [_("Choose the group or the platform inspected.")]
    elif group_id is not None and not ActivityGroup.objects.filter(pk=group_id, committee_id=committee_id).exists():
        errors["group"] = [_("Choose an activity group of this committee.")]
    elif platform_id is not None and not Platform.objects.filter(pk=platform_id, committee_id=committee_id).exists():
        errors["platform"] = [_("Choose a platform of this committee.")]
    if inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("The date cannot be in the future.")]
    for field, value, message in (
        ("inspectors", inspectors, _("Say who inspected.")),
        ("findings", findings, _("Say what was found.")),
    ):
        if not (value or "").strip():
            errors[field] = [message]
    required_actions = (required_actions or "").strip()
    if follow_up_due is not None and not required_actions:
        errors["required_actions"] = [_("Say what must be put right by that date.")]
    if follow_up_due is not None and follow_up_due < inspected_on:
        errors["follow_up_due"] = [_("The date to put things right cannot be before the inspection.")]
    if errors:
        raise DomainError(errors)
    inspection = Inspection.objects.create(
        committee_id=committee_id,
        group_id=group_id,
        platform_id=platform_id,
        inspected_on=inspected_on,
        inspectors=inspectors.strip(),
        findings=findings.strip(),
        required_actions=required_actions,
        follow_up_due=follow_up_due,
        recorded_by=actor,
        state=Inspection.State.OPEN if required_actions else Inspection.State.CLOSED,
    )
    record_event(
        inspection,
        actor=actor,
        verb=GroupsVerb.RECORDED,
        to_state=inspection.state,
        data={"group": group_id, "platform": platform_id},
    )
    if required_actions:
        _tell(
            _conveners(inspection.responsible_group_id),
            obj=inspection,
            url=reverse("groups:inspection", args=[inspection.pk]),
            title=_("An inspection of %(target)s asks you to put things right") % {"target": inspection.target},
        )
    return inspection


@transaction.atomic
def inspection_account(*, actor: User, inspection_id: int, follow_up: str) -> Inspection:
    """The responsible group's conveners (or staff) account for what was put right; the inspection closes."""
    inspection = (
        Inspection.objects.select_for_update(of=("self",)).select_related("platform").filter(pk=inspection_id).first()
    )
    scope = scope_of(actor)
    if inspection is None or not (
        scope.is_staff_of(inspection.committee_id) or inspection.responsible_group_id in scope.convened_group_ids
    ):
        raise NotPermitted(_("Only the inspected group's conveners and the secretariat staff may account for it."))
    if inspection.state != Inspection.State.OPEN:
        raise DomainError(_("This inspection is already closed."))
    if not (follow_up or "").strip():
        raise DomainError({"follow_up": [_("Say what was put right.")]})
    inspection.follow_up, inspection.followed_up_on = follow_up.strip(), timezone.localdate()
    inspection.state = Inspection.State.CLOSED
    inspection.save(update_fields=["follow_up", "followed_up_on", "state"])
    record_event(
        inspection,
        actor=actor,
        verb=GroupsVerb.ACCOUNTED_FOR,
        from_state=Inspection.State.OPEN,
        to_state=Inspection.State.CLOSED,
    )
    if inspection.recorded_by_id:
        _tell(
            [inspection.recorded_by],
            obj=inspection,
            url=reverse("groups:inspection", args=[inspection.pk]),
            title=_("%(target)s accounted for the inspection") % {"target": inspection.target},
        )
    return inspection


@not_an_api_action("a read: the half-year a report may be made for at most")
def current_half(today: date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return today.year, 1 if today.month <= 6 else 2


@transaction.atomic
def work_report_submit(
    *, actor: User, group_id: int, year: int, half: int, summary: str, plans: str = ""
) -> WorkReport:
    """A group's conveners (or staff) report on a half-year that has begun to the group's liaison leader."""
    group = (
        ActivityGroup.objects.select_for_update(of=("self",))
        .filter(pk=group_id)
        .select_related("liaison_leader__user")
        .first()
    )
    scope = scope_of(actor)
    if group is None or not (scope.is_staff_of(group.committee_id) or group.pk in scope.convened_group_ids):
        raise NotPermitted(_("Only the group's conveners and the secretariat staff may report on its work."))
    errors: dict[str, list[str]] = {}
    if half not in (1, 2):
        errors["half"] = [_("Choose the first or the second half of the year.")]
    elif (year, half) > current_half():
        errors["half"] = [_("A report can be made once the half-year has begun.")]
    if not (summary or "").strip():
        errors["summary"] = [_("Say what the group did.")]
    elif WorkReport.objects.filter(group=group, year=year, half=half).exists():
        errors["half"] = [_("This group has already reported for this half-year.")]
    if errors:
        raise DomainError(errors)
    report = WorkReport.objects.create(
        group=group, year=year, half=half, summary=summary.strip(), plans=(plans or "").strip(), submitted_by=actor
    )
    record_event(report, actor=actor, verb=GroupsVerb.SUBMITTED, data={"group": group.pk, "year": year, "half": half})
    leader = group.liaison_leader
    _tell(
        [leader.user] if leader and leader.user_id else [],
        obj=report,
        url=reverse("groups:work_report", args=[report.pk]),
        title=_("%(group)s reported on its work") % {"group": group.name},
    )
    return report


@not_an_api_action("a read: whether the page offers the answer form; work_report_answer checks the same")
def may_answer_report(actor: User, report: WorkReport) -> bool:
    scope = scope_of(actor)
    return scope.can_read_committee(report.group.committee_id) or (
        scope.member_id is not None and report.group.liaison_leader_id == scope.member_id
    )


@transaction.atomic
def work_report_answer(*, actor: User, report_id: int, comment: str) -> WorkReport:
    """The liaison leader (or a leader or staff of the committee) answers a group's report."""
    report = WorkReport.objects.select_for_update(of=("self",)).select_related("group").filter(pk=report_id).first()
    if report is None or not may_answer_report(actor, report):
        raise NotPermitted(_("Only the group's liaison leader and the committee's leaders and staff may answer."))
    if not (comment or "").strip():
        raise DomainError({"comment": [_("Write the answer.")]})
    amended = bool(report.comment)
    report.comment, report.commented_by, report.commented_at = comment.strip(), actor, timezone.now()
    report.save(update_fields=["comment", "commented_by", "commented_at"])
    record_event(report, actor=actor, verb=GroupsVerb.ANSWER_AMENDED if amended else GroupsVerb.ANSWERED)
    _tell(
        _conveners(report.group_id),
        obj=report,
        url=reverse("groups:work_report", args=[report.pk]),
        title=_("The leader answered %(group)s's work report") % {"group": report.group.name},
    )
    return report
