"""Reminder rules of the activities: activity tomorrow, leave request waiting, members without 三进 this quarter.

Registered with the notification core (``docs/NOTIFICATIONS.md``); ``manage.py setup_schedules`` creates their
beat entries, where staff change the time and the lead days. Each rule reads its rows in a fixed number of
queries and yields one ``Reminder`` per recipient; ``notify()`` makes a rerun send nothing new.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from activities.models import Activity, ActivitySettings, Attendance, Evidence, PublicMessage
from activities.selectors import activities as sel
from core.dates import during, on_day
from core.ordinals import quarter_label
from groups import recipients
from groups.models import ActivityGroup, Member
from notifications import rules
from notifications.models import Kind

UPCOMING = (Activity.State.PLANNED, Activity.State.ANNOUNCED)


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _when(activity: Activity) -> str:
    start = timezone.localtime(activity.starts_at)
    return f"{_day(start.date())} {start:%H:%M}"


@rules.register("activity_tomorrow", kind=Kind.ACTIVITY_TOMORROW, lead_days=1, hour="18", minute="0")
def activity_tomorrow(*, today: date, lead_days: int):
    """Invited members hear about an activity the day before (lead days: how many days ahead)."""
    day = today + timedelta(days=lead_days)
    invitations = (
        Attendance.objects.filter(
            on_day("activity__starts_at", day),
            activity__state__in=UPCOMING,
            member__status=Member.Status.ACTIVE,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        .exclude(leave=Attendance.Leave.APPROVED)
        .select_related("activity", "member__user")
        .order_by("activity_id", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for inv in invitations.iterator(chunk_size=1000):
            a = inv.activity
            title = (_("Activity tomorrow: %(title)s") if lead_days == 1 else _("Activity on %(date)s: %(title)s")) % {
                "title": a.title,
                "date": _day(day),
            }
            body = _("%(when)s at %(place)s. Open the activity for details or to ask for leave.") % {
                "when": _when(a),
                "place": a.place or _("the place to be announced"),
            }
            yield rules.Reminder(
                recipient=inv.member.user,
                obj=a,
                due=day,
                title=title,
                body=body,
                url=reverse("activities:activity_detail", args=[a.pk]),
            )


@rules.register("leave_request_waiting", kind=Kind.LEAVE_REQUEST_WAITING, lead_days=0, hour="9", minute="0")
def leave_request_waiting(*, today: date, lead_days: int):
    """The group's conveners hear about leave requests waiting for a decision (asked at least lead days ago)."""
    waiting = (
        Attendance.objects.filter(
            during("activity__starts_at", today, None),
            leave=Attendance.Leave.REQUESTED,
            activity__group__isnull=False,
            activity__state__in=UPCOMING,
        )
        .select_related("activity", "member")
        .order_by("activity__starts_at", "pk")
    )
    if lead_days > 0:
        waiting = waiting.filter(during("leave_requested_at", None, today - timedelta(days=lead_days)))
    waiting = list(waiting)
    conveners = recipients.group_conveners(att.activity.group_id for att in waiting)
    with translation.override(settings.LANGUAGE_CODE):
        for att in waiting:
            a = att.activity
            title = _("Leave request from %(member)s for %(title)s") % {"member": att.member.name, "title": a.title}
            body = _("The activity starts %(when)s. Reason: %(reason)s. Please approve or refuse it before then.") % {
                "when": _when(a),
                "reason": att.leave_reason or "—",
            }
            for user in conveners.get(a.group_id, []):
                yield rules.Reminder(
                    recipient=user,
                    obj=att,
                    due=timezone.localtime(a.starts_at).date(),
                    title=title,
                    body=body,
                    url=reverse("activities:activity_detail", args=[a.pk]),
                )


@rules.register(
    "no_sanjin_activity", kind=Kind.NO_SANJIN_ACTIVITY, lead_days=0, day_of_month="10", hour="9", minute="0"
)
def no_sanjin_activity(*, today: date, lead_days: int):
    """Monthly: each group's conveners hear how many members have not taken part in a 三进 activity this quarter."""
    period = sel.Period.of(today)
    groups = [
        g
        for g in sel.groups_coverage(ActivityGroup.objects.filter(is_active=True), period)
        if g.member_count > g.covered_count
    ]
    conveners = recipients.group_conveners(g.pk for g in groups)
    due = today.replace(day=1)  # once a month
    with translation.override(settings.LANGUAGE_CODE):
        for g in groups:
            count = g.member_count - g.covered_count
            title = _("%(group)s: %(count)s members without a three enters activity this quarter") % {
                "group": g.name,
                "count": count,
            }
            body = _(
                "%(covered)s of %(total)s members have taken part in a three enters activity in %(quarter)s "
                "%(year)s; the quarter ends on %(end)s."
            ) % {
                "covered": g.covered_count,
                "total": g.member_count,
                "quarter": quarter_label(period.quarter),
                "year": period.year,
                "end": _day(period.end_day - timedelta(days=1)),
            }
            url = reverse("activities:group_activities", args=[g.pk]) + f"?year={period.year}&quarter={period.quarter}"
            for user in conveners.get(g.pk, []):
                yield rules.Reminder(recipient=user, obj=g, due=due, title=title, body=body, url=url)


