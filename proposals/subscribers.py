"""What proposals tells people when its own transitions happen (``core.events``; imported at start-up).

After commit, through the outbox: a notice that fails is retried and never undoes the transition, and
``notify()`` is keyed per (kind, record, recipient, due), so a second delivery adds nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import subscribe
from groups import recipients
from groups.models import Member
from notifications.models import Kind
from notifications.services import Notice, notify, notify_many
from proposals.events import (
    CoAuthorsInvited,
    CosignAnswered,
    CosignersInvited,
    DeadlineMoved,
    ProposalAssigned,
    ProposalClosed,
    ProposalFiled,
    ProposalKeyMarked,
    ProposalMerged,
    ProposalNotFiled,
    ProposalReopened,
    ProposalReplied,
    ProposalReturned,
    ReportAccepted,
    ReportAdopted,
    ReportInstructed,
    ReportsCompiled,
)
from proposals.models import Assignment, CoAuthorInvitation, CoSigner, OpinionReport, Proposal, Reply, ReportIssue


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _name(proposal) -> str:
    return f"{proposal.number_with_year}《{proposal.title}》" if proposal.serial_number else f"《{proposal.title}》"


@subscribe(ProposalAssigned)
def tell_assigned_units(event: ProposalAssigned) -> None:
    """Each assigned unit's users: which proposal, until when they may return it, when the reply is due."""
    assignments = (
        Assignment.objects.filter(proposal_id=event.proposal_id, unit_id__in=[event.lead_unit_id, *event.co_unit_ids])
        .select_related("proposal", "unit")
        .order_by("pk")
    )
    latest = {a.unit_id: a for a in assignments}  # this assignment's rows (a unit assigned before keeps its old ones)
    users = recipients.unit_users(latest)
    url = reverse("proposals:detail", args=[event.proposal_id])
    notices = []
    with translation.override(settings.LANGUAGE_CODE):
        for unit_id, assignment in sorted(latest.items()):
            lead = assignment.role == Assignment.Role.LEAD
            title = _("Proposal %(proposal)s assigned to %(unit)s") % {
                "proposal": _name(assignment.proposal),
                "unit": assignment.unit.name,
            }
            body = (
                _("Lead unit: reply by %(due)s.") if lead else _("Co-handling unit: send your opinion by %(due)s.")
            ) % {"due": _day(assignment.due_date)}
            body += " " + _("If it is not yours to handle, ask for reassignment by %(date)s.") % {
                "date": _day(event.return_until)
            }
            notices += [
                Notice(
                    kind=Kind.PROPOSAL_ASSIGNED,
                    recipient=user,
                    obj=assignment,
                    due=event.return_until,
                    title=title,
                    body=body,
                    url=url,
                )
                for user in users.get(unit_id, [])
            ]
    notify_many(notices)


@subscribe(CosignersInvited)
def tell_invited_cosigners(event: CosignersInvited) -> None:
    """Each invited member with a login: who invited them to co-sign what, and by when to answer."""
    invitations = CoSigner.objects.filter(
        proposal_id=event.proposal_id,
        member_id__in=event.member_ids,
        status=CoSigner.Status.INVITED,
        member__user__is_active=True,
    ).select_related("proposal__lead_proposer", "member__user")
    url = reverse("proposals:detail", args=[event.proposal_id])
    with translation.override(settings.LANGUAGE_CODE):
        for invitation in invitations:
            proposal = invitation.proposal
            if event.again:  # a confirmation given to an earlier text no longer holds
                title = _("《%(title)s》 was changed: confirm co-signing again") % {"title": proposal.title}
                body = _(
                    "%(lead)s changed the proposal after you confirmed. Read it again and confirm or decline "
                    "by %(date)s."
                ) % {"lead": proposal.lead_proposer.name, "date": _day(invitation.deadline)}
            else:
                title = _("%(lead)s invites you to co-sign %(proposal)s") % {
                    "lead": proposal.lead_proposer.name,
                    "proposal": _name(proposal),
                }
                body = _("Read the proposal, then co-sign or decline on your proposals page by %(date)s.") % {
                    "date": _day(invitation.deadline)
                }
            # asked again: a kind of its own, or the first invitation's notice (same record and day) would swallow it
            notify(
                kind=Kind.GENERIC if event.again else Kind.COSIGN_INVITED,
                recipient=invitation.member.user,
                obj=invitation,
                due=invitation.deadline,
                title=title,
                body=body,
                url=url,
            )


