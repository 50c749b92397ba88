"""Activity pages: the convener's group dashboard, plan editor and activity record; the member's
activities, leave and sign-in; the staff ledger and coverage with Excel export.

A page that shows a record reads it through ``visible_to``/``editable_by`` (403 when out of scope); an action
finds its record among those the user sees, and the service decides whether this user may act on it
(``core.exceptions.NotPermitted``, answered 403 here as everywhere): the pages hold no rule of their own.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import exports
from activities.forms import ActivityForm, EvidenceForm, LeaveForm, PlanItemForm, SuggestionForm
from activities.models import Activity, ActivitySettings, AnnualPlan, Attendance, Evidence, PlanItem
from activities.selectors import activities as sel
from activities.selectors import figures as figure_rows
from activities.services import activities as svc
from core.dates import in_year
from core.exceptions import DomainError, NotPermitted
from core.export_jobs import respond
from core.files import stored_response
from core.forms import call_service, form_error_from, run_button
from core.links import absolute_url
from core.paginator import LookaheadPaginator
from core.parsing import as_bool, as_id, as_int
from core.qr import qr_svg
from core.verbs import timeline
from groups.access import Role, require_role, scope_of
from groups.models import ActivityGroup, Committee, Member

TRANSITIONS = {
    "announce": svc.activity_announce,
    "hold": svc.activity_hold,
    "file": svc.activity_file,
    "cancel": svc.activity_cancel,
}


# the columns an activity's row in a list shows (activities/_activity_row.html, {% activity_row_head %})
ROW_FIELDS = ("pk", "title", "state", "starts_at", "kind", "target", "place", "invited_count", "present_count")


def _get_or_403(qs, **lookup):
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise PermissionDenied
    return obj


def _editable_group(request, pk: int) -> ActivityGroup:
    return _get_or_403(ActivityGroup.objects.editable_by(request.user).select_related("committee"), pk=pk)


def _editable_activity(request, pk: int) -> Activity:
    return _get_or_403(Activity.objects.editable_by(request.user), pk=pk)


def _visible_activity(request, pk: int) -> Activity:
    """The activity an action names, among those the user sees; whether they may act is the service's answer."""
    return _get_or_403(Activity.objects.visible_to(request.user), pk=pk)


def _period(request) -> sel.Period:
    return exports.period_of(request.GET)


# --- Convener -------------------------------------------------------------------------------------


@login_required
def group_activities(request, pk: int):
    """The convener's group dashboard: coverage, next activities, plan progress, recent record."""
    group = _editable_group(request, pk)
    period = _period(request)
    coverage, progress = sel.group_dashboard(group, period)
    # the rows show what _activity_row.html reads (the invited and present counts are the activity's own columns)
    activities = Activity.objects.filter(group=group).only(*ROW_FIELDS)
    # one's own leave request goes to a deputy; the figure links to the same rows (activities:group_rows, "leave")
    leave = figure_rows.group_rows(group, "leave", period, own_member_id=scope_of(request.user).member_id)
    leave_requests, leave_total = figure_rows.first_leave_requests(group, leave)
    context = {
        "group": group,
        "period": period,
        "coverage": coverage,
        "upcoming": list(sel.upcoming(activities)[:5]),
        "recent": list(activities.filter(starts_at__lt=timezone.now()).exclude(state=Activity.State.CANCELLED)[:10]),
        "progress": progress,
        "leave_requests": leave_requests,
        "leave_total": leave_total,
        "quarters": [1, 2, 3, 4],
        "base": urlencode({"year": period.year, "quarter": period.quarter or ""}),
    }
    return render(request, "activities/group_dashboard.html", context)


@login_required
def activity_new(request, pk: int):
    group = _editable_group(request, pk)
    form = ActivityForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            activity = svc.activity_create(actor=request.user, group=group, **form.service_fields())
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            messages.success(request, _("The activity is saved. Announce it when the details are settled."))
            return redirect("activities:activity_detail", activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "group": group})


