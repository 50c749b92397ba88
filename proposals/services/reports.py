"""Public-opinion reports 社情民意: submitting, co-authors, acceptance, compiling, adoptions and instructions."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import actor_id, publish
from core.exceptions import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, lock_many, not_an_api_action, record_event
from groups.access import require_staff, scope_of
from groups.models import Member
from proposals.deadlines import add_working_days, settings_for
from proposals.events import (
    CoAuthorsInvited,
    ReportAccepted,
    ReportAdopted,
    ReportDeclined,
    ReportInstructed,
    ReportsCompiled,
)
from proposals.models import (
    Adoption,
    CoAuthorInvitation,
    Instruction,
    Level,
    OpinionReport,
    ReportFollowUp,
    ReportIssue,
)
from proposals.services._common import _check_dated, _day, _lock_settings, _today
from proposals.verbs import ProposalVerb

# --- public-opinion reports -----------------------------------------------------------------------


@transaction.atomic
def report_submit(
    *,
    actor: User,
    title: str,
    content: str,
    co_author_ids: Iterable[int | str] = (),
    group_id: int | None = None,
    today: date | None = None,
) -> OpinionReport:
    """A member (alone or with others) or a group's convener writes a public-opinion report 社情民意: alone it is
    submitted at once; named co-authors are invited first and it stays a draft until the author submits it
    (``report_submit_draft``) once they have answered, as a proposal waits for its co-signers."""
    scope = scope_of(actor)
    if not scope.member_id:
        raise NotPermitted(_("Only a member can submit a public-opinion report."))
    member = Member.objects.get(pk=scope.member_id)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter the title.")
    if not (content or "").strip():
        errors["content"] = _("Enter the content.")
    member_ids = sorted({int(i) for i in co_author_ids} - {member.pk})
    if member_ids and Member.objects.filter(
        pk__in=member_ids, committee_id=member.committee_id, status=Member.Status.ACTIVE
    ).count() != len(member_ids):
        errors["co_authors"] = _("Every co-author must be a member of the same committee.")
    if group_id and int(group_id) not in scope.convened_group_ids:
        errors["group"] = _("Only the group's convener can submit in its name.")
    if errors:
        raise DomainError(errors)
    state = OpinionReport.State.DRAFT if member_ids else OpinionReport.State.SUBMITTED
    report = OpinionReport.objects.create(
        committee_id=member.committee_id,
        year=_today(today).year,
        author=member,
        group_id=group_id,
        title=title.strip(),
        content=content.strip(),
        state=state,
    )
    record_event(
        report, actor=actor, verb=ProposalVerb.DRAFTED if member_ids else ProposalVerb.SUBMITTED, to_state=state
    )
    if member_ids:
        _invite_coauthors(report, member_ids, actor=actor, today=_today(today))
    return report


def _invite_coauthors(report: OpinionReport, member_ids: list[int], *, actor: User, today: date) -> None:
    deadline = add_working_days(report.committee_id, today, settings_for(report.committee_id).cosign_working_days)
    invitations = CoAuthorInvitation.objects.bulk_create(
        CoAuthorInvitation(report=report, member_id=m, deadline=deadline) for m in member_ids
    )
    record_event(report, actor=actor, verb=ProposalVerb.COAUTHORS_INVITED, data={"members": member_ids})
    publish(
        CoAuthorsInvited(
            report_id=report.pk,
            member_ids=tuple(i.member_id for i in invitations),
            deadline=deadline,
            actor_id=actor_id(actor),
        )
    )


@transaction.atomic
def coauthor_respond(
    *, invitation_id: int, accept: bool, actor: User, today: date | None = None, seen: str | None = None
) -> CoAuthorInvitation:
    """A member named as co-author confirms or declines 联名; only a confirmed co-author is one (and scores).
    With ``seen`` (the digest of the text they read), a confirmation of a text changed since is refused."""
    report = lock(OpinionReport, CoAuthorInvitation.objects.values_list("report_id", flat=True).get(pk=invitation_id))
    invitation = lock(CoAuthorInvitation, invitation_id)
    if scope_of(actor).member_id != invitation.member_id:
        raise NotPermitted(_("This invitation is addressed to another member."))
    if invitation.status != CoAuthorInvitation.Status.INVITED or report.state != OpinionReport.State.DRAFT:
        raise InvalidTransition(_("This invitation has already been answered or the report was submitted."))
    if _today(today) > invitation.deadline:
        raise InvalidTransition(_("The time to confirm this invitation has passed."))
    if accept and seen is not None and seen != report.content_digest():
        raise ConcurrentEdit(_("The report was changed after you opened it. Read it again before answering."))
    invitation.status = CoAuthorInvitation.Status.CONFIRMED if accept else CoAuthorInvitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    if accept:
        report.co_authors.add(invitation.member_id)
    record_event(
        report,
        actor=actor,
        verb=ProposalVerb.COAUTHOR_CONFIRMED if accept else ProposalVerb.COAUTHOR_DECLINED,
        data={"member": invitation.member_id},
    )
    return invitation


@transaction.atomic
def report_submit_draft(*, report_id: int, actor: User, today: date | None = None) -> OpinionReport:
    """The author submits a report once its co-authors have answered; unanswered invitations past their deadline
    lapse, and only the co-authors who confirmed are on it."""
    report = lock(OpinionReport, report_id)
    if scope_of(actor).member_id != report.author_id:
        raise NotPermitted(_("Only the report's author may do this."))
    if report.state != OpinionReport.State.DRAFT:
        raise InvalidTransition(_("Only a report waiting for its co-authors can be submitted."))
    invitations = report.invitations.select_for_update().order_by("pk")
    invitations.filter(status=CoAuthorInvitation.Status.INVITED, deadline__lt=_today(today)).update(
        status=CoAuthorInvitation.Status.EXPIRED
    )
    waiting = list(invitations.filter(status=CoAuthorInvitation.Status.INVITED).values_list("member__name", flat=True))
    if waiting:
        raise InvalidTransition(_("Waiting for co-authors to confirm: %(names)s.") % {"names": "、".join(waiting)})
    # The report counts as submitted from now (its ``created_at`` is the submission moment).
    report.created_at = timezone.now()
    return _move_report(
        report, OpinionReport.State.SUBMITTED, actor=actor, verb=ProposalVerb.SUBMITTED, fields=["created_at"]
    )


@transaction.atomic
def report_edit(*, report_id: int, actor: User, title: str, content: str) -> OpinionReport:
    """Staff edit a submitted report before compiling it (the text before is kept in the audit row)."""
    report = lock(OpinionReport, report_id)
    require_staff(actor, report.committee_id)
    if report.state not in (OpinionReport.State.SUBMITTED, OpinionReport.State.ACCEPTED):
        raise InvalidTransition(_("Only a submitted or accepted report can be edited."))
    if not (title or "").strip() or not (content or "").strip():
        raise DomainError(_("Enter the title and the content."))
    before = {"title": report.title, "content": report.content}
    report.title, report.content = title.strip(), content.strip()
    report.save(update_fields=["title", "content", "updated_at"])
    record_event(report, actor=actor, verb=ProposalVerb.EDITED, data={"before": before})
    return report


def _move_report(
    report: OpinionReport,
    to: str,
    *,
    actor: User,
    verb: ProposalVerb,
    comment: str = "",
    fields: Iterable[str] = (),
) -> OpinionReport:
    before = report.state
    report.state = to
    report.save(update_fields=["state", "updated_at", *fields])
    record_event(report, actor=actor, verb=verb, from_state=before, to_state=to, comment=comment)
    return report


@transaction.atomic
def report_accept(*, report_id: int, actor: User) -> OpinionReport:
    """Staff accept a submitted report for compiling; from now on it counts on its authors' duty records
    (dated on its submission day, so the roll-ups from that quarter on go stale)."""
    report = lock(OpinionReport, report_id)
    require_staff(actor, report.committee_id)
    if report.state != OpinionReport.State.SUBMITTED:
        raise InvalidTransition(_("Only a submitted report can be accepted or declined."))
    publish(
        ReportAccepted(
            committee_id=report.committee_id,
            on=timezone.localdate(report.created_at),
            report_id=report.pk,
            actor_id=actor_id(actor),
        )
    )
    return _move_report(report, OpinionReport.State.ACCEPTED, actor=actor, verb=ProposalVerb.ACCEPTED)


@transaction.atomic
def report_decline(*, report_id: int, actor: User, reason: str) -> OpinionReport:
    """Staff decline a report, telling the author why."""
    report = lock(OpinionReport, report_id)
    require_staff(actor, report.committee_id)
    if report.state != OpinionReport.State.SUBMITTED:
        raise InvalidTransition(_("Only a submitted report can be accepted or declined."))
    if not (reason or "").strip():
        raise DomainError({"reason": _("Give the reason for declining.")})
    report.decline_reason = reason.strip()
    publish(
        ReportDeclined(
            committee_id=report.committee_id, on=timezone.localdate(), report_id=report.pk, actor_id=actor_id(actor)
        )
    )
    return _move_report(
        report,
        OpinionReport.State.DECLINED,
        actor=actor,
        verb=ProposalVerb.DECLINED,
        comment=report.decline_reason,
        fields=["decline_reason"],
    )


@transaction.atomic
def issue_compile(
    *, committee_id: int, actor: User, report_ids: Collection[int], published_on: date, today: date | None = None
) -> ReportIssue:
    """Compile accepted reports into the year's next numbered issue 期."""
    require_staff(actor, committee_id)
    reports = lock_many(OpinionReport.objects.filter(committee_id=committee_id), report_ids, partial=True)
    if not reports or len(reports) != len(set(report_ids)):
        raise DomainError(_("Choose accepted reports of this committee."))
    if any(r.state != OpinionReport.State.ACCEPTED for r in reports):
        raise InvalidTransition(_("Only accepted reports can be compiled."))
    _check_dated(
        published_on,
        field="published_on",
        after=max(timezone.localtime(r.created_at).date() for r in reports),
        today=today,
        message=_("An issue cannot be published before a report in it was submitted (%(date)s)."),
    )
    _lock_settings(committee_id)
    year = published_on.year
    top = ReportIssue.objects.filter(committee_id=committee_id, year=year).aggregate(m=Max("number"))["m"]
    issue = ReportIssue.objects.create(
        committee_id=committee_id, year=year, number=(top or 0) + 1, published_on=published_on
    )
    for report in reports:
        report.issue = issue
        _move_report(
            report,
            OpinionReport.State.COMPILED,
            actor=actor,
            verb=ProposalVerb.COMPILED,
            comment=str(issue),
            fields=["issue"],
        )
    publish(
        ReportsCompiled(issue_id=issue.pk, report_ids=tuple(sorted(r.pk for r in reports)), actor_id=actor_id(actor))
    )
    return issue