@subscribe(CoAuthorsInvited)
def tell_invited_coauthors(event: CoAuthorsInvited) -> None:
    """Each member with a login named as co-author: whose report, and by when to confirm or decline."""
    invitations = CoAuthorInvitation.objects.filter(
        report_id=event.report_id,
        member_id__in=event.member_ids,
        status=CoAuthorInvitation.Status.INVITED,
        member__user__is_active=True,
    ).select_related("report__author", "member__user")
    url = reverse("proposals:report_detail", args=[event.report_id])
    with translation.override(settings.LANGUAGE_CODE):
        for invitation in invitations:
            report = invitation.report
            title = _("Co-author invitation: 《%(title)s》") % {"title": report.title}
            body = _(
                "%(author)s named you as co-author of a public-opinion report. Read it and confirm or decline "
                "by %(date)s."
            ) % {"author": report.author.name, "date": _day(invitation.deadline)}
            notify(
                kind=Kind.GENERIC,
                recipient=invitation.member.user,
                obj=invitation,
                due=invitation.deadline,
                title=title,
                body=body,
                url=url,
            )


# --- the proposal's hand-offs -----------------------------------------------------------------------------------
# Each notice goes to the people who act next or whose record it is, never to the one who acted (they know).


def _others(users, event) -> list:
    """Each user once, in order, without the actor."""
    seen, out = set(), []
    for user in users:
        if user.pk not in seen and user.pk != event.actor_id:
            seen.add(user.pk)
            out.append(user)
    return out


def _proposers(proposal: Proposal) -> list:
    """The lead proposer and the co-signers who confirmed, those with an active login."""
    members = [
        proposal.lead_proposer,
        *(
            c.member
            for c in proposal.cosigners.filter(status=CoSigner.Status.CONFIRMED)
            .select_related("member__user")
            .order_by("pk")
        ),
    ]
    return [m.user for m in members if m.user_id and m.user.is_active]


def _proposal(proposal_id: int) -> Proposal | None:
    return Proposal.objects.select_related("lead_proposer__user").filter(pk=proposal_id).first()


def _tell(event, users, *, kind: str, title: str, body: str, url: str, obj=None, due=None) -> None:
    """One notice per user (the actor left out); without ``obj`` keyed on the event, so a repeated transition
    (a second reply, a second change) is told again; without ``due`` dated the day of the event, so a delivery
    retried on a later day adds nothing."""
    key = "" if obj is not None else f"{event.name}:{event.event_id}"
    notify_many(
        Notice(
            kind=kind, recipient=user, obj=obj, key=key, due=due or event.occurred_on, title=title, body=body, url=url
        )
        for user in _others(users, event)
    )


@subscribe(CosignAnswered)
def tell_lead_cosigner_answered(event: CosignAnswered) -> None:
    """The lead proposer: who confirmed or declined co-signing, on the proposal page that lists the answers."""
    invitation = (
        CoSigner.objects.select_related("member", "proposal__lead_proposer__user").filter(pk=event.cosigner_id).first()
    )
    if invitation is None:
        return
    proposal = invitation.proposal
    lead = proposal.lead_proposer.user if proposal.lead_proposer.user_id else None
    if lead is None or not lead.is_active:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = (
            _("%(member)s agreed to co-sign 《%(title)s》")
            if event.accepted
            else _("%(member)s declined to co-sign 《%(title)s》")
        ) % {"member": invitation.member.name, "title": proposal.title}
        waiting = proposal.cosigners.filter(status=CoSigner.Status.INVITED).count()
        body = (
            _("%(n)s co-signers have not answered yet.") % {"n": waiting}
            if waiting
            else _("Every co-signer has answered: you can submit the proposal.")
        )
        _tell(
            event,
            [lead],
            kind=Kind.COSIGN_ANSWERED,
            obj=invitation,
            title=title,
            body=body,
            url=reverse("proposals:detail", args=[proposal.pk]),
        )


@subscribe(ProposalFiled)
def tell_proposers_filed(event: ProposalFiled) -> None:
    """The proposers: their proposal was filed 立案 and numbered."""
    proposal = _proposal(event.proposal_id)
    if proposal is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            _proposers(proposal),
            kind=Kind.PROPOSAL_FILED,
            obj=proposal,
            title=_("Proposal filed: %(proposal)s") % {"proposal": _name(proposal)},
            body=_("It will be handed to the units that handle it; you will hear when it is answered."),
            url=reverse("proposals:detail", args=[proposal.pk]),
        )


