"""API parity for the groups app (#15 item 5): what a member, convener or staff member does on the pages and in the
admin, they do through /api/v1/ with the same service — the same audit record, the same stale roll-ups, the same
Chinese refusals — and a user outside the record's reach gets 403/404 with nothing changed."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, AnnualPlan, Attendance, Evidence, PlanItem
from activities.services.activities import sign_in_code
from assessments.models import RollupRun
from core.models import AuditEvent
from groups.models import ActivityGroup, GroupMembership, Member, PlenarySession
from plenary.models import PlenaryAttendance
from tests import factories as f
from tests.groups.factories import ActivityFactory, AttendanceFactory, PlenarySessionFactory, photo_upload

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def rolled_up(world):
    """This year's four quarters of the district rolled up (done, not stale): a duty change marks some stale."""
    year = timezone.localdate().year
    for quarter in (1, 2, 3, 4):
        RollupRun.objects.create(committee=world.district, year=year, quarter=quarter, status=RollupRun.Status.DONE)
        RollupRun.objects.create(committee=world.other, year=year, quarter=quarter, status=RollupRun.Status.DONE)

    def stale(committee=None) -> set[int]:
        return set(
            RollupRun.objects.filter(committee=committee or world.district, is_stale=True).values_list(
                "quarter", flat=True
            )
        )

    return stale


def _verbs(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        .order_by("pk")
        .values_list("verb", flat=True)
    )


@pytest.fixture
def upcoming(world):
    """An announced activity of ``world.group`` tomorrow; the member and the convener are invited."""
    activity = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() + timedelta(days=1))
    AttendanceFactory(activity=activity, member=world.member_record)
    AttendanceFactory(activity=activity, member=world.convener_member)
    return activity


@pytest.fixture
def started(world):
    """An announced activity of ``world.group`` that started ten minutes ago (sign-in is open)."""
    activity = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=10))
    AttendanceFactory(activity=activity, member=world.member_record)
    AttendanceFactory(activity=activity, member=world.convener_member)
    return activity


# --- Leave: the member asks, the convener decides ----------------------------------------------------------


def test_a_member_asks_for_leave_and_the_convener_decides_through_the_api(world, client_for, upcoming):
    url = reverse("api:activity-leave", args=[upcoming.pk])
    blank = client_for(world.member).post(url, {"reason": " "}, content_type=JSON)
    assert blank.status_code == 400 and "请填写请假原因" in str(
        blank.json()["reason"]
    )  # the service's message, in Chinese
    asked = client_for(world.member).post(url, {"reason": "出差"}, content_type=JSON)
    assert asked.status_code == 200 and asked.json()["leave"] == "requested"
    row = Attendance.objects.get(activity=upcoming, member=world.member_record)
    refused = client_for(world.member).post(
        reverse("api:attendance-leave-decision", args=[row.pk]), {"approve": True}, content_type=JSON
    )
    assert refused.status_code == 403 and "召集" in refused.json()["detail"]  # a member decides no leave
    decided = client_for(world.convener).post(
        reverse("api:attendance-leave-decision", args=[row.pk]), {"approve": True}, content_type=JSON
    )
    assert decided.status_code == 200 and decided.json()["status"] == "excused"
    assert _verbs(upcoming) == ["leave_requested", "leave_approved"]  # as the pages write them


