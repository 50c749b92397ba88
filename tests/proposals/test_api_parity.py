"""API parity (#15): each action of the proposal and report pages is an API operation with the same service — the
same audit record as the page — and the same refusals: another committee's staff gets 404, a role in sight but
without the right 403, and nothing changes."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from proposals import services
from proposals.models import OpinionReport, Proposal, ReportIssue
from tests import factories as f
from tests.proposals.factories import OpinionReportFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _trail(obj) -> list[tuple]:
    """The audit rows of one record (verb, from, to, actor), oldest first."""
    ct = ContentType.objects.get_for_model(obj)
    return list(
        AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk))
        .order_by("pk")
        .values_list("verb", "from_state", "to_state", "actor_id")
    )


def _key(walk, world):
    p = walk.filed()
    leader = f.MemberFactory(committee=world.district, is_standing=True)
    return services.proposal_mark_key(proposal_id=p.pk, actor=world.staff, is_key=True, leader_id=leader.pk)


def _leader(world):
    return f.MemberFactory(committee=world.district, is_standing=True).pk


# page action, API name, the proposal it needs, who may, the body (the page's form fields, the API's JSON)
ACTIONS = [
    ("start_review", "start-review", lambda w, world: w.submitted(), "staff", lambda world: {}),
    (
        "mark_key",
        "mark-key",
        lambda w, world: w.filed(),
        "staff",
        lambda world: {"is_key": True, "leader": _leader(world)},
    ),
    ("mark_excellent", "mark-excellent", lambda w, world: w.filed(), "staff", lambda world: {}),
    (
        "unmark_excellent",
        "unmark-excellent",
        lambda w, world: services.proposal_mark_excellent(proposal_id=w.filed().pk, actor=world.staff),
        "staff",
        lambda world: {},
    ),
    (
        "supervise",
        "supervise",
        _key,
        "staff",
        lambda world: {"date": timezone.localdate().isoformat(), "text": "请加快办理进度"},
    ),
    (
        "implement",
        "implement",
        lambda w, world: w.closed(),
        "staff",
        lambda world: {"date": timezone.localdate().isoformat(), "text": "已列入年度计划", "completes": True},
    ),
    ("start_handling", "start-handling", lambda w, world: w.assigned(), "unit_user", lambda world: {}),
    (
        "contact",
        "contact",
        lambda w, world: w.assigned(),
        "unit_user",
        lambda world: {"date": timezone.localdate().isoformat(), "way": "phone", "with_whom": "提案人本人"},
    ),
    (
        "opinion",
        "opinion",
        lambda w, world: w.assigned(co=[world.other_unit]),
        "other_unit_user",
        lambda world: {"text": "同意主办单位意见"},
    ),
]


def _page_body(body: dict) -> dict:
    return {k: ("on" if v is True else v) for k, v in body.items()}


@pytest.mark.parametrize(("page", "api", "build", "allowed", "body"), ACTIONS, ids=[a[1] for a in ACTIONS])
def test_an_api_action_leaves_the_same_audit_record_as_the_page(
    world, client_for, walk, page, api, build, allowed, body
):
    walk.today = None
    user = getattr(world, allowed)
    on_page, on_api = build(walk, world), build(walk, world)
    before_page, before_api = len(_trail(on_page)), len(_trail(on_api))
    client = client_for(user)
    client.post(reverse("proposals:act", args=[on_page.pk, page]), _page_body(body(world)))
    response = client.post(reverse(f"api:proposal-{api}", args=[on_api.pk]), body(world), content_type=JSON)
    assert response.status_code == 200, response.content
    page_rows, api_rows = _trail(on_page)[before_page:], _trail(on_api)[before_api:]
    assert page_rows and page_rows == api_rows
    assert Proposal.objects.get(pk=on_api.pk).state == Proposal.objects.get(pk=on_page.pk).state


@pytest.mark.parametrize(("page", "api", "build", "allowed", "body"), ACTIONS, ids=[a[1] for a in ACTIONS])
@pytest.mark.parametrize("who", ["other_staff", "member", "convener", "unit_user", "staff"])
def test_an_api_action_is_refused_to_other_roles_and_changes_nothing(
    world, client_for, walk, page, api, build, allowed, body, who
):
    if who == allowed:
        return
    walk.today = None
    p = build(walk, world)
    before = (_trail(p), Proposal.objects.filter(pk=p.pk).values().get())
    response = client_for(getattr(world, who)).post(
        reverse(f"api:proposal-{api}", args=[p.pk]), body(world), content_type=JSON
    )
    expected = {404} if who == "other_staff" else {403, 404}
    if api == "mark-key" and who != "staff":  # the leader named is a member only staff see: 400 on the field
        expected |= {400}
    assert response.status_code in expected, (who, response.status_code, response.content)
    assert (_trail(p), Proposal.objects.filter(pk=p.pk).values().get()) == before


def test_a_member_drafts_and_changes_a_proposal_through_the_api_as_on_the_page(world, client_for):
    peer = f.MemberFactory(committee=world.district)
    body = {
        "title": "关于加快老旧小区加装电梯的建议",
        "category": "urban",
        "suggestions": "简化审批流程。",
        "analysis": "居民上下楼困难。",
        "cosigners": [peer.pk],
    }
    client = client_for(world.member)
    created = client.post(reverse("api:proposal-list"), body, content_type=JSON)
    assert created.status_code == 201, created.content
    p = Proposal.objects.get(pk=created.json()["id"])
    assert p.state == "draft" and p.lead_proposer == world.member_record
    assert [c["member"] for c in created.json()["cosigners"]] == [peer.pk]
    assert [row[0] for row in _trail(p)] == ["drafted", "cosigners_invited"]
    changed = client.put(
        reverse("api:proposal-detail", args=[p.pk]),
        {**body, "title": "关于加装电梯的建议", "cosigners": []},
        content_type=JSON,
    )
    assert changed.status_code == 200 and changed.json()["title"] == "关于加装电梯的建议"
    assert changed.json()["cosigners"] == [] and _trail(p)[-1][0] == "edited"


def test_a_draft_is_refused_to_who_is_not_its_lead_proposer_and_to_ids_out_of_reach(world, client_for):
    client = client_for(world.member)
    body = {"title": "标题", "category": "urban", "suggestions": "建议"}
    created = client.post(reverse("api:proposal-list"), body, content_type=JSON).json()
    # a unit's login is no member: 403 with the service's message
    refused = client_for(world.unit_user).post(reverse("api:proposal-list"), body, content_type=JSON)
    assert refused.status_code == 403 and "委员" in refused.json()["detail"]
    # a co-signer of another committee is not a choice: 400 on the field
    outsider = client_for(world.member).post(
        reverse("api:proposal-list"), {**body, "cosigners": [world.outsider_member.pk]}, content_type=JSON
    )
    assert outsider.status_code == 400 and "cosigners" in outsider.json()
    for who, codes in (("convener", {403, 404}), ("other_staff", {404}), ("staff", {403})):
        response = client_for(getattr(world, who)).put(
            reverse("api:proposal-detail", args=[created["id"]]), {**body, "title": "改了"}, content_type=JSON
        )
        assert response.status_code in codes, (who, response.status_code)
    assert Proposal.objects.get(pk=created["id"]).title == "标题"
    assert Proposal.objects.count() == 1


def test_staff_mark_many_proposals_excellent_and_hear_why_the_others_were_left(world, client_for, walk):
    walk.today = None
    filed, draft = walk.filed(), walk.draft()
    url = "/api/v1/proposals/mark-excellent/"
    response = client_for(world.staff).post(url, {"proposals": [filed.pk, draft.pk]}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["done"] == [filed.pk] and set(response.json()["refused"]) == {str(draft.pk)}
    assert Proposal.objects.get(pk=filed.pk).is_excellent and _trail(filed)[-1][0] == "excellent_marked"
    # another committee's staff do not reach them: 400 on the field, nothing changes
    other = client_for(world.other_staff).post(
        "/api/v1/proposals/unmark-excellent/", {"proposals": [filed.pk]}, content_type=JSON
    )
    assert other.status_code == 400 and Proposal.objects.get(pk=filed.pk).is_excellent


def _submitted_report(world, **kw):
    return OpinionReportFactory(
        committee=world.district, author=world.member_record, state=OpinionReport.State.SUBMITTED, **kw
    )


def test_staff_edit_a_report_through_the_api_as_on_the_page(world, client_for):
    on_page, on_api = _submitted_report(world), _submitted_report(world)
    client = client_for(world.staff)
    body = {"title": "改过的标题", "content": "改过的内容"}
    client.post(reverse("proposals:report_act", args=[on_page.pk, "edit"]), body)
    response = client.post(reverse("api:opinion-report-edit", args=[on_api.pk]), body, content_type=JSON)
    assert response.status_code == 200 and response.json()["title"] == "改过的标题"
    assert [r[:3] for r in _trail(on_api)] == [r[:3] for r in _trail(on_page)] != []
    for who, code in (("other_staff", 404), ("member", 403)):
        refused = client_for(getattr(world, who)).post(
            reverse("api:opinion-report-edit", args=[on_api.pk]), {"title": "x", "content": "y"}, content_type=JSON
        )
        assert refused.status_code == code
    assert OpinionReport.objects.get(pk=on_api.pk).title == "改过的标题"


def test_staff_compile_accepted_reports_into_an_issue_through_the_api(world, client_for):
    reports = [_submitted_report(world) for _ in range(2)]
    for r in reports:
        services.report_accept(report_id=r.pk, actor=world.staff)
    body = {"reports": [r.pk for r in reports], "published_on": timezone.localdate().isoformat()}
    assert (
        client_for(world.other_staff).post("/api/v1/opinion-reports/compile/", body, content_type=JSON).status_code
        == 400
    )  # not theirs to name
    assert client_for(world.member).post("/api/v1/opinion-reports/compile/", body, content_type=JSON).status_code in (
        400,
        403,
    )
    assert not ReportIssue.objects.exists()
    response = client_for(world.staff).post("/api/v1/opinion-reports/compile/", body, content_type=JSON)
    assert response.status_code == 201 and response.json()["number"] == 1
    assert {r.state for r in OpinionReport.objects.filter(pk__in=body["reports"])} == {"compiled"}
    assert _trail(reports[0])[-1][0] == "compiled"
