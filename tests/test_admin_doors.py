"""Every door of the admin writes through a service: the walk saves and deletes through every registered model
admin (its change form posted back, an inline row removed, the row deleted) and fails on a write that leaves
no audit record. A new model admin needs a builder in ``BUILD``; an admin that writes without a service needs
a reason in ``EXEMPT`` (there is none).
"""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from tests import factories as f
from tests.consultations import factories as cf
from tests.groups import factories as gf
from tests.proposals import factories as pf

pytestmark = pytest.mark.django_db


class _FormParser(HTMLParser):
    """The fields a browser posts from the admin's change form, as drawn."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = self._select = self._textarea = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea] = [self._text.lstrip("\n")]
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def post_data(page) -> dict:
    """The change page's form and inline formsets as drawn, ready to post back unchanged."""
    parser = _FormParser()
    parser.feed(page.content.decode())
    return {k: v if len(v) != 1 else v[0] for k, v in parser.data.items()}


def _last_week():
    return timezone.now() - dt.timedelta(days=7)


def _delivery(w):
    from notifications.models import Delivery

    return Delivery.objects.create(notification=_notification(w), channel="email")


def _notification(w):
    from notifications.models import Notification

    return Notification.objects.create(
        recipient=f.UserFactory(), kind="proposal_filed", title="x", due=timezone.localdate()
    )


def _refusals(response) -> list[str]:
    from django.contrib.messages import ERROR

    return [str(m) for m in getattr(response.wsgi_request, "_messages", []) if m.level >= ERROR]


def _rule_set(w):
    from assessments.services import ruleset_create_from_preset

    return ruleset_create_from_preset(committee=w.city, year=timezone.localdate().year, preset="minhang", actor=None)


def _periodic_task(w):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=10, period="minutes")
    return PeriodicTask.objects.create(name="walk", task="assessments.start_due_rollups", interval=every)


def _group(w):
    group = f.ActivityGroupFactory(committee=w.city)
    f.MembershipFactory(group=group, member=f.MemberFactory(committee=w.city))
    return group


def _attended_activity(w):
    a = gf.ActivityFactory(
        group=_group(w), state="held", starts_at=_last_week(), ends_at=_last_week() + dt.timedelta(hours=2)
    )
    gf.AttendanceFactory(
        activity=a, member=f.MemberFactory(committee=w.city), status="present", signed_in_at=_last_week()
    )
    return a


def _attended_session(w):
    from consultations.models import Attendance

    session = cf.SessionFactory(committee=w.city)
    Attendance.objects.create(session=session, member=f.MemberFactory(committee=w.city), status="present")
    return session


def _plenary_session(w):
    return gf.PlenarySessionFactory(term=w.member_record.term)


def _simple(model_label, kw):
    def build(w):
        from django.apps import apps

        return apps.get_model(model_label).objects.create(**kw(w))

    return build


def _contact(w):
    from groups.models import ConstituentContact

    member = f.MemberFactory(committee=w.city)
    return ConstituentContact.objects.create(
        committee=w.city,
        member=member,
        contacted_on=dt.date(2026, 3, 2),
        place="社区",
        whom_kind="person",
        whom="居民",
        topic="other",
        raised="加装电梯",
    )


def _lead(w):
    from activities.services.leads import lead_create

    return lead_create(
        actor=w.staff, committee_id=w.city.pk, title="电梯", category="other", contact_ids=[_contact(w).pk]
    )


