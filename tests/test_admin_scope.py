"""Every door of the admin, as the staff of one district: no choice reaches another committee's rows.

For every registered model admin (add form, change form, inlines) the district's staff can open, every
relation field (select, autocomplete, raw id, many-to-many, declared) refuses the id of a row of another
committee; an admin they cannot use refuses them outright. A relation to a model with no entry in ``FOREIGN``
fails the test: say how to build that model's row in another committee (and scope its choices).
"""

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from activities.models import Attendance
from groups.models import Committee, CommitteeStaff, HandlingUnit, Member
from tests import factories as f
from tests.consultations import factories as cf
from tests.groups import factories as gf
from tests.proposals import factories as pf

pytestmark = pytest.mark.django_db


def _rollup_run(world):
    from assessments.models import RollupRun

    return RollupRun.objects.create(committee=world.other, year=2025, quarter=1)


def _notification(world):
    from notifications.models import Notification

    return Notification.objects.create(recipient=world.outsider_member.user, kind="proposal_filed", title="x")


# A row of each choosable model in a committee the district's staff do not administer.
FOREIGN = {
    "groups.Committee": lambda w: w.city,
    "groups.Term": lambda w: w.outsider_member.term,
    "groups.Sector": lambda w: f.SectorFactory(committee=w.other),
    "groups.SpecialCommittee": lambda w: f.SpecialCommitteeFactory(committee=w.other),
    "groups.Member": lambda w: w.outsider_member,
    "groups.ActivityGroup": lambda w: f.ActivityGroupFactory(committee=w.other),
    "groups.ContactPoint": lambda w: f.ContactPointFactory(committee=w.other),
    "groups.Expertise": lambda w: f.ExpertiseFactory(committee=w.other),
    "groups.Platform": lambda w: f.PlatformFactory(committee=w.other),
    "groups.HandlingUnit": lambda w: f.HandlingUnitFactory(committee=w.other),
    "activities.Activity": lambda w: gf.ActivityFactory(group=f.ActivityGroupFactory(committee=w.other)),
    "activities.AnnualPlan": lambda w: gf.AnnualPlanFactory(group=f.ActivityGroupFactory(committee=w.other)),
    "activities.PlanItem": lambda w: gf.PlanItemFactory(plan__group=f.ActivityGroupFactory(committee=w.other)),
    "consultations.Topic": lambda w: cf.TopicFactory(committee=w.other),
    "consultations.ConsultationSession": lambda w: cf.SessionFactory(committee=w.other),
    "consultations.Outcome": lambda w: cf.OutcomeFactory(session=cf.SessionFactory(committee=w.other)),
    "proposals.Proposal": lambda w: pf.ProposalFactory(committee=w.other),
    "proposals.OpinionReport": lambda w: pf.OpinionReportFactory(committee=w.other),
    "assessments.RollupRun": _rollup_run,
    "core.User": lambda w: w.outsider_member.user,  # another committee's login
    "notifications.Notification": _notification,
}


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _forms(model_admin, request, obj):
    """The admin's form and its inlines' forms, with the relation fields a user posts ids into."""
    yield type(model_admin).__name__, model_admin.get_form(request, obj, change=obj is not None), set()
    for inline in model_admin.get_inline_instances(request, obj):
        formset = inline.get_formset(request, obj)
        yield type(inline).__name__, formset.form, {formset.fk.name, inline.model._meta.pk.name}


def _doors(world):
    request = _request(world.district_staff)
    for model, model_admin in admin.site._registry.items():
        opened = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        if not opened:
            yield model, model_admin, None
            continue
        in_scope = model_admin.get_queryset(request).first()
        for obj in (None, in_scope) if in_scope is not None else (None,):
            for name, form_class, skip in _forms(model_admin, request, obj):
                yield model, model_admin, (name, obj, form_class, skip)


def test_every_admin_door_refuses_ids_from_outside_the_staff_scope(world, client_for):
    foreign: dict = {}
    refused, checked = [], 0
    client = client_for(world.district_staff)
    for model, model_admin, door in _doors(world):
        if door is None:  # not theirs to use: the add page itself is refused
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert client.post(url, {}).status_code in (403, 404), f"{type(model_admin).__name__} lets staff add"
            continue
        name, obj, form_class, skip = door
        for field_name, field in form_class.base_fields.items():
            if field_name in skip or not isinstance(field, forms.ModelChoiceField) or field.disabled:
                continue
            label = field.queryset.model._meta.label
            assert label in FOREIGN, f"{name}.{field_name}: add how to build a foreign {label} to FOREIGN"
            if label not in foreign:
                foreign[label] = FOREIGN[label](world)
            other = foreign[label]
            value = [str(other.pk)] if isinstance(field, forms.ModelMultipleChoiceField) else str(other.pk)
            checked += 1
            try:
                field.clean(value)
            except ValidationError:
                continue
            refused.append(f"{name}.{field_name} ({'change' if obj else 'add'}) accepts {label} #{other.pk}")
    assert not refused, "\n".join(refused)
    assert checked > 50  # the walk reached the forms


def test_a_new_admin_without_scoping_fails_the_walk(world):
    """The walk's own check: an admin whose choices are not scoped is caught."""
    from groups.admin_base import CommitteeScopedAdmin

    class Careless(CommitteeScopedAdmin):
        committee_path = "activity__committee"

        def formfield_for_foreignkey(self, db_field, request, **kwargs):  # skips the scoping
            return db_field.formfield(**kwargs)

        def get_form(self, request, obj=None, change=False, **kwargs):
            return admin.ModelAdmin.get_form(self, request, obj, change=change, **kwargs)

    careless = Careless(Attendance, admin.site)
    form_class = careless.get_form(_request(world.district_staff), None)
    activity = FOREIGN["activities.Activity"](world)
    assert form_class.base_fields["activity"].clean(str(activity.pk)) == activity


