"""Activity services: creation rules, the state machine, leave, sign-in, attendance, evidence, conflicts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from activities.models import Activity, ActivitySettings, Attendance, Evidence
from activities.services import activities as svc
from core.exceptions import ConcurrentEdit, DomainError, InvalidTransition
from core.models import AuditEvent
from tests import factories as f
from tests.groups.factories import ActivityFactory, AttendanceFactory, PlanItemFactory, pdf_upload, photo_upload

pytestmark = pytest.mark.django_db


def _new(world, **kw):
    start = kw.pop("starts_at", timezone.now() + timedelta(days=2))
    return svc.activity_create(
        actor=world.convener,
        group=world.group,
        kind=kw.pop("kind", "study"),
        title="学习座谈",
        starts_at=start,
        ends_at=kw.pop("ends_at", start + timedelta(hours=2)),
        **kw,
    )


def _announced(world, **kw):
    activity = _new(world, **kw)
    return svc.activity_announce(activity_id=activity.pk, actor=world.convener)


def test_creating_an_activity_invites_the_group_and_records_an_event(world):
    activity = _new(world)
    assert activity.state == "planned" and activity.committee == world.district
    assert set(activity.attendances.values_list("member_id", flat=True)) == {
        world.member_record.pk,
        world.convener_member.pk,
    }
    assert AuditEvent.objects.filter(object_id=str(activity.pk), verb="created").exists()


def test_dates_in_the_wrong_order_are_refused_in_chinese_and_nothing_is_saved(world):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        _new(world, starts_at=start, ends_at=start - timedelta(hours=1))
    assert "结束时间必须晚于开始时间" in str(exc.value.message_dict["ends_at"])
    assert not Activity.objects.exists()


def test_a_three_enters_activity_needs_a_target_and_a_contact_point_of_its_committee(world):
    with pytest.raises(DomainError) as exc:
        _new(world, kind="three_enters")
    assert "target" in exc.value.message_dict
    foreign = f.ContactPointFactory(committee=world.other, kind="community")
    with pytest.raises(DomainError) as exc:
        _new(world, kind="three_enters", target="community", contact_point=foreign)
    assert "联系点属于其他政协组织" in exc.value.message_dict["contact_point"][0]
    assert not Activity.objects.exists()
    ok = _new(
        world,
        kind="three_enters",
        target="community",
        contact_point=f.ContactPointFactory(committee=world.district, kind="community"),
    )
    assert ok.target == "community"


def test_a_plan_item_of_another_group_cannot_be_linked(world):
    item = PlanItemFactory(plan__group=world.other_group)
    with pytest.raises(DomainError):
        _new(world, plan_item=item)


def test_the_full_life_of_an_activity(world):
    activity = _announced(world, starts_at=timezone.now() - timedelta(minutes=10))
    activity = svc.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=activity.version,
        statuses={world.member_record.pk: "present"},
    )
    svc.attendance_record(
        activity_id=activity.pk,
        actor=world.staff,
        version=activity.version,  # not their own
        statuses={world.convener_member.pk: "absent"},
    )
    svc.activity_hold(activity_id=activity.pk, actor=world.convener)
    svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())
    svc.activity_update(
        activity_id=activity.pk,
        actor=world.convener,
        version=Activity.objects.get().version,
        summary="委员们围绕社区养老展开讨论。",
    )
    activity = svc.activity_file(activity_id=activity.pk, actor=world.convener)
    assert activity.state == "filed"
    verbs = list(AuditEvent.objects.filter(object_id=str(activity.pk)).values_list("verb", flat=True))
    assert {"created", "announced", "attendance_recorded", "held", "evidence_uploaded", "filed"} <= set(verbs)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("announced", "activity_announce"),
        ("planned", "activity_hold"),
        ("planned", "activity_file"),
        ("announced", "activity_file"),
        ("held", "activity_cancel"),
        ("filed", "activity_cancel"),
        ("cancelled", "activity_announce"),
        ("filed", "activity_hold"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(world, state, action):
    activity = ActivityFactory(group=world.group, state=state)
    AttendanceFactory(activity=activity, member=world.member_record)
    with pytest.raises(InvalidTransition):
        getattr(svc, action)(activity_id=activity.pk, actor=world.convener)
    activity.refresh_from_db()
    assert activity.state == state


def test_an_activity_with_nobody_present_cannot_be_marked_held(world):
    activity = _announced(world, starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(DomainError, match="出席"):
        svc.activity_hold(activity_id=activity.pk, actor=world.convener)
    assert Activity.objects.get().state == "announced"


def test_filing_needs_the_evidence_the_committee_asks_for(world):
    ActivitySettings.objects.create(committee=world.district, min_photos=1, min_documents=1)
    activity = ActivityFactory(group=world.group, state="held", summary="纪要")
    with pytest.raises(DomainError) as exc:
        svc.activity_file(activity_id=activity.pk, actor=world.convener)
    assert "照片" in str(exc.value) and "文档" in str(exc.value)
    svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())
    svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=pdf_upload())
    assert svc.activity_file(activity_id=activity.pk, actor=world.convener).state == "filed"


def test_a_committee_can_file_without_photos_when_its_rules_say_so(world):
    ActivitySettings.objects.create(committee=world.district, min_photos=0)
    activity = ActivityFactory(group=world.group, state="held", summary="纪要")
    assert svc.activity_file(activity_id=activity.pk, actor=world.convener).state == "filed"


def test_a_stale_version_is_a_conflict_and_the_first_save_is_kept(world):
    activity = _new(world)
    loaded = activity.version
    svc.activity_update(activity_id=activity.pk, actor=world.convener, version=loaded, place="一号会议室")
    with pytest.raises(ConcurrentEdit, match="其他人"):
        svc.activity_update(activity_id=activity.pk, actor=world.district_staff, version=loaded, place="二号会议室")
    assert Activity.objects.get().place == "一号会议室"


def test_attendance_recorded_on_a_stale_version_is_refused(world):
    activity = _announced(world, starts_at=timezone.now() - timedelta(minutes=5))
    loaded = activity.version
    svc.attendance_record(
        activity_id=activity.pk, actor=world.convener, version=loaded, statuses={world.member_record.pk: "present"}
    )
    with pytest.raises(ConcurrentEdit):
        svc.attendance_record(
            activity_id=activity.pk, actor=world.convener, version=loaded, statuses={world.member_record.pk: "absent"}
        )
    assert Attendance.objects.get(member=world.member_record).status == "present"


def test_an_excused_absence_needs_a_reason(world):
    activity = _announced(world, starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(DomainError, match="原因"):
        svc.attendance_record(
            activity_id=activity.pk,
            actor=world.convener,
            version=activity.version,
            statuses={world.member_record.pk: "excused"},
        )
    assert Attendance.objects.get(member=world.member_record).status == "invited"


# --- Leave ----------------------------------------------------------------------------------------


def test_a_member_asks_for_leave_and_the_convener_approves_it(world):
    activity = _announced(world)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    assert row.leave == "requested"
    row = svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)
    assert (row.status, row.leave, row.leave_reason) == ("excused", "approved", "出差")


def test_a_refused_leave_keeps_the_member_expected(world):
    activity = _announced(world)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="家中有事")
    row = svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=False)
    assert (row.status, row.leave) == ("invited", "refused")
    with pytest.raises(InvalidTransition):
        svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)


def test_leave_cannot_be_asked_after_the_start_or_without_a_reason_or_uninvited(world):
    activity = _announced(world, starts_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="开始前"):
        svc.attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="出差")
    later = _announced(world)
    with pytest.raises(DomainError):
        svc.attendance_request_leave(activity_id=later.pk, actor=world.member, reason="  ")
    with pytest.raises(DomainError, match="未受邀"):
        svc.attendance_request_leave(activity_id=later.pk, actor=world.outsider_member.user, reason="出差")
    assert not Attendance.objects.exclude(leave="").exists()


# --- Sign-in --------------------------------------------------------------------------------------


def _sign_in(activity, actor, now, code_at=None):
    """Sign in with the code the convener's screen showed at ``code_at`` (by default: now)."""
    code = svc.sign_in_code(activity.pk, now=code_at or now)
    return svc.attendance_sign_in(activity_id=activity.pk, code=code, actor=actor, now=now)