def _missing(activity: Activity, book: ActivitySettings) -> list[str]:
    """``services.activities.missing_for_filing`` from the counts annotated on the row (no query per activity)."""
    missing = []
    if activity.photos < book.min_photos:
        missing.append(_("at least %(n)s photo(s)") % {"n": book.min_photos})
    if activity.documents < book.min_documents:
        missing.append(_("at least %(n)s document(s)") % {"n": book.min_documents})
    if book.require_complete_attendance and activity.unrecorded:
        missing.append(_("the attendance of every invited member"))
    if not activity.summary.strip():
        missing.append(_("a summary"))
    return missing


@rules.register("evidence_missing", kind=Kind.EVIDENCE_MISSING, lead_days=3, hour="9", minute="30")
def evidence_missing(*, today: date, lead_days: int):
    """The conveners of a group (a committee activity: its staff) hear, lead days after an activity was held,
    what its record still lacks before it can be filed in the ledger (photos, documents, attendance, summary).

    Once per activity: due on its day plus lead days; a rule that missed days catches up a week back."""
    last = today - timedelta(days=lead_days)
    held = list(
        Activity.objects.filter(during("starts_at", last - timedelta(days=7), last), state=Activity.State.HELD)
        .annotate(
            photos=Count("evidence", filter=Q(evidence__kind=Evidence.Kind.PHOTO), distinct=True),
            documents=Count("evidence", filter=Q(evidence__kind=Evidence.Kind.DOCUMENT), distinct=True),
            unrecorded=Count("attendances", filter=Q(attendances__status=Attendance.Status.INVITED), distinct=True),
        )
        .order_by("starts_at", "pk")
    )
    committee_rules = {
        r.committee_id: r for r in ActivitySettings.objects.filter(committee_id__in={a.committee_id for a in held})
    }
    conveners = recipients.group_conveners(a.group_id for a in held if a.group_id)
    staff = recipients.committee_staff(a.committee_id for a in held if not a.group_id)
    with translation.override(settings.LANGUAGE_CODE):
        for a in held:
            rules_of = committee_rules.get(a.committee_id) or ActivitySettings(
                committee_id=a.committee_id, **ActivitySettings.DEFAULTS
            )
            missing = _missing(a, rules_of)
            if not missing:
                continue
            title = _("Complete the record of %(title)s") % {"title": a.title}
            body = _("Held on %(when)s; before it can be filed in the ledger it still needs: %(missing)s.") % {
                "when": _when(a),
                "missing": "、".join(missing),
            }
            users = conveners.get(a.group_id, []) if a.group_id else staff.get(a.committee_id, [])
            due = timezone.localtime(a.starts_at).date() + timedelta(days=lead_days)
            for user in users:
                yield rules.Reminder(
                    recipient=user,
                    obj=a,
                    due=due,
                    title=title,
                    body=body,
                    url=reverse("activities:activity_detail", args=[a.pk]),
                )


@rules.register("mailbox_overdue", kind=Kind.MAILBOX_OVERDUE, lead_days=0, hour="9", minute="15")
def mailbox_overdue(*, today: date, lead_days: int):
    """A resident's message not answered by its answer day: the member or group's conveners it was passed to hear
    it, or, while nobody has it yet, the committee's staff. Once per message (keyed on its answer day)."""
    late = list(
        PublicMessage.objects.overdue(today - timedelta(days=lead_days))
        .select_related("routed_member__user")
        .order_by("answer_due", "pk")
    )
    conveners = recipients.group_conveners(m.routed_group_id for m in late if m.routed_group_id)
    staff = recipients.committee_staff(m.committee_id for m in late if m.state == PublicMessage.State.NEW)
    with translation.override(settings.LANGUAGE_CODE):
        for m in late:
            users = list(conveners.get(m.routed_group_id, [])) if m.routed_group_id else []
            if m.routed_member_id and m.routed_member.user_id and m.routed_member.user.is_active:
                users.append(m.routed_member.user)
            if m.state == PublicMessage.State.NEW:
                users += staff.get(m.committee_id, [])
            title = _("A resident's message waits for an answer (%(code)s)") % {"code": m.tracking_display}
            body = _("It was due to be answered by %(due)s: %(category)s.") % {
                "due": _day(m.answer_due),
                "category": m.get_category_display(),
            }
            for user in {u.pk: u for u in users}.values():
                yield rules.Reminder(
                    recipient=user,
                    obj=m,
                    due=m.answer_due,
                    title=title,
                    body=body,
                    url=reverse("activities:message_detail", args=[m.pk]),
                )