@subscribe(ProposalNotFiled)
def tell_proposers_not_filed(event: ProposalNotFiled) -> None:
    """The proposers: not filed 不予立案, with the reason; if converted, into what (the new report's page)."""
    proposal = _proposal(event.proposal_id)
    if proposal is None:
        return
    url = reverse("proposals:detail", args=[proposal.pk])
    with translation.override(settings.LANGUAGE_CODE):
        body = _("Reason: %(reason)s") % {"reason": proposal.not_filed_reason}
        if event.outcome == Proposal.Outcome.REPORT and event.report_id:
            kind, url = Kind.PROPOSAL_CONVERTED, reverse("proposals:report_detail", args=[event.report_id])
            title = _("《%(title)s》 was converted into a public-opinion report") % {"title": proposal.title}
        elif event.outcome:
            kind = Kind.PROPOSAL_CONVERTED
            title = _("《%(title)s》 was not filed: %(outcome)s") % {
                "title": proposal.title,
                "outcome": proposal.get_not_filed_outcome_display(),
            }
        else:
            kind = Kind.PROPOSAL_NOT_FILED
            title = _("《%(title)s》 was not filed") % {"title": proposal.title}
        _tell(event, _proposers(proposal), kind=kind, obj=proposal, title=title, body=body, url=url)


@subscribe(ProposalMerged)
def tell_proposers_merged(event: ProposalMerged) -> None:
    """The merged proposal's proposers: into which proposal, whose answer they will get."""
    proposal, target = _proposal(event.proposal_id), Proposal.objects.filter(pk=event.into_id).first()
    if proposal is None or target is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            _proposers(proposal),
            kind=Kind.PROPOSAL_MERGED,
            obj=proposal,
            title=_("《%(title)s》 was merged into %(into)s") % {"title": proposal.title, "into": _name(target)},
            body=_("Both are handled together; you will receive the answer to %(into)s.") % {"into": _name(target)},
            url=reverse("proposals:detail", args=[proposal.pk]),
        )


@subscribe(ProposalReturned)
def tell_staff_proposal_returned(event: ProposalReturned) -> None:
    """The committee's secretariat staff: a unit returned the proposal, with its reason; they reassign it."""
    assignment = Assignment.objects.select_related("proposal", "unit").filter(pk=event.assignment_id).first()
    if assignment is None:
        return
    staff = recipients.committee_staff([event.committee_id]).get(event.committee_id, [])
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(unit)s returned %(proposal)s") % {
            "unit": assignment.unit.name,
            "proposal": _name(assignment.proposal),
        }
        body = _("Reason: %(reason)s") % {"reason": assignment.reassignment_reason}
        if event.lead:
            body += " " + _("The proposal is waiting to be assigned again.")
        _tell(
            event,
            staff,
            kind=Kind.PROPOSAL_RETURNED,
            obj=assignment,
            title=title,
            body=body,
            url=reverse("proposals:detail", args=[event.proposal_id]),
        )


@subscribe(ProposalReplied)
def tell_proposers_replied(event: ProposalReplied) -> None:
    """The proposers: the lead unit's answer is there; the lead proposer rates it by the feedback deadline."""
    reply = Reply.objects.select_related("proposal__lead_proposer__user", "unit").filter(pk=event.reply_id).first()
    if reply is None:
        return
    proposal = reply.proposal
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(unit)s replied to %(proposal)s") % {"unit": reply.unit.name, "proposal": _name(proposal)}
        body = _("Read the reply and the signed letter on the proposal page.")
        if event.feedback_due:
            body += " " + _("The lead proposer rates the reply by %(date)s.") % {"date": _day(event.feedback_due)}
        _tell(
            event,
            _proposers(proposal),
            kind=Kind.PROPOSAL_REPLIED,
            obj=reply,
            due=event.feedback_due,
            title=title,
            body=body,
            url=reverse("proposals:detail", args=[proposal.pk]),
        )


