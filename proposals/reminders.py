"""Reminder rules of the proposals: co-sign invitation expiring, reply deadline soon and overdue, rating waiting,
reassignment request waiting, an adopted report without a follow-up.

Registered with the notification core (``docs/NOTIFICATIONS.md``); ``manage.py setup_schedules`` creates their
beat entries (time and lead days editable in the admin). Each rule reads its rows in a fixed number of queries;
``notify()`` keys every reminder on (kind, object, recipient, due) so a rerun sends nothing new.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.dates import during
from groups import recipients
from groups.models import Member
from notifications import rules
from notifications.models import Kind
from proposals.models import Assignment, CoSigner, OpinionReport, Proposal, ProposalSettings, ReportFollowUp


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _url(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


def _name(proposal: Proposal) -> str:
    return f"{proposal.number_with_year}《{proposal.title}》" if proposal.serial_number else f"《{proposal.title}》"


@rules.register("cosign_expiring", kind=Kind.COSIGN_EXPIRING, lead_days=2, hour="9", minute="0")
def cosign_expiring(*, today: date, lead_days: int):
    """Invited members hear that a co-sign invitation ends within lead days (once per invitation)."""
    invitations = (
        CoSigner.objects.filter(
            status=CoSigner.Status.INVITED,
            deadline__gte=today,
            deadline__lte=today + timedelta(days=lead_days),
            member__status=Member.Status.ACTIVE,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        .select_related("proposal__lead_proposer", "member__user")
        .order_by("deadline", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for inv in invitations.iterator(chunk_size=1000):
            p = inv.proposal
            title = _("Co-sign invitation for %(proposal)s ends on %(date)s") % {
                "proposal": _name(p),
                "date": _day(inv.deadline),
            }
            body = _("%(lead)s invited you to co-sign. Confirm or decline by %(date)s.") % {
                "lead": p.lead_proposer.name,
                "date": _day(inv.deadline),
            }
            yield rules.Reminder(
                recipient=inv.member.user, obj=inv, due=inv.deadline, title=title, body=body, url=_url(p)
            )


def _handling():
    return (
        Proposal.objects.filter(state__in=Proposal.HANDLING_STATES, reply_due__isnull=False, lead_unit__isnull=False)
        .select_related("lead_unit", "supervising_leader__user")
        .order_by("reply_due", "pk")
    )


@rules.register("reply_due_soon", kind=Kind.REPLY_DUE_SOON, lead_days=7, hour="9", minute="0")
def reply_due_soon(*, today: date, lead_days: int):
    """The lead unit's users hear that a reply is due within lead days (once per deadline)."""
    proposals = list(_handling().filter(reply_due__gte=today, reply_due__lte=today + timedelta(days=lead_days)))
    users = recipients.unit_users(p.lead_unit_id for p in proposals)
    with translation.override(settings.LANGUAGE_CODE):
        for p in proposals:
            days = (p.reply_due - today).days
            title = _("Reply to %(proposal)s due on %(date)s") % {"proposal": _name(p), "date": _day(p.reply_due)}
            body = _("%(unit)s: %(days)s days left to reply to this proposal.") % {
                "unit": p.lead_unit.name,
                "days": days,
            }
            for user in users.get(p.lead_unit_id, []):
                yield rules.Reminder(recipient=user, obj=p, due=p.reply_due, title=title, body=body, url=_url(p))


@rules.register("reply_overdue", kind=Kind.REPLY_OVERDUE, lead_days=0, hour="9", minute="5")
def reply_overdue(*, today: date, lead_days: int):
    """Overdue replies (more than lead days late): the lead unit's users, the committee's secretariat staff and,
    for a key proposal, its supervising leader (once per deadline)."""
    proposals = list(_handling().filter(reply_due__lt=today - timedelta(days=lead_days)))
    units = recipients.unit_users(p.lead_unit_id for p in proposals)
    staff = recipients.committee_staff(p.committee_id for p in proposals)
    with translation.override(settings.LANGUAGE_CODE):
        for p in proposals:
            title = _("Reply to %(proposal)s is overdue (due %(date)s)") % {
                "proposal": _name(p),
                "date": _day(p.reply_due),
            }
            body = _("%(unit)s has not replied; the deadline was %(date)s, %(days)s days ago.") % {
                "unit": p.lead_unit.name,
                "date": _day(p.reply_due),
                "days": (today - p.reply_due).days,
            }
            people = [*units.get(p.lead_unit_id, []), *staff.get(p.committee_id, [])]
            leader = p.supervising_leader
            if p.is_key and leader and leader.user_id and leader.user.is_active:
                people.append(leader.user)
            seen = set()
            for user in people:
                if user.pk not in seen:
                    seen.add(user.pk)
                    yield rules.Reminder(recipient=user, obj=p, due=p.reply_due, title=title, body=body, url=_url(p))