@login_required
def activity_edit(request, pk: int):
    activity = _editable_activity(request, pk)
    group = activity.group
    if group is None:
        raise PermissionDenied  # committee activities are edited in the admin
    form = ActivityForm(request.POST or None, instance=activity, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            svc.activity_update(
                activity_id=activity.pk,
                actor=request.user,
                version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except DomainError as exc:
            form_error_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("activities:activity_detail", activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "group": group, "activity": activity})


@login_required
def activity_detail(request, pk: int):
    """One activity: for its conveners the record (attendance, leave, evidence, actions); for a member their part."""
    return _activity_page(request, pk)


def _activity_page(
    request,
    pk: int,
    *,
    posted: tuple[dict, dict] | None = None,
    cancel_reason: str = "",
    evidence_form: EvidenceForm | None = None,
):
    """The activity page; ``posted``: the attendance (statuses, reasons) a refused save sent, shown again as sent."""
    can_edit = Activity.objects.editable_by(request.user).filter(pk=pk).exists()
    # who may edit the activity sees it (editable_by is within visible_to): only the others' way in is asked
    activity = _get_or_403(
        sel.activity_record(Activity.objects if can_edit else Activity.objects.visible_to(request.user)), pk=pk
    )
    member_id = scope_of(request.user).member_id
    attendances = list(activity.attendances.select_related("member").order_by("member__name"))
    saved_statuses = [a.status for a in attendances]
    # the attendance card's counts beside the kept present count, of the rows it lists
    activity.excused_count = saved_statuses.count(Attendance.Status.EXCUSED)
    activity.absent_count = saved_statuses.count(Attendance.Status.ABSENT)
    mine = next((a for a in attendances if a.member_id == member_id), None)
    if posted is not None:  # what the convener chose stays on the form (these rows are not saved)
        statuses, reasons = posted
        for row in attendances:
            row.status = statuses.get(row.member_id, row.status)
            row.leave_reason = reasons.get(row.member_id, row.leave_reason)
            row.needs_reason = row.status == Attendance.Status.EXCUSED and not (row.leave_reason or "").strip()
    now = timezone.now()
    recordable = activity.state in (Activity.State.ANNOUNCED, Activity.State.HELD)
    events = timeline(activity) if can_edit else []
    evidence = list(activity.evidence.all())
    rules = ActivitySettings.for_committee(activity.committee_id)
    context = {
        "activity": activity,
        "can_edit": can_edit,
        "mine": mine,
        "attendances": attendances if can_edit else [],
        "leave_requests": [a for a in attendances if a.leave == Attendance.Leave.REQUESTED] if can_edit else [],
        "evidence": evidence,
        "events": events,
        # the labels translated once, not once a row
        "statuses": [
            (value, str(label)) for value, label in Attendance.Status.choices if value != Attendance.Status.INVITED
        ],
        "own_member_id": member_id,
        "window": svc.sign_in_window(activity, rules),
        "missing": _missing_links(activity, rules=rules, evidence=evidence, statuses=saved_statuses)
        if can_edit and activity.state == Activity.State.HELD
        else [],
        "leave_form": LeaveForm(),
        "suggestion_items": list(activity.suggestion_items.all()) if can_edit else [],
        "suggestion_form": SuggestionForm() if can_edit else None,
        "evidence_form": evidence_form or EvidenceForm(),
        "cancel_reason": cancel_reason,
        "now": now,
        # attendance is recorded once the activity has started: before, the page says when
        "attendance_open": recordable and activity.starts_at <= now,
        "attendance_opens_at": activity.starts_at if recordable and activity.starts_at > now else None,
        **_signup_context(request, activity, mine, attendances, can_edit, now),
        **_suggestions_context(request, activity, can_edit),
    }
    return render(request, "activities/activity_detail.html", context)


def _signup_context(request, activity: Activity, mine, attendances, can_edit: bool, now) -> dict:
    """What the sign-up card shows (a fixed number of queries)."""
    if not activity.is_open and not can_edit:
        return {}
    from activities.services import signup as signup_svc

    activity.taken = len(attendances)
    refusal = signup_svc.signup_refusal(activity, taken=activity.taken, now=now)
    scope = scope_of(request.user)
    may_sign_up = bool(
        activity.is_open
        and scope.member_id
        and mine is None
        and Activity.objects.filter(pk=activity.pk).joinable_by(Member.objects.get(pk=scope.member_id)).exists()
    )
    return {
        "may_sign_up": may_sign_up,
        "signup_refusal": refusal,
        "signup_open": activity.is_open
        and activity.state in signup_svc.SIGNUP_STATES
        and now < activity.signup_closes_at,
        "open_groups": [g.name for g in activity.open_groups.all()] if activity.open_to == "groups" else [],
    }


def _suggestions_context(request, activity: Activity, can_edit: bool) -> dict:
    """The organiser's suggested members, while members may be invited, ranked when asked for
    (``?suggestions=1``, the card's link; inviting one comes back to them): ranking the committee's members by
    expertise is the page's biggest statement (10-17 ms at 50k), and most visits to the page are for the rest."""
    if not (can_edit and activity.takes_invitations):
        return {}
    from activities.selectors import signup as signup_sel

    shown = as_bool(request.GET.get("suggestions"))
    return {
        "suggestions_card": True,
        "suggestions_shown": shown,
        "suggestions": signup_sel.suggested_members(activity) if shown else [],
    }


def _missing_links(activity: Activity, **read) -> list[tuple[str, str]]:
    """The filing checklist, each item with the link to where it is entered (this page or the edit page); ``read``:
    the rules, evidence and saved statuses the page has read (``missing_for_filing_items``)."""
    edit = reverse("activities:activity_edit", args=[activity.pk]) if activity.group_id else ""
    places = {"evidence": "#evidence", "attendance": "#attendance", "summary": f"{edit}#id_summary" if edit else ""}
    return [(label, places.get(where, "")) for label, where in svc.missing_for_filing_items(activity, **read)]


@login_required
@require_POST
def activity_transition(request, pk: int, action: str):
    activity = _visible_activity(request, pk)
    if action not in TRANSITIONS:
        raise PermissionDenied
    kwargs = {"reason": request.POST.get("reason", "")} if action == "cancel" else {}
    try:
        TRANSITIONS[action](activity_id=activity.pk, actor=request.user, **kwargs)
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        if action == "cancel":  # the reason typed stays in its box
            return _activity_page(request, pk, cancel_reason=kwargs["reason"])
    else:
        messages.success(
            request, _("The activity is now “%(state)s”.") % {"state": Activity.objects.get(pk=pk).get_state_display()}
        )
    return redirect("activities:activity_detail", pk)


@login_required
@require_POST
def attendance_record(request, pk: int):
    """The whole group's attendance in one form: ``status_<member id>`` and ``reason_<member id>``; with
    ``all_present`` (全部出席) every invited member the form leaves unset is recorded present."""
    activity = _visible_activity(request, pk)
    statuses, reasons = {}, {}
    for key, value in request.POST.items():
        if key.startswith("status_") and as_id(key[7:]) and value:
            statuses[as_id(key[7:])] = value
        elif key.startswith("reason_") and as_id(key[7:]) and value.strip():
            reasons[as_id(key[7:])] = value
    if "all_present" in request.POST:  # 全部出席: every row not set otherwise in this form is present
        own = scope_of(request.user).member_id
        for member_id in activity.attendances.exclude(member_id=own).values_list("member_id", flat=True):
            statuses.setdefault(member_id, Attendance.Status.PRESENT)
    try:
        posted = request.POST.get("version")  # unreadable: treated as stale (a conflict message, not a 500)
        svc.attendance_record(
            activity_id=activity.pk,
            actor=request.user,
            version=as_int(posted, -1, low=0) if posted else None,
            statuses=statuses,
            reasons=reasons,
        )
        if as_bool(request.POST.get("and_hold")) and Activity.objects.get(pk=pk).state == Activity.State.ANNOUNCED:
            svc.activity_hold(activity_id=activity.pk, actor=request.user)
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        return _activity_page(request, pk, posted=(statuses, reasons))  # what was chosen and typed stays
    messages.success(request, _("Attendance saved."))
    return redirect(reverse("activities:activity_detail", args=[pk]) + "#attendance")


@login_required
@require_POST
def leave_decide(request, pk: int):
    attendance = _get_or_403(Attendance.objects.visible_to(request.user), pk=pk)
    run_button(
        request,
        lambda: svc.attendance_decide_leave(
            attendance_id=attendance.pk, actor=request.user, approve=request.POST.get("decision") == "approve"
        ),
    )
    return redirect(reverse("activities:activity_detail", args=[attendance.activity_id]) + "#attendance")


@login_required
@require_POST
def evidence_upload(request, pk: int):
    activity = _visible_activity(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        done = call_service(
            form,
            lambda: svc.evidence_upload(
                activity_id=activity.pk,
                actor=request.user,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
            ),
        )
        if done is not None:
            messages.success(request, _("The file is attached."))
            return redirect(reverse("activities:activity_detail", args=[pk]) + "#evidence")
    elif not svc.may_edit(activity, request.user):  # no file to hand the service: the same rule, answered here
        raise PermissionDenied
    # the caption typed stays; the messages are said on top, and the file field is marked
    messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return _activity_page(request, pk, evidence_form=form)


@login_required
def evidence_file(request, pk: int, thumbnail: bool = False):
    evidence = _get_or_403(Evidence.objects.visible_to(request.user), pk=pk)
    stored = evidence.thumbnail if thumbnail and evidence.thumbnail else evidence.file
    content_type = "image/jpeg" if stored is evidence.thumbnail else evidence.content_type
    return stored_response(stored, content_type=content_type)


@login_required
def sign_in_sheet(request, pk: int):
    """The paper sign-in sheet 签到表 the convener prints: the invited members and an empty signature cell each."""
    activity = _get_or_403(Activity.objects.editable_by(request.user).select_related("group", "contact_point"), pk=pk)
    members = [a.member for a in activity.attendances.select_related("member").order_by("member__name")]
    return render(request, "activities/sign_in_sheet.html", {"activity": activity, "members": members})


@login_required
def sign_in_screen(request, pk: int):
    """The convener's full-screen sign-in code for the projector: a new QR code every 30 seconds, fetched by a
    meta refresh (the CSP allows no inline script)."""
    activity = _editable_activity(request, pk)
    now = timezone.now()
    opens, closes = svc.sign_in_window(activity)
    is_open = activity.state in (Activity.State.ANNOUNCED, Activity.State.HELD) and opens <= now <= closes
    qr = ""
    if is_open:
        url = absolute_url(reverse("activities:sign_in", args=[activity.pk, svc.sign_in_code(activity.pk, now=now)]))
        qr = qr_svg(url)
    counts = sel.attendance_counts(activity)
    response = render(
        request,
        "activities/sign_in_screen.html",
        {
            "activity": activity,
            "window": (opens, closes),
            "is_open": is_open,
            "qr": qr,
            "counts": counts,
            "refresh": svc.seconds_to_next_code(now) if is_open else svc.SIGN_IN_CODE_SECONDS,
            "seconds": svc.SIGN_IN_CODE_SECONDS,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Plan ---------------------------------------------------------------------------------------


@login_required
def plan_edit(request, pk: int, year: int):
    """The annual plan editor: items by month, each with type, contact point and responsible members."""
    group = _editable_group(request, pk)
    plan = AnnualPlan.objects.filter(group=group, year=year).first()
    item = None
    if plan and request.GET.get("item"):
        item = _get_or_403(plan.items.all(), pk=request.GET["item"])
    form = PlanItemForm(request.POST or None, instance=item, group=group)
    if request.method == "POST":
        try:
            if plan is None:
                plan = svc.plan_create(group=group, year=year, actor=request.user)
                messages.success(request, _("The plan for %(year)s is started.") % {"year": year})
                return redirect("activities:plan", pk, year)
            if form.is_valid():
                svc.plan_item_save(
                    plan=plan,
                    actor=request.user,
                    item=item,
                    responsible=form.cleaned_data["responsible"],
                    **form.service_fields(),
                )
                messages.success(request, _("Plan item saved."))
                return redirect("activities:plan", pk, year)
        except DomainError as exc:
            form_error_from(exc, form)
    context = {
        "group": group,
        "year": year,
        "plan": plan,
        "form": form,
        "item": item,
        "items": list(sel.plan_items(plan)) if plan else [],
        "progress": sel.plan_progress(group, year) if plan else [],
    }
    return render(request, "activities/plan.html", context)


@login_required
@require_POST
def plan_item_delete(request, pk: int):
    item = _get_or_403(PlanItem.objects.visible_to(request.user).select_related("plan"), pk=pk)
    try:
        svc.plan_item_delete(item_id=item.pk, actor=request.user)
    except NotPermitted:
        raise PermissionDenied from None
    messages.success(request, _("Plan item removed."))
    return redirect("activities:plan", item.plan.group_id, item.plan.year)


# --- Member ---------------------------------------------------------------------------------------


@login_required
def my_activities(request):
    scope = scope_of(request.user)
    if Role.MEMBER not in scope.roles:
        raise PermissionDenied
    now = timezone.now()
    mine = sel.my_attendances(scope.member_id)
    is_upcoming = Q(activity__ends_at__gte=now, activity__state__in=[Activity.State.PLANNED, Activity.State.ANNOUNCED])
    upcoming = list(mine.filter(is_upcoming).order_by("activity__starts_at"))
    past = mine.exclude(is_upcoming)
    years = sorted({d.year for d in past.datetimes("activity__starts_at", "year")}, reverse=True)
    year = as_id(request.GET.get("year"))
    if year:
        past = past.filter(in_year("activity__starts_at", year))
    if request.GET.get("status") in Attendance.Status.values:
        past = past.filter(status=request.GET["status"])
    if request.GET.get("q", "").strip():
        past = past.filter(activity__title__icontains=request.GET["q"].strip())
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(past, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/my_activities.html",
        {
            "upcoming": upcoming,
            "page_obj": page,
            "now": now,
            "leave_form": LeaveForm(),
            "years": years,
            "year": year,
            "statuses": Attendance.Status.choices,
            "status": request.GET.get("status", ""),
            "q": request.GET.get("q", "").strip(),
            "query": query.urlencode(),
        },
    )


def _back(request):
    """Back to the page the member acted on (``next``, this site's only), else their activities."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("activities:my_activities")
    return redirect(target)


@login_required
@require_POST
def leave_request(request, pk: int):
    activity = _get_or_403(Activity.objects.visible_to(request.user), pk=pk)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the leave."))
    else:
        run_button(
            request,
            lambda: svc.attendance_request_leave(
                activity_id=activity.pk, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            _("Your leave request is sent to the convener."),
        )
    return _back(request)


@login_required
@require_POST
def leave_withdraw(request, pk: int):
    """The member takes back their own undecided leave request."""
    activity = _get_or_403(Activity.objects.visible_to(request.user), pk=pk)
    run_button(
        request,
        lambda: svc.attendance_withdraw_leave(activity_id=activity.pk, actor=request.user),
        _("Your leave request is withdrawn."),
    )
    return _back(request)


@login_required
@require_POST
def evidence_delete(request, pk: int):
    """The convener removes a wrong photo or document before the activity is filed."""
    evidence = _get_or_403(Evidence.objects.visible_to(request.user), pk=pk)
    run_button(
        request, lambda: svc.evidence_delete(evidence_id=evidence.pk, actor=request.user), _("The file is removed.")
    )
    return redirect(reverse("activities:activity_detail", args=[evidence.activity_id]) + "#evidence")


@login_required
def sign_in(request, pk: int, code: str):
    """The page a member reaches by scanning the convener's screen: one button, disabled when they cannot sign in."""
    activity = _get_or_403(Activity.objects.visible_to(request.user).select_related("group", "committee"), pk=pk)
    result = None
    if request.method == "POST":
        try:
            svc.attendance_sign_in(activity_id=activity.pk, code=code, actor=request.user)
        except DomainError as exc:
            result = ("danger", " ".join(exc.messages))
        else:
            result = ("success", _("Signed in. Thank you for coming!"))
    member_id = scope_of(request.user).member_id
    mine = Attendance.objects.filter(activity=activity, member_id=member_id).first() if member_id else None
    refusal = None
    if not (mine and mine.status == Attendance.Status.PRESENT):
        refusal = svc.sign_in_refusal(activity, mine, code=code, now=timezone.now())
    return render(
        request,
        "activities/sign_in.html",
        {
            "activity": activity,
            "mine": mine,
            "result": result,
            "refusal": refusal,
            "window": svc.sign_in_window(activity),
        },
    )


# --- Staff --------------------------------------------------------------------------------------


def _export_query(request) -> str:
    """The page's query without the export and the page number: what an export prepared later is filtered by."""
    query = request.GET.copy()
    for name in ("export", "page"):
        query.pop(name, None)
    return query.urlencode()


@login_required
def ledger(request):
    """The ledger 台账 of every group the user reads, filtered, paginated, exportable to Excel."""
    require_role(request.user, Role.STAFF, Role.LEADER)
    if request.GET.get("export") == "xlsx":
        return respond(request, exports.LEDGER, {"query": _export_query(request)})
    qs, filterset = exports.ledger_rows(request.user, request.GET, rows=sel.ledger_page)
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault(
            "class", "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
        )
    query = request.GET.copy()
    query.pop("page", None)
    # a page reads its 31 rows; the count is exact up to 1,000 activities, PostgreSQL's estimate past them
    page = LookaheadPaginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request, "activities/ledger.html", {"filter": filterset, "page_obj": page, "query": query.urlencode()}
    )


@login_required
def attendance_rows(request, pk: int):
    """The attendances behind a per-activity figure of the ledger or the convener's dashboard (``status``, or
    ``method`` of the present): the committee's staff and leaders, and whoever edits the activity (its group's
    conveners), who see its attendance on its page too."""
    oversight = bool({Role.STAFF, Role.LEADER} & set(scope_of(request.user).roles))
    if not oversight:
        _editable_activity(request, pk)
    activity = _visible_activity(request, pk)
    status = request.GET.get("status", "")
    method = request.GET.get("method", "")
    rows = sel.attendance_rows(
        activity,
        status=status if status in Attendance.Status.values else "",
        method=method if method in Attendance.Method.values else "",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/attendance_rows.html",
        {
            "activity": activity,
            "oversight": oversight,
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
    )


GROUPS_PER_PAGE = 50  # the coverage page's groups table


@login_required
def coverage(request):
    """Coverage 全覆盖 per committee for a year or quarter, and the groups of one committee a page at a time (the
    committee chosen on its card, by default the first the user reaches: a city's 1,179 groups on one page are a
    second of rendering); the Excel export has every group (of the chosen committee, when one is chosen)."""
    require_role(request.user, Role.STAFF, Role.LEADER)
    if request.GET.get("export") == "xlsx":
        return respond(request, exports.COVERAGE, {"query": _export_query(request)})
    period = _period(request)
    groups = ActivityGroup.objects.visible_to(request.user).filter(is_active=True)
    committee_id = as_id(request.GET.get("committee"))
    committees = sel.committees_coverage(Committee.objects.visible_to(request.user), period)
    shown = committee_id or (committees[0].pk if committees else None)
    page = Paginator(groups.filter(committee_id=shown).order_by("name", "pk"), GROUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("page", None)
    return render(
        request,
        "activities/coverage.html",
        {
            "committees": committees,
            "shown": next((c for c in committees if c.pk == shown), None),
            "groups": sel.with_group_coverage(list(page), period),
            "page_obj": page,
            "period": period,
            "query": query.urlencode(),
            "quarters": [1, 2, 3, 4],
            "base": urlencode({"year": period.year, "quarter": period.quarter or ""}),
        },
    )


@login_required
def coverage_members(request):
    """The members behind a coverage figure (``group`` or ``committee``; ``covered`` 1 or 0; the period)."""
    require_role(request.user, Role.STAFF, Role.LEADER)
    period = _period(request)
    rows = sel.coverage_members(
        ActivityGroup.objects.visible_to(request.user).filter(is_active=True),
        Committee.objects.visible_to(request.user),
        period,
        group_id=as_id(request.GET.get("group")),
        committee_id=as_id(request.GET.get("committee")),
        covered=request.GET.get("covered", ""),
        standing=request.GET.get("standing") == "1",
        in_year=as_int(request.GET.get("in_year"), 0) or None,
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/coverage_members.html",
        {
            "page_obj": page,
            "period": period,
            "query": query.urlencode(),
            "covered": request.GET.get("covered", ""),
            "standing": request.GET.get("standing") == "1",
        },
    )