# A row of each model, in the city committee (the walk acts as a superuser: every door is open).
BUILD = {
    "auth.Group": _simple("auth.Group", lambda w: {"name": "walkers"}),
    "authtoken.TokenProxy": lambda w: __import__(
        "rest_framework.authtoken.models"
    ).authtoken.models.TokenProxy.objects.create(user=f.UserFactory()),
    "core.User": lambda w: f.UserFactory(),
    "notifications.Delivery": _delivery,
    "notifications.Notification": _notification,
    "core.OutboxMessage": _simple("core.OutboxMessage", lambda w: {"task": "x.y"}),
    "groups.Committee": lambda w: f.CommitteeFactory(parent=w.city, code="walk"),
    "groups.Term": lambda w: f.TermFactory(committee=w.city),
    "groups.Sector": lambda w: f.SectorFactory(committee=w.city),
    "groups.SpecialCommittee": lambda w: f.SpecialCommitteeFactory(committee=w.city),
    "groups.Member": lambda w: f.MemberFactory(committee=w.city, term=w.member_record.term),
    "groups.ActivityGroup": lambda w: _group(w),
    "groups.ContactPoint": lambda w: f.ContactPointFactory(committee=w.city),
    "groups.Expertise": lambda w: f.ExpertiseFactory(committee=w.city),
    "groups.ConstituentContact": lambda w: _contact(w),
    "activities.Lead": lambda w: _lead(w),
    "groups.Platform": lambda w: f.PlatformFactory(committee=w.city),
    "groups.HandlingUnit": lambda w: f.HandlingUnitFactory(committee=w.city),
    "groups.CommitteeStaff": lambda w: f.StaffPositionFactory(committee=w.city),
    "groups.GroupMembership": lambda w: f.MembershipFactory(group=_group(w), member=f.MemberFactory(committee=w.city)),
    "activities.Activity": _attended_activity,
    "activities.Attendance": lambda w: _attended_activity(w).attendances.get(),
    "activities.Evidence": None,  # rows come from uploads (the service); the walk's activity has none
    "activities.AnnualPlan": lambda w: gf.AnnualPlanFactory(group=_group(w)),
    "activities.PlanItem": lambda w: gf.PlanItemFactory(plan=gf.AnnualPlanFactory(group=_group(w))),
    "activities.ActivitySettings": _simple("activities.ActivitySettings", lambda w: {"committee": w.city}),
    "groups.PlenarySession": _plenary_session,
    "plenary.PlenaryAttendance": None,  # read-only list; deletes checked in tests/plenary/test_plenary.py
    "proposals.Proposal": lambda w: pf.ProposalFactory(committee=w.city),
    "proposals.OpinionReport": lambda w: pf.OpinionReportFactory(committee=w.city),
    "proposals.ReportIssue": None,  # compiled by ``issue_compile``; the walk builds none
    "proposals.ProposalSettings": _simple("proposals.ProposalSettings", lambda w: {"committee": w.city}),
    "proposals.ResultCode": _simple("proposals.ResultCode", lambda w: {"committee": w.city, "code": "Z", "label": "z"}),
    "proposals.NotFilingGround": _simple(
        "proposals.NotFilingGround", lambda w: {"committee": w.city, "text": "本市规定的其他情形"}
    ),
    "proposals.Holiday": _simple(
        "proposals.Holiday",
        lambda w: {"committee": w.city, "date": dt.date(2026, 10, 1), "kind": "holiday", "name": "国庆"},
    ),
    "consultations.Topic": lambda w: cf.TopicFactory(committee=w.city),
    "consultations.ConsultationSession": _attended_session,
    "consultations.Outcome": lambda w: cf.OutcomeFactory(session=cf.SessionFactory(committee=w.city)),
    "assessments.RuleSet": _rule_set,
    "django_celery_beat.PeriodicTask": _periodic_task,
    "django_celery_beat.IntervalSchedule": lambda w: _periodic_task(w).interval,
    "django_celery_beat.CrontabSchedule": _simple("django_celery_beat.CrontabSchedule", lambda w: {"minute": "5"}),
    "django_celery_beat.SolarSchedule": _simple(
        "django_celery_beat.SolarSchedule", lambda w: {"event": "sunrise", "latitude": 30, "longitude": 114}
    ),
    "django_celery_beat.ClockedSchedule": _simple(
        "django_celery_beat.ClockedSchedule", lambda w: {"clocked_time": timezone.now()}
    ),
    "axes.AccessAttempt": _simple("axes.AccessAttempt", lambda w: {"username": "x", "failures_since_start": 1}),
    "axes.AccessLog": _simple("axes.AccessLog", lambda w: {"username": "x"}),
    "axes.AccessFailureLog": _simple("axes.AccessFailureLog", lambda w: {"username": "x", "locked_out": False}),
}