def test_leave_outside_ones_reach_is_refused_and_changes_nothing(world, client_for, upcoming):
    row = Attendance.objects.get(activity=upcoming, member=world.member_record)
    row.leave, row.leave_reason = Attendance.Leave.REQUESTED, "出差"
    row.save()
    outsider = client_for(world.outsider_member.user).post(
        reverse("api:activity-leave", args=[upcoming.pk]), {"reason": "有事"}, content_type=JSON
    )
    assert outsider.status_code == 404
    for user in (world.other_convener, world.other_staff):
        response = client_for(user).post(
            reverse("api:attendance-leave-decision", args=[row.pk]), {"approve": False}, content_type=JSON
        )
        assert response.status_code == 404, user
    uninvited = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() + timedelta(days=1))
    convener = client_for(world.convener).post(
        reverse("api:activity-leave", args=[uninvited.pk]), {"reason": "有事"}, content_type=JSON
    )
    assert convener.status_code == 403 and "未受邀" in convener.json()["detail"]
    row.refresh_from_db()
    assert row.leave == "requested" and not AuditEvent.objects.filter(verb__startswith="leave").exists()


# --- On-site sign-in with the rotating code -----------------------------------------------------------------


def test_a_member_signs_in_with_the_code_the_conveners_screen_shows(world, client_for, started, rolled_up):
    screen = client_for(world.convener).get(reverse("api:activity-sign-in-code", args=[started.pk]))
    assert screen.status_code == 200 and screen.json()["is_open"] and screen["Cache-Control"] == "no-store"
    code, link = screen.json()["code"], screen.json()["url"]
    assert code and link.endswith(f"/{code}/") and screen.json()["invited"] == 2
    # the link the QR code holds is as good as the code itself
    signed = client_for(world.member).post(
        reverse("api:activity-sign-in", args=[started.pk]), {"code": link}, content_type=JSON
    )
    assert signed.status_code == 200 and signed.json()["status"] == "present"
    assert signed.json()["sign_in_method"] == "on_site"
    assert _verbs(started) == ["signed_in"]
    again = client_for(world.member).post(
        reverse("api:activity-sign-in", args=[started.pk]), {"code": code}, content_type=JSON
    )
    assert again.status_code == 400 and "已经签到" in str(again.json())


def test_sign_in_and_its_code_are_refused_outside_their_reach(world, client_for, started):
    assert client_for(world.member).get(reverse("api:activity-sign-in-code", args=[started.pk])).status_code == 403
    for user in (world.other_convener, world.other_staff, world.outsider_member.user):
        assert client_for(user).get(reverse("api:activity-sign-in-code", args=[started.pk])).status_code == 404
        response = client_for(user).post(
            reverse("api:activity-sign-in", args=[started.pk]), {"code": sign_in_code(started.pk)}, content_type=JSON
        )
        assert response.status_code == 404, user
    forged = client_for(world.member).post(
        reverse("api:activity-sign-in", args=[started.pk]), {"code": f"{started.pk}.1:forged"}, content_type=JSON
    )
    assert forged.status_code == 400 and "签到二维码无效" in str(forged.json())
    assert not Attendance.objects.filter(status="present").exists()


# --- Evidence: multipart, through the one upload validator ---------------------------------------------------


def test_a_convener_uploads_evidence_and_a_member_cannot(world, client_for, started):
    url = reverse("api:activity-evidence", args=[started.pk])
    done = client_for(world.convener).post(url, {"file": photo_upload(), "caption": "现场"})
    assert done.status_code == 201, done.content
    assert done.json()["kind"] == "photo" and done.json()["caption"] == "现场"
    assert _verbs(started) == ["evidence_uploaded"]
    fake = SimpleUploadedFile("照片.png", b"not an image at all" * 10, content_type="image/png")
    refused = client_for(world.convener).post(url, {"file": fake})
    assert refused.status_code == 400 and "file" in refused.json()
    member = client_for(world.member).post(url, {"file": photo_upload()})
    assert member.status_code == 403
    other = client_for(world.other_staff).post(url, {"file": photo_upload()})
    assert other.status_code == 404
    assert Evidence.objects.count() == 1


# --- Invite, delete, attendance corrections ----------------------------------------------------------------


