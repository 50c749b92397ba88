"""What proposals tells people when its own transitions happen (``core.events``; imported at start-up).

After commit, through the outbox: a notice that fails is retried and never undoes the transition, and
``notify()`` is keyed per (kind, record, recipient, due), so a second delivery adds nothing.
"""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from core.events import subscribe
from core.notifications.models import Kind
from core.notifications.services import notify
from groups import recipients
from proposals.events import CoAuthorsInvited, CosignersInvited, ProposalAssigned
from proposals.models import Assignment, CoAuthorInvitation, CoSigner


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _name(proposal) -> str:
    return f"{proposal.number_display}《{proposal.title}》" if proposal.number_display else f"《{proposal.title}》"


@subscribe(ProposalAssigned)
def tell_assigned_units(event: ProposalAssigned) -> None:
    """Each assigned unit's users: which proposal, until when they may return it, when the reply is due."""
    assignments = (Assignment.objects.filter(proposal_id=event.proposal_id,
                                             unit_id__in=[event.lead_unit_id, *event.co_unit_ids])
                   .select_related("proposal", "unit").order_by("pk"))
    latest = {a.unit_id: a for a in assignments}  # this assignment's rows (a unit assigned before keeps its old ones)
    users = recipients.unit_users(latest)
    url = reverse("proposals:detail", args=[event.proposal_id])
    with translation.override(settings.LANGUAGE_CODE):
        for unit_id, assignment in sorted(latest.items()):
            lead = assignment.role == Assignment.Role.LEAD
            title = _("Proposal %(proposal)s assigned to %(unit)s") % {"proposal": _name(assignment.proposal),
                                                                       "unit": assignment.unit.name}
            body = (_("Lead unit: reply by %(due)s.") if lead else _("Co-handling unit: send your opinion by %(due)s.")) % {
                "due": _day(assignment.due_date)}
            body += " " + _("If it is not yours to handle, ask for reassignment by %(date)s.") % {
                "date": _day(event.return_until)}
            for user in users.get(unit_id, []):
                notify(kind=Kind.PROPOSAL_ASSIGNED, recipient=user, obj=assignment, due=event.return_until,
                       title=title, body=body, url=url)


@subscribe(CosignersInvited)
def tell_invited_cosigners(event: CosignersInvited) -> None:
    """Each invited member with a login: who invited them to co-sign what, and by when to answer."""
    invitations = (CoSigner.objects.filter(proposal_id=event.proposal_id, member_id__in=event.member_ids,
                                           status=CoSigner.Status.INVITED, member__user__is_active=True)
                   .select_related("proposal__lead_proposer", "member__user"))
    url = reverse("proposals:detail", args=[event.proposal_id])
    with translation.override(settings.LANGUAGE_CODE):
        for invitation in invitations:
            proposal = invitation.proposal
            if event.again:  # a confirmation given to an earlier text no longer holds
                title = _("《%(title)s》 was changed: confirm co-signing again") % {"title": proposal.title}
                body = _("%(lead)s changed the proposal after you confirmed. Read it again and confirm or decline "
                         "by %(date)s.") % {"lead": proposal.lead_proposer.name, "date": _day(invitation.deadline)}
            else:
                title = _("%(lead)s invites you to co-sign %(proposal)s") % {"lead": proposal.lead_proposer.name,
                                                                             "proposal": _name(proposal)}
                body = _("Read the proposal, then co-sign or decline on your proposals page by %(date)s.") % {
                    "date": _day(invitation.deadline)}
            # asked again: a kind of its own, or the first invitation's notice (same record and day) would swallow it
            notify(kind=Kind.GENERIC if event.again else Kind.COSIGN_INVITED, recipient=invitation.member.user,
                   obj=invitation, due=invitation.deadline, title=title, body=body, url=url)


@subscribe(CoAuthorsInvited)
def tell_invited_coauthors(event: CoAuthorsInvited) -> None:
    """Each member with a login named as co-author: whose report, and by when to confirm or decline."""
    invitations = (CoAuthorInvitation.objects.filter(report_id=event.report_id, member_id__in=event.member_ids,
                                                     status=CoAuthorInvitation.Status.INVITED,
                                                     member__user__is_active=True)
                   .select_related("report__author", "member__user"))
    url = reverse("proposals:report_detail", args=[event.report_id])
    with translation.override(settings.LANGUAGE_CODE):
        for invitation in invitations:
            report = invitation.report
            title = _("Co-author invitation: 《%(title)s》") % {"title": report.title}
            body = _("%(author)s named you as co-author of a public-opinion report. Read it and confirm or decline "
                     "by %(date)s.") % {"author": report.author.name, "date": _day(invitation.deadline)}
            notify(kind=Kind.GENERIC, recipient=invitation.member.user, obj=invitation, due=invitation.deadline,
                   title=title, body=body, url=url)
