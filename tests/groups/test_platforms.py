"""Duty platforms 履职平台 that are run: members with roles, the life cycle 筹建 → 成立 → 撤销, the plan, the yearly
evaluation, and the six haves 六有 backed by evidence; who may act, what each one sees, and that a refusal writes
nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from activities.models import Activity
from activities.selectors.platforms import platform_page
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from groups.models import CommitteeStaff, Platform
from groups.models.platforms import PlatformDocument, PlatformEvaluation, PlatformMembership
from groups.services import platforms as svc
from notifications.models import Notification
from tests import factories as f
from tests.events import deliver_outboxed_events
from tests.groups.factories import ActivityFactory, pdf_upload, photo_upload

pytestmark = pytest.mark.django_db
R = PlatformMembership.Role


def _vice_chair(world):
    """A member of the district who is one of its leaders (a vice-chair 分管副主席)."""
    user = f.UserFactory()
    CommitteeStaff.objects.create(user=user, committee=world.district, role=CommitteeStaff.Role.LEADER)
    return f.MemberFactory(committee=world.district, user=user, term=world.member_record.term)


def _platform(world, **kw):
    return f.PlatformFactory(committee=world.district, name=kw.pop("name", "东湖街道委员工作室"), **kw)


def _staffed(world, platform=None):
    """A platform with the convener as initiator, the world's member as a member and a vice-chair as liaison chair."""
    platform = platform or _platform(world)
    day = timezone.localdate() - timedelta(days=10)
    for member, role in (
        (world.convener_member, R.INITIATOR),
        (world.member_record, R.MEMBER),
        (_vice_chair(world), R.LIAISON_CHAIR),
    ):
        svc.platform_member_add(
            actor=world.district_staff, platform_id=platform.pk, member_id=member.pk, role=role, joined_on=day
        )
    return platform


def _established(world, platform=None):
    platform = _staffed(world, platform)
    return svc.platform_establish(
        actor=world.district_staff,
        platform_id=platform.pk,
        established_on=timezone.localdate() - timedelta(days=5),
        approval_document="东政办〔2026〕12号",
    )