# Admins that write without a service, with the reason. Empty: every write goes through one.
EXEMPT: dict[str, str] = {}


def _url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def _writes(model_admin, request):
    return model_admin.has_change_permission(request) or model_admin.has_delete_permission(request)


def _door_check(client, model, obj, failures, checked):
    label = model._meta.label
    page = client.get(_url(model, "change", obj.pk))
    if page.status_code == 200 and page.context and page.context.get("has_change_permission", False):
        data = post_data(page)
        before = AuditEvent.objects.count()
        response = client.post(_url(model, "change", obj.pk), data)
        checked.append(f"{label} change")
        if response.status_code != 302:
            errors = response.context and response.context.get("errors")
            failures.append(f"{label}: the change form posted back was refused: {errors}")
        elif _refusals(response):
            failures.append(f"{label}: the change form posted back was refused: {_refusals(response)}")
        elif AuditEvent.objects.count() == before:
            failures.append(f"{label}: a change through the admin left no audit record")
        _inline_check(client, model, obj, failures, checked)
    if model._meta.model.objects.filter(pk=obj.pk).exists():
        before = AuditEvent.objects.count()
        client.post(_url(model, "delete", obj.pk), {"post": "yes"})
        checked.append(f"{label} delete")
        if not model._meta.model.objects.filter(pk=obj.pk).exists() and AuditEvent.objects.count() == before:
            failures.append(f"{label}: a delete through the admin left no audit record")


def _inline_check(client, model, obj, failures, checked):
    """Remove the first row of each inline that has one and allows it: the row's own door must audit."""
    page = client.get(_url(model, "change", obj.pk))
    for inline in page.context.get("inline_admin_formsets", []):
        formset = inline.formset
        if not formset.can_delete or not formset.initial_forms or not inline.has_delete_permission:
            continue
        data = post_data(page)
        data[f"{formset.prefix}-0-DELETE"] = "on"
        before = AuditEvent.objects.count()
        response = client.post(_url(model, "change", obj.pk), data)
        checked.append(f"{model._meta.label} inline {formset.model._meta.label}")
        gone = not formset.model._default_manager.filter(pk=formset.initial_forms[0].instance.pk).exists()
        if response.status_code != 302 or _refusals(response):
            failures.append(
                f"{model._meta.label}: removing a {formset.model._meta.label} row was refused: "
                f"{_refusals(response) or response.context.get('errors')}"
            )
        elif gone and AuditEvent.objects.count() == before:
            failures.append(f"{model._meta.label}: removing a {formset.model._meta.label} row left no audit record")
        page = client.get(_url(model, "change", obj.pk))


def test_every_admin_write_goes_through_a_service(world, client_for):
    superuser = f.UserFactory(is_superuser=True, is_staff=True)
    client = client_for(superuser)
    request = type("R", (), {"user": superuser})()
    failures, checked = [], []
    for model, model_admin in list(admin.site._registry.items()):
        label = model._meta.label
        if label in EXEMPT or not _writes(model_admin, request):
            continue
        assert label in BUILD, f"{type(model_admin).__name__}: add a builder for {label} to BUILD"
        if BUILD[label] is None:
            continue
        _door_check(client, model, BUILD[label](world), failures, checked)
    assert not failures, "\n".join(failures)
    assert len(checked) > 60, checked  # the walk reached the doors
    assert {
        "activities.Activity inline activities.Attendance",
        "consultations.ConsultationSession inline consultations.Attendance",
        "assessments.RuleSet inline assessments.PointRule",
    } <= set(checked)