def test_an_invited_member_signs_in_inside_the_window_once(world):
    now = timezone.now()
    activity = _announced(world, starts_at=now + timedelta(minutes=30))
    row = _sign_in(activity, world.member, now)
    assert (row.status, row.sign_in_method, row.signed_in_at) == ("present", "on_site", now)
    with pytest.raises(DomainError, match="已经签到"):
        _sign_in(activity, world.member, now + timedelta(minutes=1))
    assert Attendance.objects.get(pk=row.pk).signed_in_at == now


@pytest.mark.parametrize("offset", [timedelta(minutes=-61), timedelta(minutes=121)])
def test_sign_in_outside_the_window_is_refused_and_changes_nothing(world, offset):
    start = timezone.now() + timedelta(days=1)
    activity = _announced(world, starts_at=start)
    with pytest.raises(DomainError, match="签到时间"):
        _sign_in(activity, world.member, start + offset)
    assert Attendance.objects.get(activity=activity, member=world.member_record).status == "invited"


def test_the_sign_in_window_is_committee_configuration(world):
    ActivitySettings.objects.create(committee=world.district, sign_in_opens_minutes=10)
    start = timezone.now() + timedelta(days=1)
    activity = _announced(world, starts_at=start)
    with pytest.raises(DomainError):
        _sign_in(activity, world.member, start - timedelta(minutes=30))