def test_a_convener_invites_committee_members_and_cannot_name_another_committees(world, client_for, upcoming):
    newcomer = f.MemberFactory(committee=world.district, term=world.member_record.term)
    f.MembershipFactory(group=world.group, member=newcomer)
    url = reverse("api:activity-invite", args=[upcoming.pk])
    outside = client_for(world.convener).post(url, {"members": [world.outsider_member.pk]}, content_type=JSON)
    assert outside.status_code == 400 and "members" in outside.json()
    done = client_for(world.convener).post(url, {"members": [newcomer.pk]}, content_type=JSON)
    assert done.status_code == 200 and done.json() == {"invited": 1}
    assert _verbs(upcoming) == ["invited"]
    # a member reaches only themself, and may invite no one
    assert client_for(world.member).post(url, {"members": [newcomer.pk]}, content_type=JSON).status_code == 400
    assert (
        client_for(world.member).post(url, {"members": [world.member_record.pk]}, content_type=JSON).status_code == 403
    )


def test_deleting_an_activity_goes_through_its_service(world, client_for, upcoming):
    url = reverse("api:activity-detail", args=[upcoming.pk])
    assert client_for(world.member).delete(url).status_code == 403
    assert client_for(world.other_staff).delete(url).status_code == 404
    assert Activity.objects.filter(pk=upcoming.pk).exists()
    assert client_for(world.district_staff).delete(url).status_code == 204
    assert not Activity.objects.filter(pk=upcoming.pk).exists()
    assert AuditEvent.objects.filter(verb="deleted", object_id=str(upcoming.pk), actor=world.district_staff).exists()


