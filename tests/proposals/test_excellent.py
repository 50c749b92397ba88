"""Excellent proposals 优秀提案: rated by staff on filed proposals, shown on the page, the list, the API and the admin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from core.exceptions import InvalidTransition, NotPermitted
from core.models import AuditEvent
from proposals import services
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def _verbs(p):
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Proposal), object_id=str(p.pk), verb__startswith="excellent"
        )
        .values_list("verb", flat=True)
        .order_by("pk")
    )


def test_staff_rate_a_filed_proposal_excellent_and_withdraw_it(world, walk):
    p = walk.assigned()
    services.proposal_mark_excellent(proposal_id=p.pk, actor=world.staff)
    p.refresh_from_db()
    assert p.is_excellent and p.excellent_marked_at and p.excellent_marked_by == world.staff
    with pytest.raises(InvalidTransition):
        services.proposal_mark_excellent(proposal_id=p.pk, actor=world.staff)
    services.proposal_unmark_excellent(proposal_id=p.pk, actor=world.staff)
    p.refresh_from_db()
    assert not p.is_excellent and p.excellent_marked_at is None and p.excellent_marked_by is None
    with pytest.raises(InvalidTransition):
        services.proposal_unmark_excellent(proposal_id=p.pk, actor=world.staff)
    assert _verbs(p) == ["excellent_marked", "excellent_unmarked"]


def test_only_filed_proposals_and_only_staff(world, walk):
    with translation.override("zh-hans"), pytest.raises(InvalidTransition, match="立案"):
        services.proposal_mark_excellent(proposal_id=walk.submitted().pk, actor=world.staff)
    filed = walk.filed()
    for who in (world.member, world.other_staff, world.convener):
        with pytest.raises(NotPermitted):
            services.proposal_mark_excellent(proposal_id=filed.pk, actor=who)
    assert not Proposal.objects.filter(is_excellent=True).exists()


def test_the_page_action_shows_the_rating_and_only_staff_may_press_it(
    world, client_for, walk, django_assert_max_num_queries
):
    p = walk.filed()
    url = reverse("proposals:act", args=[p.pk, "mark_excellent"])
    assert client_for(world.member).post(url).status_code in (302, 403)
    assert not Proposal.objects.get(pk=p.pk).is_excellent
    staff = client_for(world.staff)
    assert staff.post(url).status_code == 302
    assert Proposal.objects.get(pk=p.pk).is_excellent
    with django_assert_max_num_queries(40):
        body = staff.get(reverse("proposals:detail", args=[p.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "优秀提案" in body and "撤销优秀提案评定" in body
    member_page = (
        client_for(world.member)
        .get(reverse("proposals:detail", args=[p.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert "优秀" in member_page and "unmark_excellent" not in member_page
    client_for(world.staff).post(reverse("proposals:act", args=[p.pk, "unmark_excellent"]))
    assert not Proposal.objects.get(pk=p.pk).is_excellent


def test_the_list_the_api_and_the_admin_filter_excellent_proposals(world, client_for, walk):
    good, other = walk.filed(), walk.filed()
    services.proposal_mark_excellent(proposal_id=good.pk, actor=world.staff)
    client = client_for(world.staff)
    rows = client.get(reverse("api:proposal-list"), {"excellent": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [good.pk] and rows[0]["is_excellent"] and rows[0]["excellent_marked_at"]
    page = client.get(reverse("proposals:list"), {"excellent": "1", "year": 2026})
    assert [p.pk for p in page.context["page_obj"]] == [good.pk]
    admin_list = reverse("admin:proposals_proposal_changelist")
    assert client.get(admin_list, {"is_excellent__exact": "1"}).status_code == 200
    client.post(admin_list, {"action": "mark_excellent_selected", "_selected_action": [other.pk], "confirmed": "yes"})
    assert Proposal.objects.get(pk=other.pk).is_excellent
    client.post(admin_list, {"action": "unmark_excellent_selected", "_selected_action": [good.pk, other.pk]})
    assert not Proposal.objects.filter(is_excellent=True).exists()