def _verbs(platform):
    return list(
        AuditEvent.objects.filter(object_id=str(platform.pk), content_type__model="platform")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


# --- the life cycle ------------------------------------------------------------------------------------------


def test_staff_establish_a_platform_with_its_date_and_approval_document_and_its_members_hear_of_it(world):
    platform = _established(world)
    assert (platform.state, platform.approval_document) == (Platform.State.ESTABLISHED, "东政办〔2026〕12号")
    assert platform.established_on == timezone.localdate() - timedelta(days=5)
    assert _verbs(platform) == ["member_added"] * 3 + ["established"]
    deliver_outboxed_events()
    told = set(
        Notification.objects.filter(url=reverse("activities:platform", args=[platform.pk])).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"convener", "member"} <= told


def test_a_member_named_to_a_platform_on_the_day_it_is_established_hears_both(world):
    platform = _established(world)
    deliver_outboxed_events()
    titles = set(
        Notification.objects.filter(
            recipient=world.member, url=reverse("activities:platform", args=[platform.pk])
        ).values_list("title", flat=True)
    )
    assert len(titles) == 2 and any("成立" in t for t in titles), titles


def test_a_platform_is_established_only_with_its_initiator_and_liaison_chair_and_says_so_in_chinese(world):
    platform = _platform(world)
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        svc.platform_establish(
            actor=world.district_staff,
            platform_id=platform.pk,
            established_on=timezone.localdate(),
            approval_document="",
        )
    assert exc.value.message_dict["__all__"] == ["成立平台前，请先确定发起人和联络主席。"]
    assert exc.value.message_dict["approval_document"] == ["请填写批复文件（文号或标题）。"]
    platform.refresh_from_db()
    assert platform.state == Platform.State.PROPOSED and _verbs(platform) == []


def test_the_liaison_chair_must_be_a_leader_of_the_committee_and_there_is_one(world):
    platform = _platform(world)
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        svc.platform_member_add(
            actor=world.district_staff,
            platform_id=platform.pk,
            member_id=world.member_record.pk,
            role=R.LIAISON_CHAIR,
            joined_on=timezone.localdate(),
        )
    assert exc.value.message_dict["role"] == ["联络主席须由本委员会的主席或副主席担任。"]
    first = _vice_chair(world)
    svc.platform_member_add(
        actor=world.district_staff,
        platform_id=platform.pk,
        member_id=first.pk,
        role=R.LIAISON_CHAIR,
        joined_on=timezone.localdate(),
    )
    with pytest.raises(DomainError):
        svc.platform_member_add(
            actor=world.district_staff,
            platform_id=platform.pk,
            member_id=_vice_chair(world).pk,
            role=R.LIAISON_CHAIR,
            joined_on=timezone.localdate(),
        )
    assert PlatformMembership.objects.filter(platform=platform).count() == 1


def test_establishing_twice_or_after_winding_up_is_refused(world):
    platform = _established(world)
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as exc:
        svc.platform_establish(
            actor=world.district_staff,
            platform_id=platform.pk,
            established_on=timezone.localdate(),
            approval_document="x",
        )
    assert exc.value.messages == ["只有筹建中的平台才能成立。"]
    svc.platform_wind_up(
        actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="合并"
    )
    with pytest.raises(InvalidTransition):
        svc.platform_wind_up(
            actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="再撤"
        )
    with pytest.raises(InvalidTransition):
        svc.platform_member_add(
            actor=world.district_staff,
            platform_id=platform.pk,
            member_id=world.member_record.pk,
            role=R.MEMBER,
            joined_on=timezone.localdate(),
        )


def test_a_transition_the_page_did_not_see_is_refused(world):
    platform = _staffed(world)
    with pytest.raises(InvalidTransition):
        svc.platform_establish(
            actor=world.district_staff,
            platform_id=platform.pk,
            established_on=timezone.localdate(),
            approval_document="x",
            expected_state=Platform.State.ESTABLISHED,
        )


def test_winding_up_ends_every_members_place_with_the_reason_and_closes_the_platform(world):
    platform = _established(world)
    today = timezone.localdate()
    svc.platform_wind_up(
        actor=world.district_staff, platform_id=platform.pk, wound_up_on=today, reason="与协商工作站合并"
    )
    platform.refresh_from_db()
    assert (platform.state, platform.is_active, platform.wound_up_reason) == (
        Platform.State.WOUND_UP,
        False,
        "与协商工作站合并",
    )
    assert not PlatformMembership.objects.active().filter(platform=platform).exists()
    assert set(PlatformMembership.objects.filter(platform=platform).values_list("left_on", flat=True)) == {today}
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        svc.platform_wind_up(
            actor=world.district_staff, platform_id=_platform(world, name="乙").pk, wound_up_on=today, reason=" "
        )
    assert exc.value.message_dict["reason"] == ["请说明撤销平台的原因。"]


def test_winding_up_is_all_or_nothing(world, monkeypatch):
    platform = _established(world)

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(svc, "record_event", broken)
    with pytest.raises(RuntimeError):
        svc.platform_wind_up(
            actor=world.district_staff, platform_id=platform.pk, wound_up_on=timezone.localdate(), reason="x"
        )
    platform.refresh_from_db()
    assert platform.state == Platform.State.ESTABLISHED and platform.is_active
    assert PlatformMembership.objects.active().filter(platform=platform).count() == 3


def test_staff_of_another_committee_and_members_cannot_run_the_platform(world):
    platform = _staffed(world)
    today = timezone.localdate()
    for actor in (world.other_staff, world.member, world.convener, world.leader):
        with pytest.raises(NotPermitted):
            svc.platform_establish(actor=actor, platform_id=platform.pk, established_on=today, approval_document="x")
        with pytest.raises(NotPermitted):
            svc.platform_wind_up(actor=actor, platform_id=platform.pk, wound_up_on=today, reason="x")
        with pytest.raises(NotPermitted):
            svc.platform_member_add(
                actor=actor, platform_id=platform.pk, member_id=world.member_record.pk, role=R.MEMBER, joined_on=today
            )
    with pytest.raises(NotPermitted):
        svc.platform_plan_save(actor=world.other_staff, platform_id=platform.pk, year=today.year, content="x")
    platform.refresh_from_db()
    assert platform.state == Platform.State.PROPOSED and _verbs(platform) == ["member_added"] * 3


# --- members leave (the exit mechanism) ----------------------------------------------------------------------


def test_a_member_leaves_a_platform_themself_but_cannot_remove_another(world):
    platform = _established(world)
    mine = PlatformMembership.objects.get(platform=platform, member=world.member_record)
    initiator = PlatformMembership.objects.get(platform=platform, role=R.INITIATOR)
    with pytest.raises(NotPermitted):
        svc.platform_member_leave(actor=world.member, membership_id=initiator.pk, left_on=timezone.localdate())
    svc.platform_member_leave(
        actor=world.member, membership_id=mine.pk, left_on=timezone.localdate(), reason="工作调动"
    )
    mine.refresh_from_db()
    assert (mine.left_on, mine.left_reason) == (timezone.localdate(), "工作调动")
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as exc:
        svc.platform_member_leave(actor=world.district_staff, membership_id=mine.pk, left_on=timezone.localdate())
    assert exc.value.messages == ["该委员已退出本平台。"]
    # and may be named again later
    svc.platform_member_add(
        actor=world.district_staff,
        platform_id=platform.pk,
        member_id=world.member_record.pk,
        role=R.MEMBER,
        joined_on=timezone.localdate(),
    )
    assert PlatformMembership.objects.filter(platform=platform, member=world.member_record).count() == 2


# --- the plan, the evidence and the evaluation ---------------------------------------------------------------


def test_the_initiator_writes_the_plan_and_keeps_evidence_but_a_plain_member_cannot(world):
    platform = _established(world)
    year = timezone.localdate().year
    plan = svc.platform_plan_save(
        actor=world.convener, platform_id=platform.pk, year=year, planned_activities=6, content="每月一次委员接待日"
    )
    again = svc.platform_plan_save(
        actor=world.convener, platform_id=platform.pk, year=year, planned_activities=8, content="每月两次"
    )
    assert again.pk == plan.pk and again.planned_activities == 8
    document = svc.platform_document_upload(
        actor=world.convener, platform_id=platform.pk, kind=PlatformDocument.Kind.VENUE_PHOTO, upload=photo_upload()
    )
    assert document.content_type == "image/png"
    with pytest.raises(NotPermitted):
        svc.platform_plan_save(actor=world.member, platform_id=platform.pk, year=year, content="x")
    with pytest.raises(NotPermitted):
        svc.platform_document_upload(
            actor=world.member, platform_id=platform.pk, kind=PlatformDocument.Kind.RULES, upload=pdf_upload()
        )
    assert PlatformDocument.objects.count() == 1


def test_the_venue_and_sign_are_shown_by_photos_and_uploads_are_checked_by_content(world):
    platform = _established(world)
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        svc.platform_document_upload(
            actor=world.district_staff,
            platform_id=platform.pk,
            kind=PlatformDocument.Kind.SIGN_PHOTO,
            upload=pdf_upload(),
        )
    assert exc.value.message_dict["file"] == ["场地和标识须以照片（JPEG、PNG、GIF 或 WebP）为证。"]
    fake = SimpleUploadedFile("制度.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError):
        svc.platform_document_upload(
            actor=world.district_staff, platform_id=platform.pk, kind=PlatformDocument.Kind.RULES, upload=fake
        )
    assert not PlatformDocument.objects.exists()


def test_staff_evaluate_an_established_platforms_year_and_may_amend_it(world):
    proposed = _platform(world, name="筹建中")
    year = timezone.localdate().year
    with pytest.raises(InvalidTransition):
        svc.platform_evaluate(
            actor=world.district_staff, platform_id=proposed.pk, year=year, grade="good", comments="x"
        )
    platform = _established(world)
    with pytest.raises(NotPermitted):
        svc.platform_evaluate(actor=world.convener, platform_id=platform.pk, year=year, grade="good", comments="x")
    first = svc.platform_evaluate(
        actor=world.district_staff, platform_id=platform.pk, year=year, grade="good", score=85, comments="活动扎实"
    )
    second = svc.platform_evaluate(
        actor=world.district_staff, platform_id=platform.pk, year=year, grade="excellent", score=92, comments="复核"
    )
    assert first.pk == second.pk and PlatformEvaluation.objects.get().grade == "excellent"
    assert _verbs(platform)[-2:] == ["evaluated", "evaluation_amended"]
    with pytest.raises(DomainError):
        svc.platform_evaluate(
            actor=world.district_staff, platform_id=platform.pk, year=year + 1, grade="good", comments="未来"
        )


# --- the six haves, backed by evidence ----------------------------------------------------------------------


def _haves(platform, year):
    return {h.key: h for h in platform_page(platform, year).haves}


def test_each_of_the_six_haves_is_met_only_by_its_evidence(world):
    platform = _established(world)
    year = timezone.localdate().year
    assert not any(h.met for h in _haves(platform, year).values())
    staff = world.district_staff
    for kind, upload in (
        (PlatformDocument.Kind.VENUE_PHOTO, photo_upload("场地.png")),
        (PlatformDocument.Kind.SIGN_PHOTO, photo_upload("标识.png")),
        (PlatformDocument.Kind.RULES, pdf_upload("议事规则.pdf")),
    ):
        svc.platform_document_upload(actor=staff, platform_id=platform.pk, kind=kind, upload=upload)
    haves = _haves(platform, year)
    assert [k for k, h in haves.items() if h.met] == ["venue", "sign", "rules"]
    assert haves["rules"].evidence[0][0] == "议事规则.pdf"
    # a planned activity is not an activity held; a held one is, and links to the ledger
    start = timezone.now() - timedelta(days=1)
    planned = ActivityFactory(group=None, platform=platform, committee=world.district, starts_at=start)
    assert not _haves(platform, year)["activities"].met
    Activity.objects.filter(pk=planned.pk).update(state=Activity.State.HELD)
    haves = _haves(platform, year)
    assert haves["activities"].met and haves["activities"].evidence[0][1] == reverse(
        "activities:activity_detail", args=[planned.pk]
    )
    assert not haves["archive"].met  # held, not filed
    Activity.objects.filter(pk=planned.pk).update(state=Activity.State.FILED)
    assert _haves(platform, year)["archive"].met
    assert not _haves(platform, year)["evaluation"].met
    svc.platform_evaluate(actor=staff, platform_id=platform.pk, year=year, grade="pass", comments="合格")
    assert all(h.met for h in _haves(platform, year).values())
    # another year has its own activities, file and evaluation; the venue, sign and rules stay
    assert [k for k, h in _haves(platform, year - 1).items() if h.met] == ["venue", "sign", "rules"]


def test_a_record_uploaded_in_the_year_backs_the_archive(world):
    platform = _established(world)
    svc.platform_document_upload(
        actor=world.convener, platform_id=platform.pk, kind=PlatformDocument.Kind.RECORD, upload=pdf_upload("台账.pdf")
    )
    assert _haves(platform, timezone.localdate().year)["archive"].met


def test_haves_ticked_before_evidence_show_as_declared_and_do_not_count(world):
    platform = _platform(world, state=Platform.State.ESTABLISHED, declared_six_haves=["venue", "evaluation"])
    haves = _haves(platform, timezone.localdate().year)
    assert not any(h.met for h in haves.values())
    assert {k for k, h in haves.items() if h.declared} == {"venue", "evaluation"}


# --- pages ---------------------------------------------------------------------------------------------------


FORMS = ("platform_establish", "platform_wind_up", "platform_evaluate", "platform_member_add", "platform_plan")


def test_a_platform_member_sees_the_page_but_not_the_forms_and_other_committees_staff_see_nothing(world, client_for):
    platform = _established(world)
    page = client_for(world.member).get(reverse("activities:platform", args=[platform.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-have="venue"' in body and world.convener_member.name in body
    assert reverse("activities:platform_evaluate", args=[platform.pk]) not in body
    for name in (*FORMS, "platform_document_new"):
        assert client_for(world.member).get(reverse(f"activities:{name}", args=[platform.pk])).status_code == 403
    assert client_for(world.other_staff).get(reverse("activities:platform", args=[platform.pk])).status_code == 404
    for name in FORMS:
        assert client_for(world.other_staff).get(reverse(f"activities:{name}", args=[platform.pk])).status_code == 404


def test_the_initiator_gets_the_plan_and_evidence_forms_only(world, client_for):
    platform = _established(world)
    client = client_for(world.convener)
    assert client.get(reverse("activities:platform_plan", args=[platform.pk])).status_code == 200
    assert client.get(reverse("activities:platform_document_new", args=[platform.pk])).status_code == 200
    assert client.get(reverse("activities:platform_evaluate", args=[platform.pk])).status_code == 403
    response = client.post(
        reverse("activities:platform_document_new", args=[platform.pk]),
        {"kind": "sign_photo", "caption": "门牌", "file": photo_upload("门牌.png")},
    )
    assert response.status_code == 302
    document = PlatformDocument.objects.get()
    got = client_for(world.member).get(reverse("activities:platform_document", args=[document.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert (
        client_for(world.other_staff).get(reverse("activities:platform_document", args=[document.pk])).status_code
        == 404
    )


def test_staff_establish_and_wind_up_from_the_pages(world, client_for):
    platform = _staffed(world)
    client = client_for(world.district_staff)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("activities:platform_establish", args=[platform.pk]),
        {"established_on": today, "approval_document": "东政办〔2026〕3号", "expected_state": "proposed"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("activities:platform_wind_up", args=[platform.pk]), {"wound_up_on": today, "reason": " "}
    )
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    client.post(reverse("activities:platform_wind_up", args=[platform.pk]), {"wound_up_on": today, "reason": "撤并"})
    platform.refresh_from_db()
    assert platform.state == Platform.State.WOUND_UP


def test_the_platform_page_and_list_run_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    platform = _established(world)
    client = client_for(world.district_staff)
    url = reverse("activities:platform", args=[platform.pk])
    client.get(url)
    for i in range(5):
        member = f.MemberFactory(committee=world.district, term=world.member_record.term)
        svc.platform_member_add(
            actor=world.district_staff,
            platform_id=platform.pk,
            member_id=member.pk,
            role=R.MEMBER,
            joined_on=timezone.localdate(),
        )
        svc.platform_document_upload(
            actor=world.district_staff, platform_id=platform.pk, kind="record", upload=pdf_upload(f"台账{i}.pdf")
        )
        ActivityFactory(
            group=None,
            platform=platform,
            committee=world.district,
            state=Activity.State.HELD,
            starts_at=timezone.now() - timedelta(hours=i + 1),
        )
        _platform(world, name=f"工作站{i}")
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("activities:platforms")).status_code == 200


# --- the API -------------------------------------------------------------------------------------------------


def test_the_api_runs_the_same_services_with_the_same_refusals(world, client_for):
    platform = _staffed(world)
    url = reverse("api:platform-establish", args=[platform.pk])
    body = {"established_on": timezone.localdate().isoformat(), "approval_document": "东政办〔2026〕5号"}
    assert client_for(world.member).post(url, body, content_type="application/json").status_code == 403
    assert client_for(world.other_staff).post(url, body, content_type="application/json").status_code == 404
    response = client_for(world.district_staff).post(url, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "established"
    assert client_for(world.district_staff).post(url, body, content_type="application/json").status_code == 400
    haves = client_for(world.member).get(
        reverse("api:platform-six-haves", args=[platform.pk]) + f"?year={timezone.localdate().year}"
    )
    assert haves.status_code == 200 and [h["key"] for h in haves.json()] == [
        "venue",
        "sign",
        "rules",
        "activities",
        "archive",
        "evaluation",
    ]
    mine = PlatformMembership.objects.get(platform=platform, member=world.member_record)
    left = client_for(world.member).post(
        reverse("api:platform-membership-leave", args=[mine.pk]),
        {"left_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert left.status_code == 200 and left.json()["left_on"] == timezone.localdate().isoformat()
    assert _verbs(platform)[-2:] == ["established", "member_left"]