def test_the_walk_catches_an_admin_that_saves_directly(world, client_for, monkeypatch):
    """The walk's own check: a model admin with Django's stock writes fails it."""
    from django.contrib.admin import ModelAdmin

    from groups.models import Sector

    model_admin = admin.site._registry[Sector]
    for name in ("save_model", "delete_model"):
        monkeypatch.setattr(model_admin, name, getattr(ModelAdmin, name).__get__(model_admin))
    failures, checked = [], []
    superuser = f.UserFactory(is_superuser=True, is_staff=True)
    _door_check(client_for(superuser), Sector, f.SectorFactory(committee=world.city), failures, checked)
    assert failures == [
        "groups.Sector: a change through the admin left no audit record",
        "groups.Sector: a delete through the admin left no audit record",
    ]


def test_the_beat_schedules_enable_and_disable_actions_save_each_task_with_an_audit_record(world, client_for):
    task = _periodic_task(world)
    client = client_for(f.UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:django_celery_beat_periodictask_changelist")
    for action, enabled in (("disable_tasks", False), ("toggle_tasks", True), ("enable_tasks", True)):
        before = AuditEvent.objects.count()
        assert client.post(url, {"action": action, "_selected_action": [task.pk]}).status_code == 302
        task.refresh_from_db()
        assert task.enabled is enabled and AuditEvent.objects.count() == before + 1


def test_a_password_set_in_the_admin_is_audited(world, client_for):
    user = f.UserFactory()
    client = client_for(f.UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(
        url, {"password1": "Xk3!long-enough-pass", "password2": "Xk3!long-enough-pass", "usable_password": "true"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="password_set", object_id=str(user.pk)).exists()


def test_a_past_version_is_shown_in_the_history_but_never_restored(world, client_for):
    from groups.models import Sector

    sector = f.SectorFactory(committee=world.city, name="旧名")
    client = client_for(f.UserFactory(is_superuser=True, is_staff=True))
    client.post(
        reverse("admin:groups_sector_change", args=[sector.pk]),
        {**post_data(client.get(reverse("admin:groups_sector_change", args=[sector.pk]))), "name": "新名"},
    )
    first = sector.history.order_by("history_id").first()
    url = reverse("admin:groups_sector_simple_history", args=[sector.pk, first.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "旧名", "committee": world.city.pk, "order": 0}).status_code == 403
    assert Sector.objects.get(pk=sector.pk).name == "新名"


# Fields named like a workflow's that are not one: recorded facts the admin corrects through their service.
NOT_WORKFLOW = {
    "activities.Attendance.status": "who was there; corrected through attendance_correct (state checks, stale roll-ups)",
    "consultations.Attendance.status": "who was there; corrected through attendance_set",
    "groups.Member.status": "a member's standing (active, left), reference data of the roll",
}


def test_workflow_fields_are_read_only_in_every_admin_and_transitions_are_actions(world):
    superuser = f.UserFactory(is_superuser=True, is_staff=True)
    request = type("R", (), {"user": superuser, "GET": {}, "POST": {}})()
    editable = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_change_permission(request):
            continue
        for name in ("state", "status"):
            label = f"{model._meta.label}.{name}"
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if label in NOT_WORKFLOW or name in model_admin.get_readonly_fields(request, None):
                continue
            form_fields = model_admin.get_form(request, None).base_fields
            if name in form_fields:
                editable.append(label)
    assert not editable, editable


def test_a_sessions_transitions_are_admin_actions_through_the_services(world, client_for):
    session = cf.SessionFactory(committee=world.district, starts_at=_last_week(), state="planned")
    client = client_for(world.district_staff)
    response = client.post(
        reverse("admin:consultations_consultationsession_changelist"),
        {"action": "hold_selected", "_selected_action": [session.pk]},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == "held" and AuditEvent.objects.filter(verb="held", object_id=str(session.pk)).exists()
