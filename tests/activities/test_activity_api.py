"""The activities API: same permissions as the web, transitions as actions, 400 with Chinese messages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Attendance
from tests import factories as f
from tests.groups.factories import (
    ActivityFactory,
    AnnualPlanFactory,
    AttendanceFactory,
    PlanItemFactory,
    held_activity,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(world):
    a = ActivityFactory(group=world.group, state="announced", starts_at=timezone.now() - timedelta(minutes=30))
    AttendanceFactory(activity=a, member=world.member_record)
    AttendanceFactory(activity=a, member=world.convener_member)
    return a


def _payload(world, **kw):
    start = timezone.now() + timedelta(days=2)
    return {
        "group": world.group.pk,
        "kind": "study",
        "title": "理论学习",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        **kw,
    }


def test_a_convener_creates_an_activity_through_the_api(world, client_for):
    response = client_for(world.convener).post(
        reverse("api:activity-list"), _payload(world), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "planned" and response.json()["invited_count"] == 2


def test_creating_for_another_group_is_forbidden(world, client_for):
    # Another committee's group is not a choice at all (tests/test_api_scope.py): 400, like an id that does not exist.
    response = client_for(world.convener).post(
        reverse("api:activity-list"), _payload(world, group=world.other_group.pk), content_type="application/json"
    )
    assert response.status_code == 400 and "group" in response.json() and not Activity.objects.exists()


def test_bad_input_is_a_400_with_a_chinese_message_and_nothing_saved(world, client_for):
    point = f.ContactPointFactory(committee=world.other, kind="community")
    response = client_for(world.convener).post(
        reverse("api:activity-list"),
        _payload(world, kind="three_enters", target="community", contact_point=point.pk),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "contact_point" in response.json()  # another committee's point is no choice (tests/test_api_scope.py)
    start = timezone.now()
    response = client_for(world.convener).post(
        reverse("api:activity-list"),
        _payload(world, starts_at=start.isoformat(), ends_at=(start - timedelta(hours=1)).isoformat()),
        content_type="application/json",
    )
    assert response.status_code == 400 and "结束时间" in response.json()["ends_at"][0]
    assert not Activity.objects.exists()


def test_an_update_with_a_stale_version_is_a_409_conflict(world, client_for, announced):
    client = client_for(world.convener)
    url = reverse("api:activity-detail", args=[announced.pk])
    ok = client.patch(url, {"place": "甲", "version": announced.version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == announced.version + 1
    stale = client.patch(url, {"place": "乙", "version": announced.version}, content_type="application/json")
    assert stale.status_code == 409 and "其他人" in stale.json()["detail"]  # as in every API (core.api.Conflict)
    assert Activity.objects.get().place == "甲"


@pytest.mark.parametrize("action", ["announce", "hold", "file", "cancel"])
def test_a_convener_cannot_act_on_another_groups_activity(world, client_for, action):
    other = ActivityFactory(group=world.other_group)
    response = client_for(world.convener).post(reverse(f"api:activity-{action}", args=[other.pk]))
    assert response.status_code == 404
    assert Activity.objects.get().state == "planned"


@pytest.mark.parametrize("action", ["announce", "hold", "file", "cancel"])
def test_an_invited_member_cannot_run_transitions(world, client_for, announced, action):
    # They see the activity, so it is the service that refuses: 403 with its message, as the page answers.
    response = client_for(world.member).post(reverse(f"api:activity-{action}", args=[announced.pk]))
    assert response.status_code == 403 and "召集" in response.json()["detail"]
    assert Activity.objects.get().state == "announced"


def test_transitions_through_the_api(world, client_for, announced):
    client = client_for(world.convener)
    bad = client.post(reverse("api:activity-hold", args=[announced.pk]))
    assert bad.status_code == 400 and "出席" in bad.json()["detail"][0]
    url = reverse("api:activity-attendance", args=[announced.pk])
    rows = [
        {"member": world.member_record.pk, "status": "present"},
        {"member": world.convener_member.pk, "status": "excused", "reason": "出差"},
    ]
    own = client.post(url, {"version": announced.version, "rows": rows}, content_type="application/json")
    assert own.status_code == 400 and "副召集人" in own.json()["detail"][0]  # a convener's own row is not theirs
    response = client.post(url, {"version": announced.version, "rows": rows[:1]}, content_type="application/json")
    assert response.status_code == 200, response.content
    response = client_for(world.staff).post(
        url, {"version": announced.version + 1, "rows": rows[1:]}, content_type="application/json"
    )
    assert {r["status"] for r in response.json()} == {"present", "excused"}
    assert client.post(reverse("api:activity-hold", args=[announced.pk])).json()["state"] == "held"
    bad = client.post(reverse("api:activity-file", args=[announced.pk]))
    assert bad.status_code == 400 and "照片" in bad.json()["detail"][0]
    assert client.post(reverse("api:activity-cancel", args=[announced.pk])).status_code == 400


def test_a_member_reads_only_their_own_attendance_and_cannot_record(world, client_for, announced):
    client = client_for(world.member)
    url = reverse("api:activity-attendance", args=[announced.pk])
    rows = client.get(url).json()
    assert [r["member"] for r in rows] == [world.member_record.pk]
    response = client.post(
        url, {"rows": [{"member": world.member_record.pk, "status": "present"}]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Attendance.objects.get(member=world.member_record).status == "invited"


def test_a_member_lists_only_the_activities_they_are_invited_to(world, client_for, announced):
    ActivityFactory(group=world.group, title="未受邀活动")
    ids = [a["id"] for a in client_for(world.member).get(reverse("api:activity-list")).json()["results"]]
    assert ids == [announced.pk]


def test_activities_filter_by_type_target_and_dates(world, client_for):
    held_activity(world, kind="three_enters", target="village", title="进农村")
    ActivityFactory(group=world.group, title="学习", starts_at=timezone.now() + timedelta(days=40))
    client = client_for(world.staff)
    titles = [a["title"] for a in client.get(reverse("api:activity-list"), {"target": "village"}).json()["results"]]
    assert titles == ["进农村"]
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    titles = [a["title"] for a in client.get(reverse("api:activity-list"), {"date_from": later}).json()["results"]]
    assert titles == ["学习"]


def test_the_activity_list_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    for _ in range(2):
        held_activity(world)
    with django_assert_max_num_queries(8) as small:
        assert client.get(reverse("api:activity-list")).status_code == 200
    for _ in range(10):
        held_activity(world)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("api:activity-list")).status_code == 200


def test_the_activity_list_names_each_kind_of_organiser_in_one_statement(
    world, client_for, django_assert_max_num_queries
):
    """The organiser is its name selected with the rows (group, special committee, platform or the committee),
    the same text as ``str(activity.organiser)``; more organisers of each kind add no query."""
    client = client_for(world.staff)

    def organisers():
        held_activity(world)
        ActivityFactory(
            group=None, committee=world.district, special_committee=f.SpecialCommitteeFactory(committee=world.district)
        )
        ActivityFactory(group=None, committee=world.district, platform=f.PlatformFactory(committee=world.district))
        ActivityFactory(group=None, committee=world.district)

    organisers()
    with django_assert_max_num_queries(12) as small:
        rows = client.get(reverse("api:activity-list")).json()["results"]
    organisers()
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows = client.get(reverse("api:activity-list")).json()["results"]
    expected = {a.pk: str(a.organiser) for a in Activity.objects.all()}
    assert len(rows) == len(expected) == 8 and {r["id"]: r["organiser"] for r in rows} == expected
    assert {r["organiser"] for r in rows} >= {world.group.name, world.district.name}


def test_plans_list_only_visible_groups_with_their_items(world, client_for):
    item = PlanItemFactory(plan=AnnualPlanFactory(group=world.group))
    PlanItemFactory(plan=AnnualPlanFactory(group=world.other_group))
    data = client_for(world.convener).get(reverse("api:plan-list")).json()["results"]
    assert [p["group"] for p in data] == [world.group.pk]
    assert data[0]["items"][0]["id"] == item.pk and data[0]["items"][0]["is_done"] is False


def test_coverage_of_a_group_for_its_convener(world, client_for, django_assert_max_num_queries):
    held_activity(world, kind="three_enters", target="community")
    client = client_for(world.convener)
    year = timezone.localdate().year
    with django_assert_max_num_queries(14):
        data = client.get(reverse("api:coverage"), {"group": world.group.pk, "year": year}).json()
    assert data["covered"] == 1 and data["not_covered"] == [world.convener_member.pk]
    assert len(data["six_items"]) == 6


def test_coverage_of_another_group_is_forbidden_to_a_convener(world, client_for):
    response = client_for(world.convener).get(reverse("api:coverage"), {"group": world.other_group.pk})
    assert response.status_code == 403


def test_committee_coverage_is_for_staff_and_leaders(world, client_for):
    held_activity(world, kind="three_enters", target="community")
    assert client_for(world.member).get(reverse("api:coverage")).status_code == 403
    data = client_for(world.leader).get(reverse("api:coverage"), {"quarter": 9}).json()
    assert "quarter" in data
    data = client_for(world.leader).get(reverse("api:coverage")).json()
    district = next(c for c in data["committees"] if c["id"] == world.district.pk)
    assert district["covered"] == 1


def test_coverage_counts_only_the_quarter_asked_for(world, client_for):
    now = timezone.localtime()
    held_activity(world, kind="three_enters", target="community")
    quarter = (
        (now - timedelta(days=1)).month // 3 + 1
        if (now - timedelta(days=1)).month % 3
        else (now - timedelta(days=1)).month // 3
    )
    other = quarter % 4 + 1
    client = client_for(world.staff)
    year = (now - timedelta(days=1)).year
    assert (
        client.get(reverse("api:coverage"), {"group": world.group.pk, "year": year, "quarter": quarter}).json()[
            "covered"
        ]
        == 1
    )
    assert (
        client.get(reverse("api:coverage"), {"group": world.group.pk, "year": year, "quarter": other}).json()["covered"]
        == 0
    )


@pytest.mark.parametrize("name", ["activity-list", "plan-list"])
def test_anonymous_requests_are_refused(client, db, name):
    assert client.get(reverse(f"api:{name}")).status_code in (401, 403)


def test_committee_coverage_lists_contact_points_with_their_last_visit(world, client_for):
    point = f.ContactPointFactory(committee=world.district, kind="community", name="东湖社区")
    f.ContactPointFactory(committee=world.district, kind="village", name="柳林村")
    a = held_activity(world, kind="three_enters", target="community", contact_point=point)
    data = client_for(world.staff).get(reverse("api:coverage"), {"committee": world.district.pk}).json()
    visits = {p["name"]: (p["visits"], p["last_visit"]) for p in data["contact_points"]}
    assert visits["东湖社区"][0] == 1 and visits["东湖社区"][1].startswith(a.starts_at.date().isoformat()[:7])
    assert visits["柳林村"] == (0, None)
    assert [c["id"] for c in data["committees"]] == [world.district.pk]


def test_coverage_refuses_a_year_out_of_range_with_a_400(world, client_for):
    response = client_for(world.staff).get("/api/v1/coverage/", {"year": 0})
    assert response.status_code == 400 and "year" in response.json()


def test_a_non_numeric_activity_id_is_a_404(world, client_for):
    assert client_for(world.convener).post("/api/v1/activities/null,null/attendance/", {}).status_code == 404


def test_exporting_the_ledger_is_audited(world, client_for):
    from core.models import AuditEvent

    client_for(world.staff).get(reverse("activities:ledger"), {"export": "xlsx"})
    assert AuditEvent.objects.filter(verb="export", comment="activity ledger").exists()


def test_the_activity_list_shows_open_groups_in_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    from activities.models import ActivityOpenTo

    def open_activity():
        activity = held_activity(world)
        activity.open_to = ActivityOpenTo.GROUPS
        activity.save(update_fields=["open_to"])
        activity.open_groups.set([world.group, world.other_group])
        return activity

    client = client_for(world.member)
    first = open_activity()
    with django_assert_max_num_queries(14) as small:
        rows = client.get(reverse("api:activity-list")).json()["results"]
    assert sorted(next(r for r in rows if r["id"] == first.pk)["open_groups"]) == sorted(
        [world.group.pk, world.other_group.pk]
    )
    for _ in range(8):
        open_activity()
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows = client.get(reverse("api:activity-list")).json()["results"]
    assert len(rows) >= 9 and all(len(r["open_groups"]) == 2 for r in rows if r["open_to"] == "groups")