@not_an_api_action("the date rule of adoptions and instructions, also run by the admin's inline rows")
def check_report_fact_date(report: OpinionReport, value: object, *, today: date | None = None) -> None:
    """An adoption or instruction follows the report's submission and has happened already (also checked on the
    admin's inline rows)."""
    _check_dated(
        value,
        after=_day(report.created_at),
        today=today,
        message=_("The date cannot be before the report was submitted (%(date)s)."),
    )


@transaction.atomic
def report_record_adoption(
    *, report_id: int, actor: User, level: str, date: date, adopted_by: str = "", today: date | None = None
) -> Adoption:
    """Record that a CPPCC at some level adopted 采用 the report (dated between its submission and today)."""
    report = lock(OpinionReport, report_id)
    require_staff(actor, report.committee_id)
    if report.state not in (OpinionReport.State.ACCEPTED, OpinionReport.State.COMPILED):
        raise InvalidTransition(_("Only an accepted report can be adopted."))
    if level not in Level.values:
        raise DomainError({"level": _("Choose the level.")})
    if report.adoptions.filter(level=level).exists():
        raise DomainError({"level": _("Adoption at this level is already recorded.")})
    check_report_fact_date(report, date, today=today)
    adoption = Adoption.objects.create(report=report, level=level, date=date, adopted_by=adopted_by)
    record_event(report, actor=actor, verb=ProposalVerb.ADOPTED, comment=adoption.get_level_display())
    publish(
        ReportAdopted(
            committee_id=report.committee_id, on=date, report_id=report.pk, level=level, actor_id=actor_id(actor)
        )
    )
    return adoption


