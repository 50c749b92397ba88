"""Dated facts follow the facts they answer and have happened already (issue #17, consistency over time)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.exceptions import DomainError
from proposals import services
from proposals.models import OpinionReport
from tests.proposals.factories import TODAY

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _message(exc: DomainError, field: str = "date") -> str:
    return " ".join(exc.error_dict[field][0].messages)


def _accepted_report(world) -> OpinionReport:
    report = services.report_submit(actor=world.member, title="关于停车难的反映", content="小区停车位不足")
    return services.report_accept(report_id=report.pk, actor=world.staff)


def _submitted_on(report) -> object:
    return timezone.localdate(OpinionReport.objects.get(pk=report.pk).created_at)


@pytest.mark.parametrize("record", ["adoption", "instruction"])
def test_an_adoption_or_instruction_cannot_be_dated_before_the_report_was_submitted(world, record):
    report = _accepted_report(world)
    before = _submitted_on(report) - DAY
    call = {
        "adoption": lambda d: services.report_record_adoption(
            report_id=report.pk, actor=world.staff, level="city", date=d
        ),
        "instruction": lambda d: services.report_record_instruction(
            report_id=report.pk, actor=world.staff, leader="王市长", level="city", date=d, text="请研究"
        ),
    }[record]
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        call(before)
    assert "日期不能早于该信息的报送日期" in _message(refused.value)
    assert not report.adoptions.exists() and not report.instructions.exists()
    call(_submitted_on(report))  # the submission day itself is fine
    assert report.adoptions.count() + report.instructions.count() == 1


@pytest.mark.parametrize("record", ["adoption", "instruction"])
def test_an_adoption_or_instruction_cannot_be_dated_in_the_future(world, record):
    report = _accepted_report(world)
    tomorrow = timezone.localdate() + DAY
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        if record == "adoption":
            services.report_record_adoption(report_id=report.pk, actor=world.staff, level="city", date=tomorrow)
        else:
            services.report_record_instruction(
                report_id=report.pk, actor=world.staff, leader="王市长", level="city", date=tomorrow, text="请研究"
            )
    assert _message(refused.value) == "日期不能晚于今天。"


@pytest.mark.parametrize(
    "action,payload",
    [
        ("record-adoption", {"level": "provincial"}),
        ("record-instruction", {"leader": "李书记", "level": "city", "text": "请有关部门研究"}),
    ],
)
def test_the_api_refuses_an_adoption_or_instruction_dated_before_submission_with_the_field_message(
    world, client_for, action, payload
):
    report = _accepted_report(world)
    before = _submitted_on(report) - DAY
    response = client_for(world.staff).post(
        reverse(f"api:opinion-{action.replace('record-', 'report-record-')}", args=[report.pk]),
        {**payload, "date": before.isoformat()},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "日期不能早于该信息的报送日期" in response.json()["date"][0]
    assert not report.adoptions.exists() and not report.instructions.exists()


def test_the_api_refuses_an_adoption_dated_in_the_future(world, client_for):
    report = _accepted_report(world)
    response = client_for(world.staff).post(
        reverse("api:opinion-report-record-adoption", args=[report.pk]),
        {"level": "city", "date": (timezone.localdate() + DAY).isoformat()},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and response.json()["date"] == ["日期不能晚于今天。"]


def test_an_issue_cannot_be_published_before_a_report_in_it_was_submitted(world):
    report = _accepted_report(world)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.issue_compile(
            committee_id=world.district.pk,
            actor=world.staff,
            report_ids=[report.pk],
            published_on=_submitted_on(report) - DAY,
        )
    assert "刊发日期不能早于所收信息的报送日期" in _message(refused.value, "published_on")
    with pytest.raises(DomainError):
        services.issue_compile(
            committee_id=world.district.pk,
            actor=world.staff,
            report_ids=[report.pk],
            published_on=timezone.localdate() + DAY,
        )
    assert OpinionReport.objects.get(pk=report.pk).issue is None


def test_a_contact_cannot_be_dated_before_the_assignment_or_in_the_future(world, walk):
    p = walk.assigned()  # assigned on TODAY
    lead = walk.lead(p)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.contact_record(
            assignment_id=lead.pk, actor=world.unit_user, date=TODAY - DAY, way="phone", with_whom="张委员"
        )
    assert "沟通日期不能早于提案交办日期" in _message(refused.value)
    with pytest.raises(DomainError) as refused:
        services.contact_record(
            assignment_id=lead.pk, actor=world.unit_user, date=TODAY + DAY, way="phone", with_whom="张委员", today=TODAY
        )
    assert "date" in refused.value.error_dict
    assert not lead.contacts.exists()
    services.contact_record(
        assignment_id=lead.pk, actor=world.unit_user, date=TODAY, way="phone", with_whom="张委员", today=TODAY
    )


def test_implementation_cannot_be_dated_before_the_reply_or_in_the_future(world, walk):
    p = walk.closed()  # replied on TODAY
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.implementation_add(proposal_id=p.pk, actor=world.staff, text="进展", date=TODAY - DAY)
    assert "落实日期不能早于提案答复日期" in _message(refused.value)
    with pytest.raises(DomainError) as refused:
        services.implementation_add(
            proposal_id=p.pk, actor=world.staff, text="全部完成", date=TODAY + DAY, completes=True, today=TODAY
        )
    assert "date" in refused.value.error_dict
    assert not p.implementation.exists()
    services.implementation_add(
        proposal_id=p.pk, actor=world.staff, text="全部完成", date=TODAY, completes=True, today=TODAY
    )


def test_a_supervision_note_cannot_be_dated_before_filing_or_in_the_future(world, walk):
    p = walk.assigned()
    services.proposal_mark_key(proposal_id=p.pk, actor=world.staff, is_key=True, leader_id=world.convener_member.pk)
    filed_on = timezone.localdate(p.filed_at)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.supervision_note_add(proposal_id=p.pk, actor=world.staff, text="督办", date=filed_on - DAY)
    assert "督办日期不能早于提案立案日期" in _message(refused.value)
    with pytest.raises(DomainError):
        services.supervision_note_add(proposal_id=p.pk, actor=world.staff, text="督办", date=timezone.localdate() + DAY)
    assert not p.supervision_notes.exists()


def test_the_admin_inline_refuses_an_adoption_dated_before_the_report_was_submitted(world, rf):
    """The admin's adoption and instruction rows go through the same date rule as the services."""
    from types import SimpleNamespace

    from django.contrib import admin

    from proposals.admin import AdoptionInline, InstructionInline
    from proposals.models import Adoption, Instruction

    report = _accepted_report(world)
    request = rf.post("/")
    request.user = world.staff
    before = _submitted_on(report) - DAY
    for inline, row in (
        (AdoptionInline, Adoption(report=report, level="city", date=before)),
        (InstructionInline, Instruction(report=report, leader="王市长", level="city", date=before, text="请研究")),
    ):
        with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
            inline(OpinionReport, admin.site).save_row(request, row, SimpleNamespace(changed_data=["date"]), report)
        assert "日期不能早于该信息的报送日期" in _message(refused.value)
    assert not report.adoptions.exists() and not report.instructions.exists()
