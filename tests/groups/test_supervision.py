"""Democratic supervision groups, inspections and work reports: who may act at each hand-off, what each one sees,
and that a refusal writes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError, NotPermitted
from core.models import AuditEvent
from groups.models import Inspection, SupervisionGroup, SupervisionVisit, WorkReport
from groups.services import supervision as svc
from notifications.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def _group(world, **kw):
    """A supervision group of the district stationed at its housing bureau (the unit user's unit), with the
    world's member as its leader."""
    colleague = f.MemberFactory(committee=world.district, user=f.UserFactory())
    return svc.supervision_group_save(
        actor=world.district_staff,
        committee_id=world.district.pk,
        name=kw.get("name", "住建监督小组"),
        unit_id=world.unit.pk,
        focus="老旧小区改造",
        starts_on=timezone.localdate() - timedelta(days=30),
        member_ids=[world.member_record.pk, colleague.pk],
        leader_id=world.member_record.pk,
    )


def test_staff_set_up_a_group_of_their_committee_only(world):
    group = _group(world)
    assert set(group.members.all()) >= {world.member_record}
    assert AuditEvent.objects.filter(verb="created", object_id=str(group.pk)).exists()
    for actor in (world.other_staff, world.convener, world.member, world.unit_user):
        with pytest.raises(NotPermitted):
            svc.supervision_group_save(
                actor=actor,
                committee_id=world.district.pk,
                name="x",
                unit_id=world.unit.pk,
                focus="y",
                starts_on=timezone.localdate(),
                member_ids=[world.member_record.pk],
            )
    assert SupervisionGroup.objects.count() == 1


def test_a_group_takes_members_and_a_unit_of_its_own_committee_and_says_so_in_chinese(world):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        svc.supervision_group_save(
            actor=world.district_staff,
            committee_id=world.district.pk,
            name="跨会小组",
            unit_id=world.unit.pk,
            focus="y",
            starts_on=timezone.localdate(),
            member_ids=[world.outsider_member.pk],
            leader_id=world.member_record.pk,
        )
    assert set(exc.value.message_dict) == {"members", "leader"}
    assert exc.value.message_dict["members"] == ["小组成员必须是本委员会的委员。"]
    assert not SupervisionGroup.objects.exists()


def test_a_member_records_a_visit_and_the_unit_answers_it(world):
    group = _group(world)
    visit = svc.supervision_visit_record(
        actor=world.member,
        group_id=group.pk,
        visited_on=timezone.localdate(),
        findings="改造进度滞后",
        suggestions="加快招标",
    )
    assert list(visit.participants.all()) == [world.member_record]  # the recorder by default
    assert Notification.objects.filter(recipient=world.unit_user, object_id=visit.pk).exists()
    for actor in (world.other_unit_user, world.convener, world.member):
        with pytest.raises(NotPermitted):
            svc.supervision_visit_answer(actor=actor, visit_id=visit.pk, response="x")
    svc.supervision_visit_answer(actor=world.unit_user, visit_id=visit.pk, response="已制定整改计划")
    visit.refresh_from_db()
    assert visit.unit_response == "已制定整改计划" and visit.responded_at
    assert Notification.objects.filter(recipient=world.member, object_id=visit.pk).exists()  # the group leader


def test_only_the_groups_members_record_visits_within_its_period(world):
    group = _group(world)
    with pytest.raises(NotPermitted):
        svc.supervision_visit_record(
            actor=world.convener, group_id=group.pk, visited_on=timezone.localdate(), findings="x"
        )
    with pytest.raises(DomainError) as exc:
        svc.supervision_visit_record(
            actor=world.member, group_id=group.pk, findings="x", visited_on=timezone.localdate() - timedelta(days=60)
        )
    assert "visited_on" in exc.value.message_dict
    assert not SupervisionVisit.objects.exists()


def test_an_inspection_with_actions_waits_for_the_groups_account_and_closes_on_it(world):
    today = timezone.localdate()
    for actor in (world.convener, world.member, world.unit_user, world.other_staff):
        with pytest.raises(NotPermitted):
            svc.inspection_record(
                actor=actor,
                committee_id=world.district.pk,
                group_id=world.group.pk,
                inspected_on=today,
                inspectors="x",
                findings="y",
            )
    item = svc.inspection_record(
        actor=world.leader,
        committee_id=world.district.pk,
        group_id=world.group.pk,
        inspected_on=today,
        inspectors="区政协办公室",
        findings="台账不全",
        required_actions="补齐活动台账",
        follow_up_due=today + timedelta(days=14),
    )
    assert item.state == Inspection.State.OPEN
    assert Notification.objects.filter(recipient=world.convener, object_id=item.pk).exists()
    with pytest.raises(NotPermitted):
        svc.inspection_account(actor=world.other_convener, inspection_id=item.pk, follow_up="x")
    svc.inspection_account(actor=world.convener, inspection_id=item.pk, follow_up="台账已补齐")
    item.refresh_from_db()
    assert item.state == Inspection.State.CLOSED and item.followed_up_on == today
    with pytest.raises(DomainError):
        svc.inspection_account(actor=world.convener, inspection_id=item.pk, follow_up="again")


def test_an_inspection_names_one_target_of_its_committee(world):
    platform = f.PlatformFactory(committee=world.district, host_group=world.group)
    with pytest.raises(DomainError) as exc:
        svc.inspection_record(
            actor=world.district_staff,
            committee_id=world.district.pk,
            group_id=world.group.pk,
            platform_id=platform.pk,
            inspected_on=timezone.localdate(),
            inspectors="x",
            findings="y",
        )
    assert "group" in exc.value.message_dict
    item = svc.inspection_record(
        actor=world.district_staff,
        committee_id=world.district.pk,
        platform_id=platform.pk,
        inspected_on=timezone.localdate(),
        inspectors="x",
        findings="六有齐全",
    )
    assert item.state == Inspection.State.CLOSED  # nothing to put right
    assert item.responsible_group_id == world.group.pk


def test_a_convener_reports_to_the_liaison_leader_who_answers(world):
    world.group.liaison_leader = f.MemberFactory(committee=world.district, user=f.UserFactory())
    world.group.save()
    liaison = world.group.liaison_leader.user
    year, half = svc.current_half()
    with pytest.raises(NotPermitted):
        svc.work_report_submit(actor=world.member, group_id=world.group.pk, year=year, half=half, summary="x")
    with pytest.raises(DomainError):
        svc.work_report_submit(actor=world.convener, group_id=world.group.pk, year=year + 1, half=1, summary="x")
    report = svc.work_report_submit(
        actor=world.convener,
        group_id=world.group.pk,
        year=year,
        half=half,
        summary="开展活动12次",
        plans="下半年重点调研",
    )
    assert Notification.objects.filter(recipient=liaison, object_id=report.pk).exists()
    assert WorkReport.objects.visible_to(liaison).filter(pk=report.pk).exists()
    assert not WorkReport.objects.visible_to(world.member).exists()
    with pytest.raises(DomainError):
        svc.work_report_submit(actor=world.convener, group_id=world.group.pk, year=year, half=half, summary="again")
    with pytest.raises(NotPermitted):
        svc.work_report_answer(actor=world.other_convener, report_id=report.pk, comment="x")
    svc.work_report_answer(actor=liaison, report_id=report.pk, comment="很好，继续保持")
    assert Notification.objects.filter(recipient=world.convener, object_id=report.pk).exists()


def test_each_role_sees_only_its_own_rows(world):
    group = _group(world)
    other = svc.supervision_group_save(
        actor=world.other_staff,
        committee_id=world.other.pk,
        name="远山小组",
        unit_id=f.HandlingUnitFactory(committee=world.other).pk,
        focus="y",
        starts_on=timezone.localdate(),
        member_ids=[world.outsider_member.pk],
    )
    assert set(SupervisionGroup.objects.visible_to(world.district_staff)) == {group}
    assert set(SupervisionGroup.objects.visible_to(world.member)) == {group}
    assert set(SupervisionGroup.objects.visible_to(world.unit_user)) == {group}
    assert not SupervisionGroup.objects.visible_to(world.other_unit_user).exists()
    assert not SupervisionGroup.objects.visible_to(world.convener).exists()
    assert set(SupervisionGroup.objects.visible_to(world.other_staff)) == {other}


def test_the_pages_walk_the_hand_offs_and_keep_typed_text_on_an_error(world, client_for):
    group = _group(world)
    client = client_for(world.member)
    url = reverse("groups:supervision_group", args=[group.pk])
    page = client.post(
        url,
        {
            "visited_on": timezone.localdate().isoformat(),
            "findings": "",
            "suggestions": "建议公开进度",
            "participants": [world.member_record.pk],
        },
    )
    assert page.status_code == 200 and "建议公开进度" in page.content.decode()
    response = client.post(
        url,
        {
            "visited_on": timezone.localdate().isoformat(),
            "findings": "进度滞后",
            "participants": [world.member_record.pk],
        },
    )
    assert response.status_code == 302
    visit = SupervisionVisit.objects.get()
    unit = client_for(world.unit_user)
    assert "反馈这次监督" in unit.get(url).content.decode()
    unit.post(reverse("groups:supervision_visit_answer", args=[visit.pk]), {"response": "立即整改"})
    visit.refresh_from_db()
    assert visit.unit_response == "立即整改"
    assert client_for(world.other_unit_user).get(url).status_code == 404


@pytest.mark.parametrize("tab", ["groups", "inspections", "reports"])
def test_the_lists_run_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries, tab):
    client = client_for(world.district_staff)
    _group(world)
    client.get(reverse("groups:supervision") + f"?tab={tab}")
    for i in range(6):
        _group(world, name=f"小组{i}")
        svc.inspection_record(
            actor=world.district_staff,
            committee_id=world.district.pk,
            group_id=world.group.pk,
            inspected_on=timezone.localdate(),
            inspectors="x",
            findings=f"y{i}",
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("groups:supervision") + f"?tab={tab}").status_code == 200
