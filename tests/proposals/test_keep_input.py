"""A refused action on the proposal page never loses what was typed: the page comes back (not a redirect) with
the form as it was sent and the message under the field it concerns."""

import html
import re

import pytest
from django.urls import reverse

from proposals import services
from proposals.models import Proposal, Reply
from tests.proposals.factories import pdf_upload

pytestmark = pytest.mark.django_db
S = Proposal.State

LONG_REPLY = "\n".join(
    f"第{n}条：关于背街小巷道路积水问题，我局已会同街道现场查看，列入年度改造计划并分步实施。" for n in range(1, 13)
)


def _field(response, name: str) -> str:
    """The HTML of the form on the page that holds the field ``name`` (textarea or input), unescaped."""
    page = response.content.decode()
    forms = re.findall(r"<form\b.*?</form>", page, re.S)
    found = [f for f in forms if f'name="{name}"' in f]
    assert found, f"no form with {name} on the page"
    return html.unescape(" ".join(found))


def test_a_units_long_reply_with_one_error_comes_back_with_the_text_and_the_message(world, client_for, walk):
    p = walk.assigned()
    response = client_for(world.unit_user).post(
        reverse("proposals:act", args=[p.pk, "reply"]),
        {"expected_state": p.state, "text": LONG_REPLY, "result_code": "A"},
    )  # the signed PDF is missing
    assert response.status_code == 200
    form = _field(response, "signed_pdf")
    assert LONG_REPLY in form  # the typed text is in the textarea
    assert "invalid-feedback" in form and "is-invalid" in form  # the message sits under the field
    assert not Reply.objects.exists()


def test_a_reply_the_service_refuses_keeps_the_text_and_names_the_field(world, client_for, walk):
    """A file that is not a PDF passes the form and is refused by the service: the message goes under the
    file field, and the reply text and result code stay."""
    p = walk.assigned()
    response = client_for(world.unit_user).post(
        reverse("proposals:act", args=[p.pk, "reply"]),
        {
            "expected_state": p.state,
            "text": LONG_REPLY,
            "result_code": "A",
            "signed_pdf": pdf_upload("reply.pdf", b"not a pdf at all"),
        },
    )
    assert response.status_code == 200
    form = _field(response, "signed_pdf")
    assert LONG_REPLY in form and "不是PDF" in form
    assert re.search(r'<option value="A"[^>]*selected', form)
    assert not Reply.objects.exists()


def _key(walk, world):
    p = walk.assigned()
    services.proposal_mark_key(proposal_id=p.pk, actor=world.staff, is_key=True, leader_id=world.member_record.pk)
    return p


# (who posts, how to reach the state, action, invalid data with something typed, what must come back)
CASES = [
    (
        "staff",
        lambda walk, world: walk.submitted(),
        "reject",
        {"reason": "不属于提案受理范围，建议转为社情民意信息", "outcome": "no-such-outcome"},
        "不属于提案受理范围，建议转为社情民意信息",
    ),
    ("staff", lambda walk, world: walk.filed(), "assign", {"lead_unit": "", "due_date": "2026-05-29"}, "2026-05-29"),
    (
        "staff",
        _key,
        "supervise",
        {"date": "", "text": "督办组赴现场查看整改进度，要求六月底前完成"},
        "督办组赴现场查看整改进度，要求六月底前完成",
    ),
    (
        "staff",
        lambda walk, world: walk.closed(),
        "implement",
        {"date": "not a date", "text": "二期工程已开工"},
        "二期工程已开工",
    ),
    (
        "unit_user",
        lambda walk, world: walk.assigned(),
        "contact",
        {"date": "", "way": "phone", "with_whom": "王委员本人", "notes": "电话沟通办理思路，委员同意分两期实施"},
        "电话沟通办理思路，委员同意分两期实施",
    ),
    ("unit_user", lambda walk, world: walk.assigned(), "reply", {"text": LONG_REPLY, "result_code": ""}, LONG_REPLY),
    (
        "member",
        lambda walk, world: walk.replied(),
        "rate",
        {"rating": "no-such-rating", "comment": "答复内容比较空泛"},
        "答复内容比较空泛",
    ),
]


