"""Activity pages: the permission matrix, forms with bad input, fixed query counts, exports, sign-in."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.models import Activity, Attendance, Evidence, PlanItem
from activities.services import activities as svc
from tests import factories as f
from tests.groups.factories import (
    ActivityFactory,
    AttendanceFactory,
    ThreeEntersFactory,
    held_activity,
    photo_upload,
)

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _dt(delta):
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def activity(world):
    a = ActivityFactory(group=world.group, state="announced")
    AttendanceFactory(activity=a, member=world.member_record)
    AttendanceFactory(activity=a, member=world.convener_member)
    return a


@pytest.fixture
def other_activity(world):
    a = ActivityFactory(group=world.other_group, state="announced")
    AttendanceFactory(activity=a)
    return a


# --- Permission matrix ----------------------------------------------------------------------------


def _group_pages(group):
    return [
        reverse("activities:group_activities", args=[group.pk]),
        reverse("activities:activity_new", args=[group.pk]),
        reverse("activities:plan", args=[group.pk, YEAR]),
    ]


def _activity_pages(a):
    return [reverse("activities:activity_edit", args=[a.pk]), reverse("activities:sign_in_screen", args=[a.pk])]


def _activity_posts(a):
    return [
        reverse("activities:activity_transition", args=[a.pk, "announce"]),
        reverse("activities:attendance_record", args=[a.pk]),
        reverse("activities:evidence_upload", args=[a.pk]),
    ]


def test_a_convener_opens_every_page_of_their_own_group(world, client_for, activity):
    client = client_for(world.convener)
    for url in (
        _group_pages(world.group)
        + _activity_pages(activity)
        + [reverse("activities:activity_detail", args=[activity.pk])]
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["convener", "member", "unit_user", "outsider_member", "other_staff"])
def test_pages_of_another_group_are_forbidden(world, client_for, other_activity, who):
    user = world.outsider_member.user if who == "outsider_member" else getattr(world, who)
    client = client_for(user)
    for url in (
        _group_pages(world.other_group)
        + _activity_pages(other_activity)
        + [reverse("activities:activity_detail", args=[other_activity.pk])]
    ):
        assert client.get(url).status_code == 403, url
    for url in _activity_posts(other_activity):
        assert client.post(url).status_code == 403, url
    assert Activity.objects.get(pk=other_activity.pk).state == "announced"


def test_a_member_sees_an_invited_activity_but_cannot_manage_it(world, client_for, activity):
    client = client_for(world.member)
    response = client.get(reverse("activities:activity_detail", args=[activity.pk]))
    assert response.status_code == 200 and not response.context["can_edit"]
    assert response.context["attendances"] == []
    for url in _group_pages(world.group) + _activity_pages(activity):
        assert client.get(url).status_code == 403, url
    for url in _activity_posts(activity):
        assert client.post(url).status_code == 403, url


def test_a_member_cannot_see_an_activity_they_are_not_invited_to(world, client_for):
    uninvited = ActivityFactory(group=world.group)
    assert client_for(world.member).get(reverse("activities:activity_detail", args=[uninvited.pk])).status_code == 403


def test_evidence_files_are_served_only_to_those_who_see_the_activity(world, client_for, activity, other_activity):
    from activities.services.activities import evidence_upload

    ev = evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())
    response = client_for(world.member).get(reverse("activities:evidence_thumbnail", args=[ev.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client_for(world.other_convener).get(reverse("activities:evidence_file", args=[ev.pk])).status_code == 403


@pytest.mark.parametrize("who", ["convener", "member", "unit_user"])
def test_the_ledger_and_coverage_are_for_staff_and_leaders(world, client_for, who):
    client = client_for(getattr(world, who))
    assert client.get(reverse("activities:ledger")).status_code == 403
    assert client.get(reverse("activities:coverage")).status_code == 403


def test_my_activities_is_for_members(world, client_for):
    assert client_for(world.staff).get(reverse("activities:my_activities")).status_code == 403


# --- Convener forms -------------------------------------------------------------------------------


def test_a_convener_creates_an_activity_and_the_group_is_invited(world, client_for):
    point = f.ContactPointFactory(committee=world.district, kind="community", name="东湖社区")
    response = client_for(world.convener).post(
        reverse("activities:activity_new", args=[world.group.pk]),
        {
            "title": "委员进社区听民意",
            "kind": "three_enters",
            "target": "community",
            "contact_point": point.pk,
            "starts_at": _dt(timedelta(days=2)),
            "ends_at": _dt(timedelta(days=2, hours=2)),
            "place": "东湖社区活动室",
        },
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == reverse("activities:activity_detail", args=[activity.pk])
    assert activity.attendances.count() == 2


def test_dates_in_the_wrong_order_show_a_chinese_message_and_save_nothing(world, client_for):
    response = client_for(world.convener).post(
        reverse("activities:activity_new", args=[world.group.pk]),
        {"title": "学习会", "kind": "study", "starts_at": _dt(timedelta(days=2)), "ends_at": _dt(timedelta(days=1))},
    )
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_stale_edit_is_refused_with_a_message_and_the_other_change_kept(world, client_for, activity):
    client = client_for(world.convener)
    url = reverse("activities:activity_edit", args=[activity.pk])
    data = {
        "title": activity.title,
        "kind": "study",
        "starts_at": _dt(timedelta(days=3)),
        "ends_at": _dt(timedelta(days=3, hours=1)),
        "version": activity.version,
    }
    assert client.post(url, {**data, "place": "甲会议室"}).status_code == 302
    response = client.post(url, {**data, "place": "乙会议室"})
    assert response.status_code == 200 and "其他人" in response.content.decode()
    assert Activity.objects.get().place == "甲会议室"


def test_a_convener_records_the_whole_groups_attendance_in_one_form(world, client_for):
    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(hours=1))
    other = f.MembershipFactory(group=world.group).member  # the convener's own row is not theirs to record
    for m in (world.member_record, other):
        AttendanceFactory(activity=a, member=m)
    response = client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]),
        {
            "version": a.version,
            f"status_{world.member_record.pk}": "excused",
            f"reason_{world.member_record.pk}": "出差",
            f"status_{other.pk}": "present",
            "and_hold": "1",
        },
    )
    assert response.status_code == 302
    assert dict(a.attendances.values_list("member_id", "status")) == {
        world.member_record.pk: "excused",
        other.pk: "present",
    }
    assert Activity.objects.get().state == "held"


def test_uploading_a_wrong_file_shows_a_chinese_message(world, client_for, activity):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.convener)
    response = client.post(
        reverse("activities:evidence_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile("a.jpg", b"not an image")},
        follow=True,
    )
    assert "请上传照片" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_plan_editor_starts_a_plan_and_adds_an_item_with_responsible_members(world, client_for):
    client = client_for(world.convener)
    url = reverse("activities:plan", args=[world.group.pk, YEAR])
    assert client.post(url).status_code == 302
    response = client.post(
        url,
        {
            "quarter": 2,
            "month": 5,
            "title": "进社区宣讲",
            "kind": "three_enters",
            "target": "community",
            "responsible": [world.member_record.pk],
        },
    )
    assert response.status_code == 302
    item = PlanItem.objects.get()
    assert list(item.responsible.all()) == [world.member_record]


def test_a_plan_month_outside_its_quarter_is_refused(world, client_for):
    client = client_for(world.convener)
    url = reverse("activities:plan", args=[world.group.pk, YEAR])
    client.post(url)
    response = client.post(url, {"quarter": 1, "month": 7, "title": "调研", "kind": "research"})
    assert response.status_code == 200 and "该月份不在所选季度内" in response.content.decode()
    assert not PlanItem.objects.exists()


# --- Member ---------------------------------------------------------------------------------------


def test_a_member_asks_for_leave_from_my_activities(world, client_for, activity):
    client = client_for(world.member)
    assert activity.title in client.get(reverse("activities:my_activities")).content.decode()
    client.post(reverse("activities:leave_request", args=[activity.pk]), {"reason": "出差"})
    assert Attendance.objects.get(activity=activity, member=world.member_record).leave == "requested"


def _now_activity(world, **kw):
    a = ActivityFactory(
        group=world.group, state="announced", starts_at=kw.pop("starts_at", timezone.now() + timedelta(minutes=20))
    )
    AttendanceFactory(activity=a, member=world.member_record)
    AttendanceFactory(activity=a, member=world.convener_member)
    return a


def _sign_in_url(a, at=None):
    return reverse("activities:sign_in", args=[a.pk, svc.sign_in_code(a.pk, now=at or timezone.now())])


def test_a_member_signs_in_with_the_code_on_the_conveners_screen(world, client_for):
    a = _now_activity(world)
    client = client_for(world.member)
    page = client.get(_sign_in_url(a)).content.decode()
    assert "立即签到" in page and "disabled" not in page
    client.post(_sign_in_url(a))
    row = Attendance.objects.get(activity=a, member=world.member_record)
    assert (row.status, row.sign_in_method) == ("present", "on_site")
    body = client.post(_sign_in_url(a)).content.decode()
    assert "签到成功" not in body


def test_the_conveners_screen_shows_the_current_code_and_renews_it_without_reloading(world, client_for):
    import segno
    import time_machine

    a = _now_activity(world)
    with time_machine.travel(timezone.now().replace(second=10, microsecond=0), tick=False):
        response = client_for(world.convener).get(reverse("activities:sign_in_screen", args=[a.pk]))
        url = settings.PORTAL_BASE_URL + _sign_in_url(a)  # the address members reach, not the request's host
    body = response.content.decode()
    assert segno.make(url, error="m").svg_inline(scale=8, border=2, omitsize=True, light="#fff") in body
    # The code is renewed by a script file in 20 seconds (the CSP allows no inline script), by a reload without script.
    assert 'data-refresh="20"' in body and '<noscript><meta http-equiv="refresh" content="20"></noscript>' in body
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/js/sign-in-screen.js">']
    assert response["Cache-Control"] == "no-store" and "已签到：0 / 2 人" in body


def test_the_conveners_screen_shows_no_code_outside_the_window(world, client_for):
    a = _now_activity(world, starts_at=timezone.now() + timedelta(days=1))
    body = client_for(world.convener).get(reverse("activities:sign_in_screen", args=[a.pk])).content.decode()
    assert "<svg" not in body and "现在不在签到时间内" in body


def test_the_members_own_pages_carry_no_sign_in_link(world, client_for):
    a = _now_activity(world)
    client = client_for(world.member)
    detail = client.get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    mine = client.get(reverse("activities:my_activities")).content.decode()
    assert "/sign-in/" not in detail + mine
    assert "请用手机扫描召集人屏幕上的二维码" in detail


def test_outside_the_window_the_button_is_disabled_and_the_window_shown(world, client_for):
    a = _now_activity(world, starts_at=timezone.now() + timedelta(days=1))
    client = client_for(world.member)
    page = client.get(_sign_in_url(a)).content.decode()
    assert "签到时间为" in page and "disabled" in page
    client.post(_sign_in_url(a))
    assert Attendance.objects.get(activity=a, member=world.member_record).status == "invited"


def test_an_expired_code_is_refused_on_the_page(world, client_for):
    a = _now_activity(world)
    old = _sign_in_url(a, at=timezone.now() - timedelta(minutes=5))
    client = client_for(world.member)
    page = client.get(old).content.decode()
    assert "二维码已过期" in page and "disabled" in page
    assert "二维码已过期" in client.post(old).content.decode()
    assert Attendance.objects.get(activity=a, member=world.member_record).status == "invited"


def test_a_member_recorded_absent_sees_why_they_cannot_sign_in(world, client_for):
    a = _now_activity(world, starts_at=timezone.now() - timedelta(minutes=5))
    Attendance.objects.filter(activity=a, member=world.member_record).update(status="absent")
    page = client_for(world.member).get(_sign_in_url(a)).content.decode()
    assert "召集人已将您记为“缺席”" in page and "disabled" in page


def test_a_convener_sees_no_buttons_for_their_own_leave_or_attendance(world, client_for):
    a = _now_activity(world, starts_at=timezone.now() + timedelta(days=1))
    svc.attendance_request_leave(activity_id=a.pk, actor=world.convener, reason="出差")
    a.starts_at = timezone.now() - timedelta(minutes=5)
    a.save()
    response = client_for(world.convener).get(reverse("activities:activity_detail", args=[a.pk]))
    body = response.content.decode()
    own = Attendance.objects.get(activity=a, member=world.convener_member)
    assert reverse("activities:leave_decide", args=[own.pk]) not in body
    assert f'name="status_{world.convener_member.pk}"' not in body and f'name="status_{world.member_record.pk}"' in body
    assert "您本人的请假由副召集人或秘书处工作人员审批" in body
    dashboard = client_for(world.convener).get(reverse("activities:group_activities", args=[world.group.pk]))
    assert dashboard.context["leave_requests"] == []
    staff_page = client_for(world.staff).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    assert reverse("activities:leave_decide", args=[own.pk]) in staff_page


def test_a_convener_posting_their_own_attendance_changes_nothing(world, client_for):
    a = _now_activity(world, starts_at=timezone.now() - timedelta(minutes=5))
    client_for(world.convener).post(
        reverse("activities:attendance_record", args=[a.pk]),
        {f"status_{world.convener_member.pk}": "present", "version": a.version},
    )
    assert Attendance.objects.get(activity=a, member=world.convener_member).status == "invited"


def test_the_ledger_shows_how_members_signed_in(world, client_for):
    a = _now_activity(world, starts_at=timezone.now() - timedelta(minutes=5))
    svc.attendance_sign_in(activity_id=a.pk, code=svc.sign_in_code(a.pk), actor=world.member)
    svc.attendance_record(
        activity_id=a.pk, actor=world.staff, version=None, statuses={world.convener_member.pk: "absent"}
    )
    svc.attendance_record(
        activity_id=a.pk, actor=world.staff, version=None, statuses={world.convener_member.pk: "present"}
    )
    client = client_for(world.staff)
    text = re.sub(r"<[^>]+>", "", client.get(reverse("activities:ledger")).content.decode())  # each count is a link
    assert "扫码 1 · 召集人登记 0 · 更正 1" in text
    sheet = load_workbook(io.BytesIO(client.get(reverse("activities:ledger") + "?export=xlsx").content)).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert (
        dict(zip(header, row, strict=True))["现场签到"] == 1 and dict(zip(header, row, strict=True))["召集人更正"] == 1
    )


# --- Query counts ---------------------------------------------------------------------------------


def _grow(world, n):
    for _ in range(n):
        member = f.MembershipFactory(group=world.group).member
        a = held_activity(
            world,
            kind="three_enters",
            target="community",
            members=[member, world.member_record],
            contact_point=f.ContactPointFactory(committee=world.district, kind="community"),
        )
        world.group.contact_points.add(a.contact_point)
        ActivityFactory(group=world.group)


@pytest.mark.parametrize("name", ["group_dashboard", "ledger", "coverage", "my_activities"])
def test_pages_run_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries, name):
    who, url = {
        "group_dashboard": (world.convener, reverse("activities:group_activities", args=[world.group.pk])),
        "ledger": (world.staff, reverse("activities:ledger")),
        "coverage": (world.staff, f"{reverse('activities:coverage')}?committee={world.district.pk}"),
        "my_activities": (world.member, reverse("activities:my_activities")),
    }[name]
    client = client_for(who)
    _grow(world, 2)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    _grow(world, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_group_dashboard_shows_who_is_not_yet_covered(world, client_for):
    held_activity(world, kind="three_enters", target="community")
    response = client_for(world.convener).get(reverse("activities:group_activities", args=[world.group.pk]))
    coverage = response.context["coverage"]
    assert [m.pk for m in coverage.not_covered] == [world.convener_member.pk]
    assert coverage.covered == 1


def test_the_group_dashboards_uncovered_card_says_this_quarter_only_for_this_quarter(world, client_for):
    """One coverage rule (a three-enters activity, or a contact at a contact point where the committee counts it):
    the card says "not covered", as the workbench to-do; "this quarter" only when the period shown is it."""
    today = timezone.localdate()
    url = reverse("activities:group_activities", args=[world.group.pk])
    client = client_for(world.convener)

    def title(**query) -> str:
        page = client.get(url, query).content.decode()
        assert "尚未参加三进活动的委员" not in page
        return page.split('data-testid="uncovered-title">', 1)[1].split("</span>", 1)[0]

    assert title(year=today.year, quarter=(today.month - 1) // 3 + 1) == "本季度尚未覆盖的委员"
    assert title() == title(year=today.year - 1, quarter=1) == "尚未覆盖的委员"  # the whole year; a past quarter


# --- Ledger and exports ---------------------------------------------------------------------------


def test_the_ledger_filters_by_type_and_state(world, client_for):
    ThreeEntersFactory(group=world.group, title="进社区", state="held")
    ActivityFactory(group=world.group, title="学习会", state="planned")
    client = client_for(world.staff)
    page = client.get(reverse("activities:ledger"), {"kind": "three_enters"}).context["page_obj"]
    assert [a.title for a in page] == ["进社区"]
    page = client.get(reverse("activities:ledger"), {"state": "planned"}).context["page_obj"]
    assert [a.title for a in page] == ["学习会"]


def test_other_committees_activities_stay_out_of_the_ledger(world, client_for):
    ActivityFactory(group=f.ActivityGroupFactory(committee=world.other), title="远山活动")
    assert client_for(world.staff).get(reverse("activities:ledger")).context["page_obj"].paginator.count == 0


def test_the_ledger_and_the_coverage_export_to_excel(world, client_for):
    held_activity(world, kind="three_enters", target="community", title="进社区走访")
    client = client_for(world.staff)
    wb = load_workbook(io.BytesIO(client.get(reverse("activities:ledger"), {"export": "xlsx"}).content))
    rows = list(wb.active.values)
    assert rows[1][5] == "进社区走访" and len(rows) == 2
    wb = load_workbook(io.BytesIO(client.get(reverse("activities:coverage"), {"export": "xlsx"}).content))
    groups = {r[1]: r for r in wb.worksheets[1].values}
    assert groups[world.group.name][2:4] == (2, 1)


def test_a_leave_request_does_not_redirect_to_another_site(world, client_for, activity):
    response = client_for(world.member).post(
        reverse("activities:leave_request", args=[activity.pk]), {"reason": "出差", "next": "https://evil.example/"}
    )
    assert response.url == reverse("activities:my_activities")


def test_the_activity_page_names_each_kind_of_organiser_and_counts_the_listed_attendance(world, client_for):
    """The page reads the organiser's name in the activity's statement (a group joined, the others as subqueries)
    and counts the excused and absent of the attendance it lists; both as ``Activity.organiser`` and the counts."""
    special = f.SpecialCommitteeFactory(committee=world.district, name="社会法制委员会")
    platform = f.PlatformFactory(committee=world.district, name="东湖委员工作室")
    kinds = {
        world.group.name: ActivityFactory(group=world.group),
        special.name: ActivityFactory(group=None, committee=world.district, special_committee=special),
        platform.name: ActivityFactory(group=None, committee=world.district, platform=platform),
        world.district.name: ActivityFactory(group=None, committee=world.district),
    }
    client = client_for(world.district_staff)
    for name, a in kinds.items():
        assert str(a.organiser) == name
        page = client.get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
        assert f'<div class="text-secondary small mb-3">{name} · ' in page
    a = held_activity(world)
    statuses = ["excused", "excused", "absent", "invited"]  # and the one present of held_activity
    for status in statuses:
        AttendanceFactory(activity=a, status=status, leave_reason="出差" if status == "excused" else "")
    page = client_for(world.convener).get(reverse("activities:activity_detail", args=[a.pk])).content.decode()
    counts = {s: Attendance.objects.filter(activity=a, status=s).count() for s in ("present", "excused", "absent")}
    assert counts == {"present": 1, "excused": 2, "absent": 1}
    assert f"出席 {counts['present']} · 请假 {counts['excused']} · 缺席 {counts['absent']}" in page


def test_the_activity_record_and_plan_pages_run_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    from activities.services.activities import evidence_upload
    from tests.groups.factories import AnnualPlanFactory, PlanItemFactory

    a = held_activity(world)
    plan = AnnualPlanFactory(group=world.group)
    client = client_for(world.convener)
    urls = [
        reverse("activities:activity_detail", args=[a.pk]),
        reverse("activities:plan", args=[world.group.pk, plan.year]),
    ]

    def grow(n):
        for _ in range(n):
            m = f.MembershipFactory(group=world.group).member
            AttendanceFactory(activity=a, member=m)
            PlanItemFactory(plan=plan).responsible.add(m)
            evidence_upload(activity_id=a.pk, actor=world.convener, upload=photo_upload())

    for url in urls:
        grow(1)
        with django_assert_max_num_queries(30) as small:
            assert client.get(url).status_code == 200
        grow(8)
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(url).status_code == 200


def test_the_group_dashboard_lists_leave_requests_waiting_for_the_convener(world, client_for, activity):
    from activities.services.activities import attendance_request_leave

    attendance_request_leave(activity_id=activity.pk, actor=world.member, reason="外出学习")
    body = (
        client_for(world.convener).get(reverse("activities:group_activities", args=[world.group.pk])).content.decode()
    )
    assert "等待您审批的请假" in body and "外出学习" in body