@rules.register("rating_waiting", kind=Kind.RATING_WAITING, lead_days=0, hour="9", minute="10")
def rating_waiting(*, today: date, lead_days: int):
    """The lead proposer hears that a reply waits for their rating (once per round; with lead days > 0 only when
    the rating window closes within that many days)."""
    waiting = Proposal.objects.filter(
        state=Proposal.State.REPLIED,
        feedback_due__gte=today,
        lead_proposer__status=Member.Status.ACTIVE,
        lead_proposer__user__isnull=False,
        lead_proposer__user__is_active=True,
    )
    if lead_days > 0:
        waiting = waiting.filter(feedback_due__lte=today + timedelta(days=lead_days))
    waiting = waiting.select_related("lead_proposer__user", "lead_unit").order_by("feedback_due", "pk")
    with translation.override(settings.LANGUAGE_CODE):
        for p in waiting.iterator(chunk_size=1000):
            title = _("Please rate the reply to %(proposal)s by %(date)s") % {
                "proposal": _name(p),
                "date": _day(p.feedback_due),
            }
            body = _(
                "%(unit)s has replied. Rate the reply (satisfied, basically satisfied or unsatisfied) by %(date)s."
            ) % {"unit": p.lead_unit.name if p.lead_unit else _("The handling unit"), "date": _day(p.feedback_due)}
            yield rules.Reminder(
                recipient=p.lead_proposer.user, obj=p, due=p.feedback_due, title=title, body=body, url=_url(p)
            )


@rules.register("reassignment_waiting", kind=Kind.REASSIGNMENT_WAITING, lead_days=0, hour="9", minute="15")
def reassignment_waiting(*, today: date, lead_days: int):
    """Secretariat staff hear about a unit's reassignment request 退回 not yet dealt with (once per request)."""
    reassigned = Assignment.objects.filter(
        proposal_id=OuterRef("proposal_id"), assigned_on__gte=OuterRef("requested_on")
    )
    requests = (
        Assignment.objects.filter(reassignment_requested_at__isnull=False, is_active=False)
        .annotate(requested_on=TruncDate("reassignment_requested_at"))
        .exclude(Exists(reassigned))
        .exclude(proposal__state__in=[Proposal.State.CLOSED, Proposal.State.MERGED])
        .select_related("proposal", "unit")
        .order_by("reassignment_requested_at", "pk")
    )
    if lead_days > 0:
        requests = requests.filter(during("reassignment_requested_at", None, today - timedelta(days=lead_days)))
    requests = list(requests)
    staff = recipients.committee_staff(a.proposal.committee_id for a in requests)
    with translation.override(settings.LANGUAGE_CODE):
        for a in requests:
            p = a.proposal
            asked = timezone.localtime(a.reassignment_requested_at).date()
            title = _("%(unit)s asks to return %(proposal)s") % {"unit": a.unit.name, "proposal": _name(p)}
            body = _("Asked on %(date)s. Reason: %(reason)s. Please assign the proposal again.") % {
                "date": _day(asked),
                "reason": a.reassignment_reason or "—",
            }
            for user in staff.get(p.committee_id, []):
                yield rules.Reminder(recipient=user, obj=a, due=asked, title=title, body=body, url=_url(p))


FOLLOW_UP_DAYS_DEFAULT = ProposalSettings._meta.get_field("report_follow_up_days").default


@rules.register("report_follow_up_due", kind=Kind.REPORT_FOLLOW_UP_DUE, lead_days=0, hour="9", minute="20")
def report_follow_up_due(*, today: date, lead_days: int):
    """Secretariat staff hear once that an adopted report has no follow-up 跟踪促办 the committee's number of days
    after its first adoption (``ProposalSettings.report_follow_up_days``); keyed on that day, so once per report."""
    days = ProposalSettings.objects.filter(committee_id=OuterRef("committee_id")).values("report_follow_up_days")
    reports = (
        OpinionReport.objects.filter(adoptions__isnull=False)
        .exclude(Exists(ReportFollowUp.objects.filter(report_id=OuterRef("pk"))))
        .annotate(adopted_on=Min("adoptions__date"), days=Coalesce(Subquery(days), Value(FOLLOW_UP_DAYS_DEFAULT)))
        .filter(adopted_on__lte=today)
        .order_by("adopted_on", "pk")
    )
    due = [(r, r.adopted_on + timedelta(days=r.days)) for r in reports.only("pk", "title", "committee_id")]
    due = [(r, d) for r, d in due if d <= today + timedelta(days=lead_days)]
    staff = recipients.committee_staff(r.committee_id for r, _d in due)
    with translation.override(settings.LANGUAGE_CODE):
        for r, day in due:
            title = _("No follow-up yet of the adopted report 《%(title)s》") % {"title": r.title}
            body = _("Adopted on %(date)s. Please follow it up with the department and record what was done.") % {
                "date": _day(r.adopted_on)
            }
            url = reverse("proposals:report_detail", args=[r.pk])
            for user in staff.get(r.committee_id, []):
                yield rules.Reminder(recipient=user, obj=r, due=day, title=title, body=body, url=url)