def test_staff_correct_and_remove_attendance_and_the_quarter_goes_stale(world, client_for, started, rolled_up):
    started.state = Activity.State.HELD
    started.save()
    url = reverse("api:activity-attendance-correct", args=[started.pk])
    body = {"member": world.member_record.pk, "status": "absent"}
    convener = client_for(world.convener).post(url, body, content_type=JSON)
    assert convener.status_code == 403 and "机关工作人员" in convener.json()["detail"]
    assert client_for(world.other_staff).post(url, body, content_type=JSON).status_code == 404
    assert rolled_up() == set()
    done = client_for(world.district_staff).post(url, body, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "absent"
    quarter = (timezone.localdate().month - 1) // 3 + 1
    assert rolled_up() == set(range(quarter, 5))  # the quarter of the activity and the later ones, as in the admin
    row = Attendance.objects.get(activity=started, member=world.member_record)
    assert client_for(world.convener).delete(reverse("api:attendance-detail", args=[row.pk])).status_code == 403
    assert client_for(world.district_staff).delete(reverse("api:attendance-detail", args=[row.pk])).status_code == 204
    assert _verbs(started) == ["attendance_corrected", "attendance_removed"]


# --- Annual plans -------------------------------------------------------------------------------------------


def test_a_convener_writes_the_groups_plan_through_the_api(world, client_for):
    year = timezone.localdate().year
    member = client_for(world.member).post(
        reverse("api:plan-list"), {"group": world.group.pk, "year": year}, content_type=JSON
    )
    assert member.status_code == 403 and not AnnualPlan.objects.exists()
    other = client_for(world.other_convener).post(
        reverse("api:plan-list"), {"group": world.group.pk, "year": year}, content_type=JSON
    )
    assert other.status_code == 400 and "group" in other.json()  # a group they do not reach is no choice
    created = client_for(world.convener).post(
        reverse("api:plan-list"), {"group": world.group.pk, "year": year}, content_type=JSON
    )
    assert created.status_code == 201, created.content
    plan = AnnualPlan.objects.get()
    item = {
        "plan": plan.pk,
        "quarter": 2,
        "month": 1,
        "kind": "study",
        "title": "理论学习",
        "responsible": [world.member_record.pk],
    }
    wrong = client_for(world.convener).post(reverse("api:plan-item-list"), item, content_type=JSON)
    assert wrong.status_code == 400 and "季度" in str(wrong.json()["month"])
    added = client_for(world.convener).post(reverse("api:plan-item-list"), {**item, "month": 4}, content_type=JSON)
    assert added.status_code == 201, added.content
    pk = added.json()["id"]
    changed = client_for(world.convener).patch(
        reverse("api:plan-item-detail", args=[pk]), {"title": "专题学习"}, content_type=JSON
    )
    assert changed.status_code == 200 and PlanItem.objects.get().title == "专题学习"
    assert list(PlanItem.objects.get().responsible.all()) == [world.member_record]  # a PATCH keeps the rest
    assert client_for(world.member).delete(reverse("api:plan-item-detail", args=[pk])).status_code == 403
    assert client_for(world.other_convener).delete(reverse("api:plan-item-detail", args=[pk])).status_code == 404
    assert client_for(world.convener).delete(reverse("api:plan-item-detail", args=[pk])).status_code == 204
    assert _verbs(plan) == ["created", "item_saved", "item_saved", "item_deleted"]


# --- Plenary attendance and sessions (staff) ------------------------------------------------------------------


def test_staff_record_plenary_attendance_through_the_api_as_in_the_admin(world, client_for, rolled_up):
    session = PlenarySessionFactory(term=world.member_record.term, start_date=date(timezone.localdate().year, 1, 10))
    body = {"session": session.pk, "member": world.member_record.pk, "present": 2, "excused": 0, "absent": 0}
    other = client_for(world.other_staff).post(reverse("api:plenary-attendance-list"), body, content_type=JSON)
    assert other.status_code == 400 and "session" in other.json()  # another committee's session is no choice
    member = client_for(world.member).post(reverse("api:plenary-attendance-list"), body, content_type=JSON)
    assert member.status_code == 400 and not PlenaryAttendance.objects.exists()
    too_many = client_for(world.district_staff).post(
        reverse("api:plenary-attendance-list"), {**body, "present": session.half_days + 1}, content_type=JSON
    )
    assert too_many.status_code == 400 and "半天" in str(too_many.json())
    done = client_for(world.district_staff).post(reverse("api:plenary-attendance-list"), body, content_type=JSON)
    assert done.status_code == 201 and done.json()["present"] == 2
    row = PlenaryAttendance.objects.get()
    assert _verbs(row) == ["recorded"] and rolled_up() == {1, 2, 3, 4}
    RollupRun.objects.update(is_stale=False)
    imported = client_for(world.district_staff).post(
        reverse("api:plenary-session-attendance", args=[session.pk]),
        {"rows": [{"member": world.member_record.pk, "present": 1, "excused": 1, "absent": 0, "leave_reason": "病假"}]},
        content_type=JSON,
    )
    assert imported.status_code == 200 and imported.json() == {"recorded": 0, "corrected": 1, "unchanged": 0}
    assert rolled_up() == {1, 2, 3, 4}
    filled = client_for(world.district_staff).post(reverse("api:plenary-session-fill-present", args=[session.pk]))
    assert (
        filled.status_code == 200
        and filled.json()["added"] == Member.objects.filter(committee=world.district, status="active").count() - 1
    )
    assert client_for(world.member).delete(reverse("api:plenary-attendance-detail", args=[row.pk])).status_code == 403
    assert (
        client_for(world.other_staff).delete(reverse("api:plenary-attendance-detail", args=[row.pk])).status_code == 404
    )
    assert (
        client_for(world.district_staff).delete(reverse("api:plenary-attendance-detail", args=[row.pk])).status_code
        == 204
    )
    rest = list(PlenaryAttendance.objects.values_list("pk", flat=True))
    hidden = client_for(world.other_staff).post(
        reverse("api:plenary-attendance-remove"), {"ids": rest}, content_type=JSON
    )
    assert hidden.status_code == 404 and PlenaryAttendance.objects.count() == len(rest)
    removed = client_for(world.district_staff).post(
        reverse("api:plenary-attendance-remove"), {"ids": rest}, content_type=JSON
    )
    assert removed.status_code == 200 and removed.json() == {"removed": len(rest)}
    assert not PlenaryAttendance.objects.exists()


def test_staff_enter_change_and_delete_plenary_sessions_of_their_committee_only(world, client_for):
    term = world.member_record.term
    body = {
        "term": term.pk,
        "number": 3,
        "year": 2026,
        "start_date": "2026-01-10",
        "end_date": "2026-01-12",
        "half_days": 5,
    }
    assert (
        client_for(world.other_staff).post(reverse("api:plenary-session-list"), body, content_type=JSON).status_code
        == 400
    )
    assert (
        client_for(world.convener).post(reverse("api:plenary-session-list"), body, content_type=JSON).status_code == 400
    )
    created = client_for(world.district_staff).post(reverse("api:plenary-session-list"), body, content_type=JSON)
    assert created.status_code == 201, created.content
    session = PlenarySession.objects.get(number=3)
    bad = client_for(world.district_staff).patch(
        reverse("api:plenary-session-detail", args=[session.pk]), {"half_days": 9}, content_type=JSON
    )
    assert bad.status_code == 400 and "half_days" in bad.json()  # a 3-day session sits at most 6 half-days
    member = client_for(world.member).patch(
        reverse("api:plenary-session-detail", args=[session.pk]), {"half_days": 4}, content_type=JSON
    )
    assert member.status_code == 403
    assert (
        client_for(world.district_staff)
        .patch(reverse("api:plenary-session-detail", args=[session.pk]), {"half_days": 4}, content_type=JSON)
        .status_code
        == 200
    )
    assert (
        client_for(world.other_staff).delete(reverse("api:plenary-session-detail", args=[session.pk])).status_code
        == 404
    )
    assert (
        client_for(world.district_staff).delete(reverse("api:plenary-session-detail", args=[session.pk])).status_code
        == 204
    )
    assert _verbs(session) == ["created", "updated", "deleted"]


# --- Members, groups and memberships (staff, their committee only) --------------------------------------------


def _member_body(world, **kw):
    return {
        "committee": world.district.pk,
        "term": world.member_record.term.pk,
        "name": "新委员",
        "sector": world.member_record.sector.pk,
        "party": world.member_record.party,
        "phone": "13800001111",
        **kw,
    }


def test_staff_write_members_through_the_api_with_the_admins_audit_and_stale_roll_ups(world, client_for, rolled_up):
    created = client_for(world.district_staff).post(reverse("api:member-list"), _member_body(world), content_type=JSON)
    assert created.status_code == 201, created.content
    member = Member.objects.get(name="新委员")
    assert created.json()["phone"] == "13800001111"  # the staff read it in full
    assert _verbs(member) == ["created"] and rolled_up() == {1, 2, 3, 4} and rolled_up(world.other) == set()
    RollupRun.objects.update(is_stale=False)
    url = reverse("api:member-detail", args=[member.pk])
    left = client_for(world.district_staff).patch(url, {"status": "left"}, content_type=JSON)
    assert left.status_code == 200 and rolled_up() == {1, 2, 3, 4}
    assert client_for(world.district_staff).delete(url).status_code == 204
    assert _verbs(member) == ["created", "updated", "deleted"]


def test_members_outside_the_staffs_committee_are_out_of_reach(world, client_for):
    url = reverse("api:member-detail", args=[world.member_record.pk])
    assert client_for(world.other_staff).patch(url, {"name": "改名"}, content_type=JSON).status_code == 404
    leader = client_for(world.leader).patch(url, {"work_unit": "某单位"}, content_type=JSON)
    assert leader.status_code == 403 and "机关工作人员" in leader.json()["detail"]
    assert client_for(world.member).delete(url).status_code == 403
    other = client_for(world.other_staff).post(reverse("api:member-list"), _member_body(world), content_type=JSON)
    assert other.status_code == 400 and "committee" in other.json()
    world.member_record.refresh_from_db()
    assert (
        world.member_record.work_unit != "某单位"
        and not AuditEvent.objects.filter(verb__in=["created", "updated", "deleted"]).exists()
    )


def test_staff_write_groups_and_memberships_and_the_groups_quarters_go_stale(world, client_for, rolled_up):
    created = client_for(world.district_staff).post(
        reverse("api:group-list"),
        {"committee": world.district.pk, "name": "新建活动组", "kind": "street"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    group = ActivityGroup.objects.get(name="新建活动组")
    assert created.json()["member_count"] == 0 and _verbs(group) == ["created"]
    joined = client_for(world.district_staff).post(
        reverse("api:group-membership-list"),
        {
            "group": group.pk,
            "member": world.member_record.pk,
            "role": "member",
            "joined_on": date(timezone.localdate().year, 4, 1).isoformat(),
        },
        content_type=JSON,
    )
    assert joined.status_code == 201, joined.content
    assert rolled_up() == {2, 3, 4}  # counted from the quarter of joining
    membership = GroupMembership.objects.get(group=group)
    url = reverse("api:group-membership-detail", args=[membership.pk])
    again = client_for(world.district_staff).post(
        reverse("api:group-membership-list"),
        {"group": group.pk, "member": world.member_record.pk, "joined_on": date.today().isoformat()},
        content_type=JSON,
    )
    assert again.status_code == 400  # one active membership per member and group (the model's constraint)
    deputy = client_for(world.district_staff).patch(url, {"role": "deputy"}, content_type=JSON)
    assert deputy.status_code == 200 and deputy.json()["role"] == "deputy"
    assert client_for(world.convener).delete(url).status_code in (403, 404)
    assert client_for(world.other_staff).delete(url).status_code == 404
    assert client_for(world.district_staff).delete(url).status_code == 204
    assert _verbs(membership) == ["created", "updated", "deleted"]
    other = client_for(world.other_staff).patch(
        reverse("api:group-detail", args=[world.group.pk]), {"name": "改"}, content_type=JSON
    )
    assert other.status_code == 404 and ActivityGroup.objects.get(pk=world.group.pk).name != "改"


def test_a_spreadsheet_import_through_the_api_marks_the_roll_ups_stale(world, client_for, rolled_up):
    from groups.models import Term
    from tests.groups.test_import import _row, _xlsx

    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")

    def upload():
        return SimpleUploadedFile("委员.xlsx", _xlsx([_row()]), content_type="application/octet-stream")

    before = Member.objects.count()
    for user in (world.member, world.convener, world.leader):
        assert client_for(user).post(reverse("api:member-import"), {"file": upload()}).status_code == 403, user
    foreign = client_for(world.other_staff).post(reverse("api:member-import"), {"file": upload()})
    assert foreign.status_code == 400 and foreign.json()["created"] == 0 and foreign.json()["errors"]
    assert Member.objects.count() == before and rolled_up() == set()
    done = client_for(world.district_staff).post(reverse("api:member-import"), {"file": upload()})
    assert done.status_code == 200, done.content
    assert done.json() == {"created": 1, "errors": []} and Member.objects.count() == before + 1
    assert rolled_up() == {1, 2, 3, 4} and rolled_up(world.other) == set()  # as a member saved in the admin
    assert AuditEvent.objects.filter(verb="imported", actor=world.district_staff).exists()


def test_an_import_in_the_admin_marks_the_roll_ups_stale_too(world, rolled_up):
    from groups.models import Term
    from groups.resources import MemberResource
    from groups.services import table_import
    from tests.groups.test_import import _row, _xlsx

    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")
    report = table_import(
        resource_class=MemberResource, data=_xlsx([_row()]), file_format="xlsx", actor=world.district_staff
    )
    assert report.ok and rolled_up() == {1, 2, 3, 4}