@pytest.mark.parametrize(("who", "reach", "action", "data", "typed"), CASES, ids=[c[2] for c in CASES])
def test_every_refused_action_form_comes_back_with_what_was_typed(
    world, client_for, walk, who, reach, action, data, typed
):
    walk.today = None  # the page uses the real date (the feedback window, the reply deadline)
    p = reach(walk, world)
    p.refresh_from_db()
    response = client_for(getattr(world, who)).post(
        reverse("proposals:act", args=[p.pk, action]), {"expected_state": p.state, **data}
    )
    assert response.status_code == 200, action  # not a redirect that wipes the form
    form = _field(response, next(iter(data)))
    assert typed in form
    assert "invalid-feedback" in form


def test_a_form_sent_from_an_outdated_page_comes_back_with_the_text_and_the_reason_on_top(world, client_for, walk):
    """Someone acted meanwhile: the refusal is about the action, so it is said on top; the reason typed stays."""
    p = walk.assigned()
    reason = "本件提案涉及教育布局调整，不属于我局职责，建议改由教育局主办"
    response = client_for(world.unit_user).post(
        reverse("proposals:act", args=[p.pk, "reassign"]), {"expected_state": S.FILED, "reason": reason}
    )
    assert response.status_code == 200
    assert reason in _field(response, "reason")
    assert "他人刚刚处理了这件提案" in response.content.decode()
    assert Proposal.objects.get(pk=p.pk).state == S.ASSIGNED


def test_an_action_without_a_form_still_goes_back_to_the_page(world, client_for, walk):
    p = walk.filed()
    response = client_for(world.staff).post(reverse("proposals:act", args=[p.pk, "file"]))
    assert response.status_code == 302


REPORT_CASES = [
    (
        "submitted",
        "edit",
        {"title": "", "content": "经调研，城区十二个社区养老服务站中有五个日均服务不足十人次"},
        "经调研，城区十二个社区养老服务站中有五个日均服务不足十人次",
    ),
    ("submitted", "decline", {"reason": "   "}, None),
    (
        "accepted",
        "adoption",
        {"level": "no-such-level", "date": "2026-04-01", "adopted_by": "市委办公室"},
        "市委办公室",
    ),
    (
        "accepted",
        "instruction",
        {"leader": "李市长", "level": "city", "date": "", "text": "请民政局牵头研究整合方案"},
        "请民政局牵头研究整合方案",
    ),
]


@pytest.mark.parametrize(("state", "action", "data", "typed"), REPORT_CASES, ids=[c[1] for c in REPORT_CASES])
def test_every_refused_report_form_comes_back_with_what_was_typed(world, client_for, state, action, data, typed):
    report = services.report_submit(actor=world.member, title="关于社区养老服务站利用率的反映", content="内容")
    if state == "accepted":
        services.report_accept(report_id=report.pk, actor=world.staff)
    response = client_for(world.staff).post(reverse("proposals:report_act", args=[report.pk, action]), data)
    assert response.status_code == 200, action
    form = _field(response, next(iter(data)))
    assert "invalid-feedback" in form
    if typed:
        assert typed in form


def test_a_refused_compilation_keeps_the_reports_ticked(world, client_for):
    report = services.report_submit(actor=world.member, title="关于社区养老服务站利用率的反映", content="内容")
    services.report_accept(report_id=report.pk, actor=world.staff)
    response = client_for(world.staff).post(
        reverse("proposals:reports"), {"report": [report.pk], "published_on": "not a date"}
    )
    assert response.status_code == 200
    assert re.search(rf'name="report" value="{report.pk}" checked', response.content.decode())
