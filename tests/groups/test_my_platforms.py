"""A member's platforms 我的履职平台: who sees which platform (the committee's staff and leaders all of them; anyone else
of the committee the public ones — established — and those they belong or belonged to, or whose host group they
convene), the phone list of one's own platforms with the role, this year's plan and what is coming up, and a platform
wound up 撤销: its page says so and it takes no new activity (the life cycle establish → evaluate → wind up, each
audited, the wind-up behind the confirmation step)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from activities.services import activities as activity_svc
from core.exceptions import DomainError
from core.models import AuditEvent
from groups.models import Platform
from groups.models.platforms import PlatformMembership
from groups.services import platforms as svc
from tests import factories as f
from tests.groups.factories import ActivityFactory
from tests.groups.test_platforms import _established, _platform, _staffed

pytestmark = pytest.mark.django_db
R = PlatformMembership.Role


def _visible(user):
    return set(Platform.objects.visible_to(user).values_list("name", flat=True))


# --- who sees which platform ---------------------------------------------------------------------------------


def test_members_see_public_platforms_and_their_own_staff_and_leaders_see_all(world):
    mine = _staffed(world, _platform(world, name="我的工作室"))  # proposed, the member in it
    _established(world, _platform(world, name="公开工作室"))
    _platform(world, name="筹建中工作站")  # proposed, nobody of the world in it
    hosted = _platform(world, name="本组工作站", host_group=world.group)  # proposed, hosted by the convener's group
    assert _visible(world.member) == {"我的工作室", "公开工作室"}
    assert _visible(world.convener) == {"我的工作室", "公开工作室", "本组工作站"}
    everything = {"我的工作室", "公开工作室", "筹建中工作站", "本组工作站"}
    assert _visible(world.district_staff) == _visible(world.staff) == _visible(world.leader) == everything
    assert _visible(world.unit_user) == {"公开工作室"}  # a unit of the committee: the public ones
    assert _visible(world.outsider_member.user) == _visible(world.other_staff) == set()
    assert hosted.pk and mine.pk


def test_a_member_still_sees_a_platform_they_left_or_that_was_wound_up(world):
    platform = _established(world)
    svc.platform_wind_up(
        actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="撤并"
    )
    assert platform.name in _visible(world.member)
    other = f.MemberFactory(committee=world.district, term=world.member_record.term, user=f.UserFactory())
    assert platform.name not in _visible(other.user)  # wound up is no longer public


def test_a_hidden_platform_is_404_on_the_page_and_in_the_api(world, client_for):
    platform = _platform(world)  # being set up, the member not in it
    client = client_for(world.member)
    assert client.get(reverse("activities:platform", args=[platform.pk])).status_code == 404
    assert client.get(reverse("api:platform-detail", args=[platform.pk])).status_code == 404
    assert platform.pk not in [row["id"] for row in client.get(reverse("api:platform-list")).json()["results"]]
    assert client_for(world.district_staff).get(reverse("activities:platform", args=[platform.pk])).status_code == 200


# --- my platforms --------------------------------------------------------------------------------------------


def _upcoming(world, platform, title, days):
    starts = timezone.now() + timedelta(days=days)
    return ActivityFactory(
        group=None,
        platform=platform,
        committee=world.district,
        state=Activity.State.ANNOUNCED,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )


def test_my_platforms_lists_my_places_with_the_plan_and_what_is_coming_up(world, client_for):
    platform = _established(world)
    svc.platform_plan_save(
        actor=world.convener,
        platform_id=platform.pk,
        year=timezone.localdate().year,
        content="每月一次委员接待日",
        planned_activities=12,
    )
    activity = _upcoming(world, platform, "委员接待日（六月）", 3)
    activity.attendances.create(member=world.member_record)
    _upcoming(world, platform, "内部筹备会", 4)  # the member is not invited: not theirs to open, not listed
    _platform(world, name="别人的工作室", state=Platform.State.ESTABLISHED)  # public, but not the member's
    body = client_for(world.member).get(reverse("activities:my_platforms")).content.decode()
    assert platform.name in body and "别人的工作室" not in body
    assert "每月一次委员接待日" in body and "委员接待日（六月）" in body and "内部筹备会" not in body
    assert reverse("activities:platform", args=[platform.pk]) in body
    assert reverse("activities:activity_detail", args=[activity.pk]) in body


def test_a_wound_up_platform_in_my_list_says_so_and_shows_nothing_coming(world, client_for):
    platform = _established(world)
    svc.platform_wind_up(
        actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="撤并"
    )
    body = client_for(world.member).get(reverse("activities:my_platforms")).content.decode()
    assert platform.name in body and "data-wound-up" in body and "撤销" in body


def test_my_page_and_my_duty_record_link_to_my_platforms(world, client_for):
    client = client_for(world.member)
    url = reverse("activities:my_platforms")
    assert url in client.get(reverse("groups:my_page")).content.decode()
    assert url in client.get(reverse("assessments:my_record")).content.decode()
    empty = client.get(url).content.decode()
    assert "您还没有加入任何履职平台" in empty


def test_only_members_have_a_list_of_their_platforms(world, client_for):
    for user in (world.district_staff, world.unit_user):
        assert client_for(user).get(reverse("activities:my_platforms")).status_code == 403


def test_my_platforms_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.member)
    url = reverse("activities:my_platforms")
    for i in range(6):
        platform = f.PlatformFactory(committee=world.district, name=f"工作站{i}")
        PlatformMembership.objects.create(
            platform=platform, member=world.member_record, role=R.MEMBER, joined_on=timezone.localdate()
        )
        for d in (2, 5, 9, 12):
            _upcoming(world, platform, f"活动{i}-{d}", d).attendances.create(member=world.member_record)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count('data-testid="my-platform"') == 6
    assert response.content.decode().count("data-upcoming") == 6 * 3


# --- the life cycle, to the end ------------------------------------------------------------------------------


def _verbs(platform):
    return list(
        AuditEvent.objects.filter(object_id=str(platform.pk), content_type__model="platform")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def test_established_evaluated_and_wound_up_a_platform_takes_no_new_activity_and_its_page_says_so(world, client_for):
    platform = _established(world)
    year = timezone.localdate().year
    svc.platform_evaluate(actor=world.district_staff, platform_id=platform.pk, year=year, grade="good", comments="好")
    client = client_for(world.district_staff)
    wind_up = client.get(reverse("activities:platform_wind_up", args=[platform.pk])).content.decode()
    assert 'data-confirm="wind_up"' in wind_up  # the second tap: nothing is sent before it
    client.post(
        reverse("activities:platform_wind_up", args=[platform.pk]),
        {
            "wound_up_on": timezone.localdate().isoformat(),
            "reason": "与街道协商工作站合并",
            "expected_state": "established",
        },
    )
    platform.refresh_from_db()
    assert platform.state == Platform.State.WOUND_UP
    assert _verbs(platform)[-3:] == ["established", "evaluated", "wound_up"]
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(DomainError) as refused:
        activity_svc.activity_create(
            actor=world.district_staff,
            committee=world.district,
            platform=platform,
            kind="reception",
            title="委员接待日",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
    assert "platform" in refused.value.message_dict
    assert not Activity.objects.filter(platform=platform).exists()
    page = client_for(world.member).get(reverse("activities:platform", args=[platform.pk])).content.decode()
    assert 'data-testid="wound-up"' in page and "不再接受新的活动" in page
    assert (
        reverse("activities:platform_member_add", args=[platform.pk])
        not in client.get(reverse("activities:platform", args=[platform.pk])).content.decode()
    )


def test_an_established_platform_takes_an_activity_of_its_own_committee_only(world):
    platform = _established(world)
    starts = timezone.now() + timedelta(days=3)
    fields = {"kind": "reception", "title": "委员接待日", "starts_at": starts, "ends_at": starts + timedelta(hours=2)}
    activity = activity_svc.activity_create(
        actor=world.district_staff, committee=world.district, platform=platform, **fields
    )
    assert activity.platform == platform and activity.group is None
    elsewhere = f.PlatformFactory(committee=world.city, state=Platform.State.ESTABLISHED)
    with pytest.raises(DomainError):
        activity_svc.activity_create(actor=world.district_staff, committee=world.district, platform=elsewhere, **fields)


def test_the_api_refuses_an_activity_at_a_wound_up_platform(world, client_for):
    platform = _established(world)
    svc.platform_wind_up(
        actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="撤并"
    )
    starts = timezone.now() + timedelta(days=3)
    response = client_for(world.district_staff).post(
        reverse("api:activity-list"),
        {
            "committee": world.district.pk,
            "platform": platform.pk,
            "kind": "reception",
            "title": "委员接待日",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert not Activity.objects.filter(platform=platform).exists()