@transaction.atomic
def report_record_instruction(
    *, report_id: int, actor: User, leader: str, level: str, date: date, text: str, today: date | None = None
) -> Instruction:
    """Record a leader's written instruction 批示 on the report (dated between its submission and today)."""
    report = lock(OpinionReport, report_id)
    require_staff(actor, report.committee_id)
    if report.state not in (OpinionReport.State.ACCEPTED, OpinionReport.State.COMPILED):
        raise InvalidTransition(_("Only an accepted report can receive instructions."))
    if not (leader or "").strip() or not (text or "").strip() or level not in Level.values:
        raise DomainError(_("Give the leader, the level and the instruction."))
    check_report_fact_date(report, date, today=today)
    instruction = Instruction.objects.create(
        report=report, leader=leader.strip(), level=level, date=date, text=text.strip()
    )
    record_event(
        report, actor=actor, verb=ProposalVerb.INSTRUCTED, comment=f"{instruction.leader}：{instruction.text[:50]}"
    )
    publish(
        ReportInstructed(
            committee_id=report.committee_id, on=date, report_id=report.pk, level=level, actor_id=actor_id(actor)
        )
    )
    return instruction


@transaction.atomic
def report_record_follow_up(
    *,
    report_id: int,
    actor: User,
    date: date,
    done_by: str,
    action: str,
    feedback: str = "",
    today: date | None = None,
) -> ReportFollowUp:
    """Record a follow-up 跟踪促办 of an adopted report: the day, who acted, what was done, the department's feedback."""
    report = lock(OpinionReport, report_id)
    require_staff(actor, report.committee_id)
    first = report.adoptions.order_by("date").values_list("date", flat=True).first()
    if first is None:
        raise InvalidTransition(_("Only an adopted report is followed up."))
    done_by, action, feedback = (done_by or "").strip(), (action or "").strip(), (feedback or "").strip()
    errors = {}
    if not done_by:
        errors["done_by"] = [_("Say who followed it up.")]
    if not action:
        errors["action"] = [_("Say what was done.")]
    if errors:
        raise DomainError(errors)
    _check_dated(
        date,
        field="date",
        after=first,
        today=today,
        message=_("A follow-up cannot be dated before the report was adopted (%(date)s)."),
    )
    follow_up = ReportFollowUp.objects.create(
        report=report,
        date=date,
        done_by=done_by[:100],
        action=action[:2000],
        feedback=feedback[:2000],
        recorded_by=actor,
    )
    record_event(
        report, actor=actor, verb=ProposalVerb.FOLLOWED_UP, comment=f"{follow_up.done_by}：{follow_up.action[:50]}"
    )
    return follow_up