def test_a_member_not_invited_cannot_sign_in(world):
    now = timezone.now()
    activity = _announced(world, starts_at=now)
    with pytest.raises(DomainError, match="未受邀"):
        _sign_in(activity, world.outsider_member.user, now)
    assert not Attendance.objects.filter(member=world.outsider_member).exists()


def test_a_planned_activity_has_no_sign_in_yet(world):
    now = timezone.now()
    activity = _new(world, starts_at=now)
    with pytest.raises(DomainError):
        _sign_in(activity, world.member, now)


def test_a_code_is_good_for_a_minute_or_so_and_a_replayed_old_code_is_refused(world):
    start = timezone.now()
    activity = _announced(world, starts_at=start)
    shown = start - timedelta(seconds=svc.SIGN_IN_CODE_SECONDS * svc.SIGN_IN_CODE_SLOTS)  # three slots ago
    with pytest.raises(DomainError, match="二维码已过期"):
        _sign_in(activity, world.member, start, code_at=shown)
    assert Attendance.objects.get(activity=activity, member=world.member_record).status == "invited"
    row = _sign_in(activity, world.member, start, code_at=start - timedelta(seconds=svc.SIGN_IN_CODE_SECONDS))
    assert row.status == "present"


def test_the_code_changes_every_slot(world):
    now = timezone.now()
    later = now + timedelta(seconds=svc.SIGN_IN_CODE_SECONDS)
    assert svc.sign_in_code(1, now=now) != svc.sign_in_code(1, now=later) != svc.sign_in_code(2, now=later)


def test_a_code_of_another_activity_or_a_forged_code_is_refused(world):
    now = timezone.now()
    activity, other = _announced(world, starts_at=now), _announced(world, starts_at=now)  # invited to both
    with pytest.raises(DomainError, match="其他活动"):
        svc.attendance_sign_in(
            activity_id=activity.pk, code=svc.sign_in_code(other.pk, now=now), actor=world.member, now=now
        )
    value, signature = svc.sign_in_code(other.pk, now=now).split(":")
    forged = f"{activity.pk}.{value.split('.')[1]}:{signature}"
    for code in (forged, "k2B8xYqP0aZr", "", "x:y:z"):
        with pytest.raises(DomainError, match="二维码无效"):
            svc.attendance_sign_in(activity_id=activity.pk, code=code, actor=world.member, now=now)
    assert not Attendance.objects.filter(member=world.member_record, status="present").exists()