@subscribe(ProposalReopened)
def tell_lead_unit_second_round(event: ProposalReopened) -> None:
    """The lead unit's users: the proposer was unsatisfied, the proposal is theirs again until the new deadline."""
    proposal = Proposal.objects.select_related("lead_unit").filter(pk=event.proposal_id).first()
    if proposal is None or proposal.lead_unit_id is None:
        return
    users = recipients.unit_users([proposal.lead_unit_id]).get(proposal.lead_unit_id, [])
    feedback = proposal.feedback.filter(round=event.round - 1).first()
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Proposal %(proposal)s is back for round %(round)s") % {
            "proposal": _name(proposal),
            "round": event.round,
        }
        body = _("The proposer is not satisfied with the reply: %(comment)s Reply again by %(date)s.") % {
            "comment": feedback.comment if feedback else "—",
            "date": _day(event.reply_due),
        }
        _tell(
            event,
            users,
            kind=Kind.PROPOSAL_REOPENED,
            obj=proposal,
            due=event.reply_due,
            title=title,
            body=body,
            url=reverse("proposals:detail", args=[proposal.pk]),
        )


@subscribe(ProposalClosed)
def tell_closed(event: ProposalClosed) -> None:
    """The proposers and the lead unit: the proposal is closed 办结 (the unit goes on recording implementation)."""
    proposal = _proposal(event.proposal_id)
    if proposal is None:
        return
    units = (
        recipients.unit_users([proposal.lead_unit_id]).get(proposal.lead_unit_id, []) if proposal.lead_unit_id else []
    )
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            [*_proposers(proposal), *units],
            kind=Kind.PROPOSAL_CLOSED,
            obj=proposal,
            title=_("Proposal closed: %(proposal)s") % {"proposal": _name(proposal)},
            body=_("Its handling is complete; progress in carrying it out is recorded on the proposal page."),
            url=reverse("proposals:detail", args=[proposal.pk]),
        )


@subscribe(ProposalKeyMarked)
def tell_key_proposal(event: ProposalKeyMarked) -> None:
    """Marked key 重点提案: the supervising leader and the users of every unit handling it."""
    if not event.is_key or event.leader_id is None:
        return
    proposal = Proposal.objects.filter(pk=event.proposal_id).first()
    leader = Member.objects.select_related("user").filter(pk=event.leader_id).first()
    if proposal is None or leader is None:
        return
    unit_ids = list(proposal.assignments.filter(is_active=True).values_list("unit_id", flat=True))
    units = recipients.unit_users(unit_ids)
    leaders = [leader.user] if leader.user_id and leader.user.is_active else []
    url = reverse("proposals:detail", args=[proposal.pk])
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            leaders,
            kind=Kind.PROPOSAL_KEY_MARKED,
            title=_("You supervise the key proposal %(proposal)s") % {"proposal": _name(proposal)},
            body=_("Follow its handling and record your supervision notes on the proposal page."),
            url=url,
        )
        _tell(
            event,
            [u for unit_id in sorted(units) for u in units[unit_id]],
            kind=Kind.PROPOSAL_KEY_MARKED,
            title=_("%(proposal)s is a key proposal") % {"proposal": _name(proposal)},
            body=_("%(leader)s supervises its handling.") % {"leader": leader.name},
            url=url,
        )


# --- opinion reports --------------------------------------------------------------------------------------------


def _report_authors(report: OpinionReport) -> list:
    """The author and the confirmed co-authors with an active login; a report in a group's name without an
    author: the group's conveners."""
    members = [m for m in (report.author, *report.co_authors.select_related("user").order_by("pk")) if m is not None]
    users = [m.user for m in members if m.user_id and m.user.is_active]
    if report.author_id is None and report.group_id:
        users += recipients.group_conveners([report.group_id]).get(report.group_id, [])
    return users


def _report(report_id: int) -> OpinionReport | None:
    return OpinionReport.objects.select_related("author__user", "issue").filter(pk=report_id).first()


@subscribe(ReportAccepted)
def tell_authors_report_accepted(event: ReportAccepted) -> None:
    report = _report(event.report_id)
    if report is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            _report_authors(report),
            kind=Kind.REPORT_ACCEPTED,
            obj=report,
            title=_("Report accepted: 《%(title)s》") % {"title": report.title},
            body=_("The secretariat accepted your public-opinion report; it counts on your duty record."),
            url=reverse("proposals:report_detail", args=[report.pk]),
        )


