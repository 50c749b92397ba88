"""The proposal admin: every list and form for staff, scoped to their committees; actions use the services."""

import pytest
from django.contrib import admin
from django.urls import reverse

from proposals import services
from proposals.models import Proposal

pytestmark = pytest.mark.django_db

ADMINS = [m for m in admin.site._registry if m._meta.app_label == "proposals"]


def _url(model, action="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", ADMINS, ids=lambda m: m._meta.model_name)
def test_every_admin_list_and_add_form_renders_for_staff(world, client_for, walk, model, django_assert_max_num_queries):
    walk.closed()
    services.report_submit(actor=world.member, title="标题", content="内容")
    client = client_for(world.staff)
    with django_assert_max_num_queries(30):
        assert client.get(_url(model)).status_code == 200
    # Proposals and reports are written by their authors on their pages (the services), never added here.
    added_elsewhere = model._meta.model_name in ("proposal", "opinionreport")
    assert client.get(_url(model, "add")).status_code == (403 if added_elsewhere else 200)


@pytest.mark.parametrize("who", ["member", "unit_user", "leader"])
def test_only_secretariat_staff_get_into_the_proposal_admin(world, client_for, who):
    response = client_for(getattr(world, who)).get(_url(Proposal))
    assert response.status_code in (302, 403)


def test_staff_see_only_their_committees_proposals_in_the_admin(world, client_for, walk):
    p = walk.assigned()
    assert client_for(world.other_staff).get(_url(Proposal, "change", p.pk)).status_code in (302, 403, 404)
    body = client_for(world.staff).get(_url(Proposal, "change", p.pk)).content.decode()
    assert p.title in body and world.unit.name in body


def test_the_admin_file_action_goes_through_the_service(world, client_for, walk):
    a, b = walk.submitted(), walk.filed()
    client_for(world.staff).post(
        _url(Proposal), {"action": "file_selected", "_selected_action": [a.pk, b.pk], "confirmed": "yes"}
    )
    a.refresh_from_db()
    assert a.state == "filed" and a.serial_number == 2
    assert Proposal.objects.get(pk=b.pk).serial_number == 1