@pytest.mark.parametrize("status", ["absent", "excused"])
def test_a_member_the_convener_recorded_absent_or_excused_cannot_sign_in(world, status):
    now = timezone.now()
    activity = _announced(world, starts_at=now - timedelta(minutes=5))
    svc.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=None,
        now=now,
        statuses={world.member_record.pk: status},
        reasons={world.member_record.pk: "出差"},
    )
    with pytest.raises(DomainError, match="请召集人更正"):
        _sign_in(activity, world.member, now)
    row = Attendance.objects.get(activity=activity, member=world.member_record)
    assert (row.status, row.signed_in_at, row.sign_in_method) == (status, None, "")
    # the convener can still correct it, and the ledger knows it was a correction
    svc.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=None,
        now=now,
        statuses={world.member_record.pk: "present"},
    )
    assert Attendance.objects.get(pk=row.pk).sign_in_method == "correction"


def test_signing_in_withdraws_an_open_leave_request(world):
    start = timezone.now() + timedelta(minutes=30)
    activity = _announced(world, starts_at=start)
    svc.attendance_request_leave(
        activity_id=activity.pk, actor=world.member, reason="出差", now=start - timedelta(hours=1)
    )
    row = _sign_in(activity, world.member, start)
    assert (row.status, row.leave, row.leave_reason) == ("present", "", "")


def test_each_present_row_says_how_it_was_recorded(world):
    now = timezone.now()
    deputy = f.MembershipFactory(group=world.group, role="deputy").member
    activity = _announced(world, starts_at=now - timedelta(minutes=5))
    _sign_in(activity, world.member, now)
    svc.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=None,
        now=now,
        statuses={deputy.pk: "present", world.member_record.pk: "present"},
    )
    methods = dict(activity.attendances.values_list("member_id", "sign_in_method"))
    assert methods[world.member_record.pk] == "on_site" and methods[deputy.pk] == "convener"


@pytest.mark.parametrize("door", ["convener", "staff"])
def test_every_door_that_makes_a_member_present_withdraws_their_leave_and_marks_a_correction(world, door):
    """Whoever records a member present (the convener's whole-group form, staff in the admin) follows the same
    rule as signing in: an open leave request is withdrawn, and a row recorded absent before is a correction."""
    start = timezone.now() + timedelta(minutes=30)
    activity = _announced(world, starts_at=start)
    svc.attendance_request_leave(
        activity_id=activity.pk, actor=world.member, reason="出差", now=start - timedelta(hours=1)
    )
    member = world.member_record

    def present(now):
        if door == "convener":
            svc.attendance_record(
                activity_id=activity.pk, actor=world.convener, version=None, now=now, statuses={member.pk: "present"}
            )
        else:
            svc.attendance_correct(
                activity_id=activity.pk, member_id=member.pk, actor=world.staff, status="present", now=now
            )
        return Attendance.objects.get(activity=activity, member=member)

    row = present(start + timedelta(minutes=5))
    assert (row.status, row.leave, row.sign_in_method) == ("present", "", "convener")
    svc.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=None,
        now=start + timedelta(minutes=6),
        statuses={member.pk: "absent"},
    )
    assert present(start + timedelta(minutes=7)).sign_in_method == "correction"


# --- A convener's own leave and attendance (issue 14, 9a) -------------------------------------------


def _deputy(world):
    return f.MembershipFactory(group=world.group, role="deputy", member__user=f.UserFactory(username="deputy")).member


