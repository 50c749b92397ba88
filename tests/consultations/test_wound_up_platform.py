"""A consultation session is not planned at a wound-up platform 撤销 (issue 20, item 5): the service refuses with a
Chinese message, on every door (the session form, the admin, the API), and nothing is written; as an activity."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import ConsultationSession
from core.exceptions import DomainError
from groups.models import Platform
from groups.services.platforms import platform_wind_up
from tests import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/"
REFUSED = "该履职平台已撤销，不能再在此安排协商会议。"


def _platforms(world):
    running = f.PlatformFactory(committee=world.district, kind="consultation", host_group=world.group)
    closed = f.PlatformFactory(committee=world.district, kind="consultation", host_group=world.group)
    platform_wind_up(
        actor=world.district_staff,
        platform_id=closed.pk,
        wound_up_on=timezone.localdate(),
        reason="发起人调离，合并到街道工作室",
    )
    assert Platform.objects.get(pk=closed.pk).state == Platform.State.WOUND_UP
    return running, closed


def _data(world, **kw):
    return (
        dict(
            title="东湖社区月月说事",
            form="grassroots",
            level="community",
            place="东湖社区",
            starts_at=timezone.now() + timedelta(days=3),
            group=world.group,
        )
        | kw
    )


def test_the_service_refuses_to_plan_or_move_a_session_at_a_wound_up_platform(world):
    running, closed = _platforms(world)
    with pytest.raises(DomainError) as refused:
        services.session_create(actor=world.convener, committee=world.district, **_data(world, platform=closed))
    assert refused.value.message_dict == {"platform": [REFUSED]}
    assert not ConsultationSession.objects.exists()
    session = services.session_create(actor=world.convener, committee=world.district, **_data(world, platform=running))
    with pytest.raises(DomainError, match="已撤销"):
        services.session_update(session_id=session.pk, actor=world.convener, platform=closed)
    assert ConsultationSession.objects.get(pk=session.pk).platform == running


def test_a_planned_session_at_a_platform_wound_up_since_is_not_moved_but_its_details_still_change(world):
    platform = f.PlatformFactory(committee=world.district, kind="consultation", host_group=world.group)
    session = services.session_create(actor=world.convener, committee=world.district, **_data(world, platform=platform))
    platform_wind_up(
        actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="撤销"
    )
    with pytest.raises(DomainError, match="已撤销"):
        services.session_update(
            session_id=session.pk, actor=world.convener, starts_at=session.starts_at + timedelta(days=7)
        )
    services.session_update(session_id=session.pk, actor=world.convener, summary="会前征集居民意见 12 条")
    services.session_update(session_id=session.pk, actor=world.convener, platform=None)  # moved off it: fine
    session.refresh_from_db()
    assert session.summary == "会前征集居民意见 12 条" and session.platform is None


def test_the_session_form_shows_the_refusal_on_the_platform_field(world, client_for):
    running, closed = _platforms(world)
    start = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "committee": world.district.pk,
        "title": "月月说事·停车",
        "form": "grassroots",
        "level": "community",
        "group": world.group.pk,
        "starts_at": start,
        "place": "东湖社区",
        "platform": closed.pk,
    }
    client = client_for(world.convener)
    response = client.post(reverse("consultations:session_new"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["platform"] == [REFUSED]
    assert REFUSED in response.content.decode()
    assert not ConsultationSession.objects.exists()
    client.post(reverse("consultations:session_new"), data | {"platform": running.pk})
    session = ConsultationSession.objects.get()
    response = client.post(reverse("consultations:session_edit", args=[session.pk]), data)
    assert response.context["form"].errors["platform"] == [REFUSED]
    assert ConsultationSession.objects.get().platform == running


def _admin_data(client, url, **fields):
    page = client.get(url)
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    start = timezone.localtime() + timedelta(days=3)
    return data | {
        "title": "月月说事·停车",
        "form": "grassroots",
        "level": "community",
        "place": "东湖社区",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        **fields,
    }


def test_the_admin_refuses_a_session_at_a_wound_up_platform_with_the_message(world, client_for):
    running, closed = _platforms(world)
    client = client_for(world.district_staff)
    add = reverse("admin:consultations_consultationsession_add")
    data = _admin_data(client, add, committee=world.district.pk, platform=closed.pk)
    response = client.post(add, data, follow=True)
    assert REFUSED in response.content.decode()
    assert not ConsultationSession.objects.exists()
    response = client.post(add, data | {"platform": running.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    session = ConsultationSession.objects.get()
    change = reverse("admin:consultations_consultationsession_change", args=[session.pk])
    response = client.post(change, _admin_data(client, change, platform=closed.pk), follow=True)
    assert REFUSED in response.content.decode()
    assert ConsultationSession.objects.get().platform == running


def test_the_api_refuses_a_session_at_a_wound_up_platform_with_a_400_in_chinese(world, client_for):
    running, closed = _platforms(world)
    client = client_for(world.convener)
    body = {
        "committee": world.district.pk,
        "title": "月月说事·停车",
        "form": "grassroots",
        "level": "community",
        "place": "东湖社区",
        "group": world.group.pk,
        "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
        "platform": closed.pk,
    }
    response = client.post(API + "consultations/", body, content_type="application/json")
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert not ConsultationSession.objects.exists()
    response = client.post(API + "consultations/", body | {"platform": running.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(f"{API}consultations/{pk}/", {"platform": closed.pk}, content_type="application/json")
    assert response.status_code == 400 and REFUSED in response.content.decode()
    assert ConsultationSession.objects.get().platform == running
