"""Adopted public-opinion reports are followed up 跟踪促办 (issue 20, item 7): staff record what was done, by whom,
and the department's feedback; the authors see it on the report's page; staff are reminded once when an adopted
report has no follow-up after the committee's number of days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from notifications import rules
from notifications.models import Kind, Notification
from proposals import services
from proposals.models import Adoption, Level, OpinionReport, ProposalSettings, ReportFollowUp
from tests.proposals.factories import OpinionReportFactory

pytestmark = pytest.mark.django_db


def adopted(world, *, on: date | None = None) -> OpinionReport:
    report = OpinionReportFactory(
        committee=world.district, author=world.member_record, state=OpinionReport.State.COMPILED
    )
    report.created_at = timezone.now() - timedelta(days=200)
    report.save(update_fields=["created_at"])
    Adoption.objects.create(report=report, level=Level.CITY, date=on or timezone.localdate() - timedelta(days=40))
    return report


def test_staff_record_a_follow_up_which_the_author_sees_on_the_report(world, client_for):
    report = adopted(world)
    follow_up = services.report_record_follow_up(
        report_id=report.pk,
        actor=world.district_staff,
        date=timezone.localdate(),
        done_by="区政协提案委",
        action="与区住建局座谈，督促落实加装电梯",
        feedback="已列入年度计划",
    )
    assert (follow_up.report, follow_up.recorded_by) == (report, world.district_staff)
    assert AuditEvent.objects.filter(verb="followed_up", object_id=str(report.pk)).exists()
    page = client_for(world.member).get(reverse("proposals:report_detail", args=[report.pk])).content.decode()
    assert "与区住建局座谈" in page and "已列入年度计划" in page
    assert "report_act" not in page


def test_the_page_form_records_a_follow_up_and_a_refusal_keeps_what_was_typed(world, client_for):
    report = adopted(world)
    client = client_for(world.staff)
    url = reverse("proposals:report_act", args=[report.pk, "follow_up"])
    early = (timezone.localdate() - timedelta(days=100)).isoformat()
    response = client.post(url, {"date": early, "done_by": "提案委", "action": "电话督办"})
    assert response.status_code == 200 and "电话督办" in response.content.decode()
    assert not ReportFollowUp.objects.exists()
    response = client.post(url, {"date": timezone.localdate().isoformat(), "done_by": "提案委", "action": "电话督办"})
    assert response.status_code == 302
    assert ReportFollowUp.objects.get().action == "电话督办"


def test_only_an_adopted_report_is_followed_up_by_its_committees_staff(world):
    report = OpinionReportFactory(committee=world.district, author=world.member_record, state="compiled")
    with pytest.raises(InvalidTransition):
        services.report_record_follow_up(
            report_id=report.pk, actor=world.staff, date=timezone.localdate(), done_by="提案委", action="督办"
        )
    report = adopted(world)
    for who in ("member", "other_staff", "unit_user", "leader"):
        with pytest.raises(NotPermitted):
            services.report_record_follow_up(
                report_id=report.pk, actor=getattr(world, who), date=timezone.localdate(), done_by="x", action="y"
            )
    with pytest.raises(DomainError) as refused:
        services.report_record_follow_up(
            report_id=report.pk, actor=world.staff, date=timezone.localdate() + timedelta(days=1), done_by="", action=""
        )
    assert set(refused.value.message_dict) == {"done_by", "action"}
    assert not ReportFollowUp.objects.exists()


def test_an_adopted_report_without_follow_up_is_reminded_to_staff_exactly_once(world):
    ProposalSettings.objects.update_or_create(committee=world.district, defaults={"report_follow_up_days": 10})
    adopted_on = timezone.localdate() - timedelta(days=30)
    report = adopted(world, on=adopted_on)
    followed = adopted(world, on=adopted_on)
    services.report_record_follow_up(
        report_id=followed.pk, actor=world.staff, date=timezone.localdate(), done_by="提案委", action="督办"
    )
    rules.run_rule("report_follow_up_due", today=adopted_on + timedelta(days=9))  # not yet due
    notes = Notification.objects.filter(kind=Kind.REPORT_FOLLOW_UP_DUE)
    assert not notes.exists()
    rules.run_rule("report_follow_up_due", today=adopted_on + timedelta(days=10))
    rules.run_rule("report_follow_up_due", today=adopted_on + timedelta(days=11))
    assert {n.recipient for n in notes} == {world.district_staff}
    assert {str(n.object_id) for n in notes} == {str(report.pk)}
    assert notes.count() == 1


def test_the_api_records_a_follow_up_through_the_same_service(world, client_for):
    report = adopted(world)
    client = client_for(world.staff)
    url = f"/api/v1/opinion-reports/{report.pk}/record-follow-up/"
    body = {"date": timezone.localdate().isoformat(), "done_by": "提案委", "action": "现场督办", "feedback": ""}
    assert client.post(url, body, content_type="application/json").status_code == 200
    assert client_for(world.member).post(url, body, content_type="application/json").status_code in (403, 404)
    detail = client.get(f"/api/v1/opinion-reports/{report.pk}/").json()
    assert [f["action"] for f in detail["follow_ups"]] == ["现场督办"]


def test_the_report_page_runs_a_fixed_number_of_queries_whatever_its_follow_ups(
    world, client_for, django_assert_max_num_queries
):
    report = adopted(world)
    client = client_for(world.staff)
    url = reverse("proposals:report_detail", args=[report.pk])
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for i in range(5):
        services.report_record_follow_up(
            report_id=report.pk, actor=world.staff, date=timezone.localdate(), done_by=f"提案委{i}", action="督办"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