# --- The holes the issue names, end to end -------------------------------------------------------------------


def test_district_staff_cannot_detach_their_committee_from_the_city(world, client_for):
    url = reverse("admin:groups_committee_change", args=[world.district.pk])
    client = client_for(world.district_staff)
    response = client.post(
        url,
        {
            "name": world.district.name,
            "short_name": "",
            "parent": "",
            "level": "city",
            "code": "hacked",
            "terms-TOTAL_FORMS": "0",
            "terms-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 302)
    world.district.refresh_from_db()
    assert world.district.parent == world.city and world.district.level == "district"
    assert world.district.code == "donghu"


def test_a_superuser_can_still_move_a_committee(world, client_for):
    boss = f.UserFactory(username="boss", is_superuser=True, is_staff=True)
    form = admin.site._registry[Committee].get_form(_request(boss), world.district, change=True)
    assert {"parent", "level", "code"} <= set(form.base_fields)


def test_district_staff_cannot_add_or_delete_committees(world):
    committee_admin = admin.site._registry[Committee]
    request = _request(world.district_staff)
    assert not committee_admin.has_add_permission(request)
    assert not committee_admin.has_delete_permission(request, world.district)


def test_staff_cannot_record_attendance_at_another_districts_activity(world, client_for):
    activity = FOREIGN["activities.Activity"](world)
    before = Attendance.objects.count()
    response = client_for(world.district_staff).post(
        reverse("admin:activities_attendance_add"),
        {"activity": activity.pk, "member": world.member_record.pk, "status": "present"},
    )
    assert response.status_code == 200 and "activity" in response.context["adminform"].form.errors
    assert Attendance.objects.count() == before


def test_staff_cannot_bind_another_committees_login_to_their_member(world, client_for):
    member_admin = admin.site._registry[Member]
    form_class = member_admin.get_form(_request(world.district_staff), world.member_record, change=True)
    with pytest.raises(ValidationError):
        form_class.base_fields["user"].clean(str(world.outsider_member.user.pk))
    with pytest.raises(ValidationError):  # the city's staff login is the city's, not the district's
        form_class.base_fields["user"].clean(str(world.staff.pk))


def test_staff_cannot_make_another_committees_login_their_staff(world, client_for):
    before = CommitteeStaff.objects.count()
    response = client_for(world.district_staff).post(
        reverse("admin:groups_committeestaff_add"),
        {"user": world.outsider_member.user.pk, "committee": world.district.pk, "role": "secretariat", "office": ""},
    )
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    assert CommitteeStaff.objects.count() == before


def test_staff_cannot_add_another_committees_login_to_their_unit(world, client_for):
    form_class = admin.site._registry[HandlingUnit].get_form(_request(world.district_staff), world.unit, change=True)
    with pytest.raises(ValidationError):
        form_class.base_fields["users"].clean([str(world.outsider_member.user.pk)])


def test_staff_may_bind_an_unbound_login_or_one_of_their_own(world):
    from groups.access import scope_of
    from groups.admin_base import bindable_users

    fresh = f.UserFactory(username="fresh")
    boss = f.UserFactory(username="boss", is_superuser=True)
    bindable = set(bindable_users(scope_of(world.district_staff)))
    assert {fresh, world.member, world.unit_user, world.district_staff} <= bindable
    assert not {world.outsider_member.user, world.staff, world.other_staff, boss} & bindable


def test_user_autocomplete_offers_only_bindable_logins(world, client_for):
    response = client_for(world.district_staff).get(
        reverse("admin:autocomplete"), {"app_label": "groups", "model_name": "member", "field_name": "user", "term": ""}
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert world.member.pk in ids and world.outsider_member.user.pk not in ids and world.staff.pk not in ids


def test_staff_change_only_contact_details_of_their_members_logins_never_rights_or_passwords(world, client_for):
    url = reverse("admin:core_user_change", args=[world.member.pk])
    response = client_for(world.district_staff).post(
        url,
        {
            "username": "boss",
            "name": "新名字",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "",
            "password": "x",
        },
    )
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.name == "新名字" and world.member.username == "member"
    assert not world.member.is_superuser and not world.member.is_staff and world.member.is_active
    assert world.member.check_password(__import__("django.conf").conf.settings.DEMO_PASSWORD)
    # another committee's staff reach neither the page nor the login
    refused = client_for(world.other_staff).post(url, {"name": "x"})
    assert refused.status_code in (302, 403, 404)
    world.member.refresh_from_db()
    assert world.member.name == "新名字"


def test_plan_item_responsible_members_are_the_committees_own(world):
    from activities.models import PlanItem

    form_class = admin.site._registry[PlanItem].get_form(_request(world.district_staff), None)
    with pytest.raises(ValidationError):
        form_class.base_fields["responsible"].clean([str(world.outsider_member.pk)])
    assert form_class.base_fields["responsible"].clean([str(world.member_record.pk)])


def test_the_scoped_field_is_a_copy_so_one_request_never_sees_anothers_scope(world):
    from groups.models import ActivityGroup

    group_admin = admin.site._registry[ActivityGroup]
    district_form = group_admin.get_form(_request(world.district_staff), None)
    boss = f.UserFactory(username="boss", is_superuser=True, is_staff=True)
    boss_form = group_admin.get_form(_request(boss), None)
    assert world.city in boss_form.base_fields["committee"].queryset
    assert world.city not in district_form.base_fields["committee"].queryset
