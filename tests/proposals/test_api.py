"""The API: same scopes as the pages, every action through the services, Chinese refusals, fixed query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import OpinionReport, Proposal
from tests.proposals.factories import ProposalFactory, ground, pdf_upload

pytestmark = pytest.mark.django_db
S = Proposal.State


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_each_role_lists_only_what_it_may_see(world, client_for, walk):
    draft, filed = walk.draft(), walk.filed(lead_proposer=world.convener_member)
    assigned = walk.assigned(lead_proposer=world.convener_member, is_public=False)
    url = reverse("api:proposal-list")
    assert ids(client_for(world.member).get(url)) == {draft.pk, filed.pk}
    assert ids(client_for(world.unit_user).get(url)) == {assigned.pk}
    assert ids(client_for(world.other_unit_user).get(url)) == set()
    assert ids(client_for(world.staff).get(url)) == {draft.pk, filed.pk, assigned.pk}
    assert ids(client_for(world.other_staff).get(url)) == set()
    assert client_for(world.other_staff).get(reverse("api:proposal-detail", args=[draft.pk])).status_code == 404


def test_filters_narrow_the_list(world, client_for, walk):
    a = walk.assigned()
    walk.filed(category="economy")
    client = client_for(world.staff)
    url = reverse("api:proposal-list")
    assert ids(client.get(url, {"state": "assigned"})) == {a.pk}
    assert ids(client.get(url, {"unit": world.unit.pk})) == {a.pk}
    assert len(ids(client.get(url, {"category": "economy", "year": 2026, "committee": world.district.pk}))) == 1
    assert ids(client.get(url, {"overdue": "true"})) == {a.pk}  # due 2026-08-02, today is later
    assert ids(client.get(url, {"key": "true"})) == set()


def test_the_whole_chain_through_the_api(world, client_for, walk):
    walk.today = None
    p = walk.draft()
    member = client_for(world.member)  # one test client: each client_for logs it in as someone else
    assert member.post(reverse("api:proposal-submit", args=[p.pk])).json()["state"] == "submitted"
    staff = client_for(world.staff)
    assert staff.post(reverse("api:proposal-file", args=[p.pk])).json()["serial_number"] == 1
    r = staff.post(
        reverse("api:proposal-assign", args=[p.pk]), {"lead_unit": world.unit.pk}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "assigned"
    unit = client_for(world.unit_user)
    bad = unit.post(reverse("api:proposal-reply", args=[p.pk]), {"text": "答复", "signed_pdf": pdf_upload()})
    assert bad.status_code == 400 and "结果代码" in str(bad.json())
    ok = unit.post(
        reverse("api:proposal-reply", args=[p.pk]), {"text": "答复", "result_code": "A", "signed_pdf": pdf_upload()}
    )
    assert ok.json()["state"] == "replied"
    member = client_for(world.member)
    assert member.post(reverse("api:proposal-rate", args=[p.pk]), {"rating": "basic"}).json()["state"] == "rated"
    assert client_for(world.staff).post(reverse("api:proposal-close", args=[p.pk])).json()["state"] == "closed"


def test_actions_refuse_the_wrong_role_and_the_wrong_state(world, client_for, walk):
    p = walk.submitted()
    assert client_for(world.member).post(reverse("api:proposal-file", args=[p.pk])).status_code == 403
    client = client_for(world.staff)
    assert client.post(reverse("api:proposal-close", args=[p.pk])).status_code == 400
    r = client.post(reverse("api:proposal-reject", args=[p.pk]), {"reason": ""}, content_type="application/json")
    assert r.status_code == 400 and "理由" in str(r.json())
    assert Proposal.objects.get(pk=p.pk).state == S.SUBMITTED


def test_merge_and_reassignment_through_the_api(world, client_for, walk):
    target, p = walk.filed(), walk.submitted()
    r = client_for(world.staff).post(
        reverse("api:proposal-merge", args=[p.pk]), {"into": target.pk}, content_type="application/json"
    )
    assert r.json()["state"] == "merged"
    walk.today = None
    a = walk.assigned()
    r = client_for(world.unit_user).post(
        reverse("api:proposal-request-reassignment", args=[a.pk]),
        {"reason": "非本单位职责"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json() == {"id": a.pk, "state": "filed"}  # back with staff, out of sight
    assert Proposal.objects.get(pk=a.pk).state == S.FILED


def test_a_rating_by_a_non_proposer_is_refused_in_chinese(world, client_for, walk):
    walk.today = None
    p = walk.replied()
    r = client_for(world.unit_user).post(reverse("api:proposal-rate", args=[p.pk]), {"rating": "satisfied"})
    assert r.status_code == 403 and "提案人" in r.json()["detail"]


def test_reports_through_the_api(world, client_for):
    member = client_for(world.member)
    r = member.post(
        reverse("api:opinion-report-submit"),
        {"title": "关于停车难的反映", "content": "小区停车位不足"},
        content_type="application/json",
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    bad = member.post(reverse("api:opinion-report-list"), {"title": ""}, content_type="application/json")
    assert bad.status_code == 400 and OpinionReport.objects.count() == 1
    assert member.post(reverse("api:opinion-report-accept", args=[pk])).status_code == 403
    staff = client_for(world.staff)  # the same test client, now logged in as staff
    assert staff.post(reverse("api:opinion-report-accept", args=[pk])).json()["state"] == "accepted"
    staff.post(
        reverse("api:opinion-report-record-adoption", args=[pk]),
        {"level": "provincial", "date": str(timezone.localdate())},
        content_type="application/json",
    )
    r = staff.post(
        reverse("api:opinion-report-record-instruction", args=[pk]),
        {"leader": "李书记", "level": "city", "date": str(timezone.localdate()), "text": "请有关部门研究"},
        content_type="application/json",
    )
    assert len(r.json()["adoptions"]) == 1 and len(r.json()["instructions"]) == 1
    assert client_for(world.other_staff).get(reverse("api:opinion-report-detail", args=[pk])).status_code == 404
    assert client_for(world.member).get(reverse("api:opinion-report-detail", args=[pk])).json()["state"] == "accepted"


def test_decline_through_the_api(world, client_for):
    from proposals import services

    rep = services.report_submit(actor=world.member, title="标题", content="内容")
    r = client_for(world.staff).post(
        reverse("api:opinion-report-decline", args=[rep.pk]), {"reason": "重复"}, content_type="application/json"
    )
    assert r.json()["state"] == "declined"


def test_stats_for_staff_and_leaders_only(world, client_for, walk):
    walk.closed()
    url = reverse("api:proposal-stats")
    data = client_for(world.leader).get(url, {"committee": world.district.pk, "year": 2026}).json()
    assert data["totals"]["submitted"] == 1 and data["totals"]["satisfaction_rate"] == 100.0
    assert client_for(world.member).get(url).status_code == 403
    assert client_for(world.other_staff).get(url, {"committee": world.district.pk}).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.staff)
    url = reverse("api:proposal-list")
    ProposalFactory(committee=world.district)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    for _ in range(15):
        ProposalFactory(committee=world.district)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["api:proposal-list", "api:opinion-report-list", "api:proposal-stats"])
def test_anonymous_requests_are_refused(client, db, name):
    assert client.get(reverse(name)).status_code in (401, 403)


# Each action, the state it needs and who may do it; everyone else is refused (403, or 404 when out of sight).
ACTIONS = [
    ("submit", "draft", "member", {}),
    ("file", "submitted", "staff", {}),
    ("reject", "submitted", "staff", {"reason": "涉及个人事务"}),
    ("assign", "filed", "staff", None),
    ("request-reassignment", "assigned", "unit_user", {"reason": "非本单位职责"}),
    ("reply", "assigned", "unit_user", None),
    ("rate", "replied", "member", {"rating": "satisfied"}),
    ("close", "rated", "staff", {}),
]
ROLES = ["member", "convener", "staff", "other_staff", "unit_user", "other_unit_user", "leader"]


@pytest.mark.parametrize(("name", "state", "allowed", "payload"), ACTIONS, ids=[a[0] for a in ACTIONS])
@pytest.mark.parametrize("who", ROLES)
def test_every_action_is_refused_to_everyone_but_its_role(world, client_for, walk, name, state, allowed, payload, who):
    walk.today = None
    p = {
        "draft": walk.draft,
        "submitted": walk.submitted,
        "filed": walk.filed,
        "assigned": walk.assigned,
        "replied": walk.replied,
        "rated": walk.rated,
    }[state]()
    if name == "reject":
        payload = {**payload, "ground": ground()}
    if payload is None:
        payload = (
            {"lead_unit": world.unit.pk}
            if name == "assign"
            else {"text": "答复", "result_code": "A", "signed_pdf": pdf_upload()}
        )
    client = client_for(getattr(world, who))
    url = reverse(f"api:proposal-{name}", args=[p.pk])
    response = (
        client.post(url, payload) if name == "reply" else client.post(url, payload, content_type="application/json")
    )
    if who == allowed:
        assert response.status_code == 200, response.content
        assert Proposal.objects.get(pk=p.pk).state != state
    else:
        assert response.status_code in (403, 404), (who, response.status_code)
        assert Proposal.objects.get(pk=p.pk).state == state