@subscribe(ReportsCompiled)
def tell_authors_reports_compiled(event: ReportsCompiled) -> None:
    issue = ReportIssue.objects.filter(pk=event.issue_id).first()
    if issue is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        for report in (
            OpinionReport.objects.select_related("author__user").filter(pk__in=event.report_ids).order_by("pk")
        ):
            _tell(
                event,
                _report_authors(report),
                kind=Kind.REPORT_COMPILED,
                obj=report,
                title=_("《%(title)s》 is in issue %(issue)s") % {"title": report.title, "issue": str(issue)},
                body=_("Your public-opinion report was compiled into the bulletin issue of %(date)s.")
                % {"date": _day(issue.published_on)},
                url=reverse("proposals:report_detail", args=[report.pk]),
            )


@subscribe(ReportAdopted)
def tell_authors_report_adopted(event: ReportAdopted) -> None:
    report = _report(event.report_id)
    adoption = report.adoptions.filter(level=event.level).first() if report else None
    if adoption is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            _report_authors(report),
            kind=Kind.REPORT_ADOPTED,
            obj=adoption,
            title=_("Report adopted: 《%(title)s》") % {"title": report.title},
            body=_("Adopted at the %(level)s level on %(date)s.")
            % {"level": adoption.get_level_display(), "date": _day(adoption.date)},
            url=reverse("proposals:report_detail", args=[report.pk]),
        )


@subscribe(ReportInstructed)
def tell_authors_report_instructed(event: ReportInstructed) -> None:
    report = _report(event.report_id)
    if report is None:
        return
    instruction = report.instructions.filter(level=event.level, date=event.on).order_by("-pk").first()
    if instruction is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _tell(
            event,
            _report_authors(report),
            kind=Kind.REPORT_INSTRUCTED,
            obj=instruction,
            title=_("%(leader)s gave an instruction on 《%(title)s》")
            % {"leader": instruction.leader, "title": report.title},
            body=instruction.text[:500],
            url=reverse("proposals:report_detail", args=[report.pk]),
        )


MOVED = {  # what moved: the title of its notice
    "cosign": gettext_lazy("The deadline to answer the co-signing invitation for %(name)s moved to %(new)s"),
    "coauthor": gettext_lazy("The deadline to answer the co-author invitation for %(name)s moved to %(new)s"),
    "reassign": gettext_lazy("The return window for %(name)s now ends on %(new)s"),
    "feedback": gettext_lazy("The deadline to rate the reply to %(name)s moved to %(new)s"),
}


def _moved_whom(event: DeadlineMoved):
    """(the people concerned, the record, its title, the page) of a moved deadline."""
    if event.what == "cosign":
        row = CoSigner.objects.select_related("proposal", "member__user").filter(pk=event.record_id).first()
        return row and (
            [row.member.user],
            row,
            _name(row.proposal),
            reverse("proposals:detail", args=[row.proposal_id]),
        )
    if event.what == "coauthor":
        row = CoAuthorInvitation.objects.select_related("report", "member__user").filter(pk=event.record_id).first()
        return row and (
            [row.member.user],
            row,
            f"《{row.report.title}》",
            reverse("proposals:report_detail", args=[row.report_id]),
        )
    if event.what == "reassign":
        row = Assignment.objects.select_related("proposal").filter(pk=event.record_id).first()
        return row and (
            recipients.unit_users([row.unit_id]).get(row.unit_id, []),
            row,
            _name(row.proposal),
            reverse("proposals:detail", args=[row.proposal_id]),
        )
    row = Proposal.objects.select_related("lead_proposer__user").filter(pk=event.record_id).first()
    return row and ([row.lead_proposer.user], row, _name(row), reverse("proposals:detail", args=[row.pk]))


@subscribe(DeadlineMoved)
def tell_deadline_moved(event: DeadlineMoved) -> None:
    """The people a moved working-day deadline concerns: the invited member, the unit, or the proposer."""
    found = _moved_whom(event)
    if not found:
        return
    users, row, name, url = found
    with translation.override(settings.LANGUAGE_CODE):
        title = MOVED[event.what] % {"name": name, "new": _day(event.new)}
        body = _("The holiday calendar changed: the deadline was %(old)s and is now %(new)s.") % {
            "old": _day(event.old),
            "new": _day(event.new),
        }
        for user in users:
            if user is not None and user.is_active:
                notify(
                    kind=Kind.DEADLINE_MOVED, recipient=user, obj=row, due=event.new, title=title, body=body, url=url
                )