def test_a_convener_cannot_decide_their_own_leave_but_a_deputy_or_staff_can(world):
    activity = _announced(world)
    deputy = _deputy(world)
    row = svc.attendance_request_leave(activity_id=activity.pk, actor=world.convener, reason="出差")
    with pytest.raises(DomainError, match="副召集人"):
        svc.attendance_decide_leave(attendance_id=row.pk, actor=world.convener, approve=True)
    assert Attendance.objects.get(pk=row.pk).leave == "requested"
    assert svc.attendance_decide_leave(attendance_id=row.pk, actor=deputy.user, approve=True).status == "excused"
    other = svc.attendance_request_leave(activity_id=_announced(world).pk, actor=world.convener, reason="开会")
    assert svc.attendance_decide_leave(attendance_id=other.pk, actor=world.staff, approve=False).leave == "refused"


def test_a_convener_cannot_record_their_own_attendance_but_a_deputy_can(world):
    now = timezone.now()
    activity = _announced(world, starts_at=now - timedelta(minutes=5))
    deputy = _deputy(world)
    own = world.convener_member.pk
    with pytest.raises(DomainError, match="副召集人"):
        svc.attendance_record(
            activity_id=activity.pk,
            actor=world.convener,
            version=None,
            now=now,
            statuses={own: "present", world.member_record.pk: "present"},
        )
    assert not activity.attendances.filter(status="present").exists()  # all or nothing
    svc.attendance_record(activity_id=activity.pk, actor=deputy.user, version=None, now=now, statuses={own: "present"})
    row = Attendance.objects.get(activity=activity, member_id=own)
    assert (row.status, row.sign_in_method) == ("present", "convener")
    # re-sending one's own unchanged status (the whole form) is not a decision
    svc.attendance_record(
        activity_id=activity.pk,
        actor=world.convener,
        version=None,
        now=now,
        statuses={own: "present", world.member_record.pk: "absent"},
    )


# --- Evidence -------------------------------------------------------------------------------------


def test_a_photo_gets_a_thumbnail_and_its_type_from_its_content(world):
    activity = ActivityFactory(group=world.group)
    ev = svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload(name="photo.pdf"))
    assert (ev.kind, ev.content_type) == ("photo", "image/png") and ev.file.name.endswith(".png")
    assert ev.thumbnail and ev.thumbnail.size > 0


def test_jpeg_and_webp_photos_and_pdf_documents_are_accepted(world):
    activity = ActivityFactory(group=world.group)
    types = {
        svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=u).content_type
        for u in (photo_upload("a.jpg", "JPEG"), photo_upload("b.webp", "WEBP"), pdf_upload())
    }
    assert types == {"image/jpeg", "image/webp", "application/pdf"}


def test_a_file_pretending_to_be_a_photo_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    activity = ActivityFactory(group=world.group)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not really a jpeg", content_type="image/jpeg")
    with pytest.raises(DomainError) as exc:
        svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=fake)
    assert "JPEG" in str(exc.value) and "请上传" in str(exc.value)
    assert not Evidence.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 100
    activity = ActivityFactory(group=world.group)
    with pytest.raises(DomainError, match="MB"):
        svc.evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())
    assert not Evidence.objects.exists()


def test_a_committee_organises_an_activity_without_a_group(world):
    start = timezone.now() + timedelta(days=5)
    activity = svc.activity_create(
        actor=world.staff,
        committee=world.district,
        kind="consultation",
        title="专题协商会",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    assert activity.organiser == world.district and activity.attendances.count() == 0
    with pytest.raises(DomainError, match="邀请"):
        svc.activity_announce(activity_id=activity.pk, actor=world.staff)
    assert (
        svc.activity_invite(
            activity_id=activity.pk, actor=world.staff, member_ids=[world.member_record.pk, world.convener_member.pk]
        )
        == 2
    )
    with pytest.raises(DomainError):
        svc.activity_invite(activity_id=activity.pk, actor=world.staff, member_ids=[world.outsider_member.pk])
    assert svc.activity_announce(activity_id=activity.pk, actor=world.staff).state == "announced"
