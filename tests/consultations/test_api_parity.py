"""API parity (#15): what the session and outcome pages do, the API does with the same service (the same audit
record) and the same refusals (another committee's staff: 404; a role in sight without the right: 403)."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consultations.models import Attendance, ConsultationSession, Outcome, SessionDocument
from core.models import AuditEvent
from tests.consultations.factories import OutcomeFactory, SessionFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/"
JSON = "application/json"
S = ConsultationSession.State


def _trail(obj) -> list[tuple]:
    ct = ContentType.objects.get_for_model(obj)
    return list(
        AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk))
        .order_by("pk")
        .values_list("verb", "from_state", "to_state", "actor_id", "data")
    )


def _session(world, **kw):
    return SessionFactory(committee=world.district, group=world.group, **kw)


def _planned(world):
    return _session(world, state=S.PLANNED, starts_at=timezone.now() - timedelta(hours=2))


# page action (form prefix), API path, the session it needs, who may, the body
SESSION_ACTIONS = [
    (
        "attendance",
        "a",
        "attendance",
        _session,
        "convener",
        lambda w: {"member": w.member_record.pk, "status": "excused", "reason": "出差"},
    ),
    ("participant", "p", "participants", _session, "convener", lambda w: {"kind": "resident", "name": "王阿姨"}),
    (
        "stage",
        "s",
        "stage-records",
        _session,
        "district_staff",
        lambda w: {"stage": "briefing", "speaker": "李主任", "content": "通报了加装电梯的进展。"},
    ),
    ("hold", None, "hold", _planned, "convener", lambda w: {}),
    ("cancel", None, "cancel", _planned, "convener", lambda w: {}),
    ("publish", None, "publish", _session, "district_staff", lambda w: {}),
]


@pytest.mark.parametrize(
    ("page", "prefix", "api", "build", "allowed", "body"), SESSION_ACTIONS, ids=[a[2] for a in SESSION_ACTIONS]
)
def test_a_session_action_leaves_the_same_audit_record_through_the_api_as_on_the_page(
    world, client_for, page, prefix, api, build, allowed, body
):
    on_page, on_api = build(world), build(world)
    client = client_for(getattr(world, allowed))
    form = {f"{prefix}-{k}" if prefix else k: v for k, v in body(world).items()}
    client.post(reverse("consultations:session_action", args=[on_page.pk, page]), form)
    response = client.post(f"{API}consultations/{on_api.pk}/{api}/", body(world), content_type=JSON)
    assert response.status_code == 200, response.content
    assert _trail(on_page) == _trail(on_api) != []
    assert ConsultationSession.objects.get(pk=on_api.pk).state == ConsultationSession.objects.get(pk=on_page.pk).state


@pytest.mark.parametrize(
    ("page", "prefix", "api", "build", "allowed", "body"), SESSION_ACTIONS, ids=[a[2] for a in SESSION_ACTIONS]
)
@pytest.mark.parametrize("who", ["other_staff", "other_convener", "member", "unit_user"])
def test_a_session_action_is_refused_to_who_does_not_organise_it_and_changes_nothing(
    world, client_for, page, prefix, api, build, allowed, body, who
):
    session = build(world)
    before = (
        _trail(session),
        ConsultationSession.objects.filter(pk=session.pk).values().get(),
        session.attendances.count(),
        session.participants.count(),
        session.stage_records.count(),
    )
    response = client_for(getattr(world, who)).post(
        f"{API}consultations/{session.pk}/{api}/", body(world), content_type=JSON
    )
    # 404 out of sight; 403 in sight; 400 when the body names a member the caller does not reach
    assert response.status_code in ({404} if who == "other_staff" else {400, 403, 404}), (who, response.status_code)
    assert (
        _trail(session),
        ConsultationSession.objects.filter(pk=session.pk).values().get(),
        session.attendances.count(),
        session.participants.count(),
        session.stage_records.count(),
    ) == before


def test_a_convener_changes_removes_and_records_outcomes_of_their_session_through_the_api(world, client_for):
    session = _session(world)
    client = client_for(world.convener)
    changed = client.patch(f"{API}consultations/{session.pk}/", {"place": "社区议事厅二楼"}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["place"] == "社区议事厅二楼"
    assert _trail(session)[-1][0] == "updated"
    client.post(
        f"{API}consultations/{session.pk}/attendance/",
        {"member": world.member_record.pk, "status": "present"},
        content_type=JSON,
    )
    removed = client.post(
        f"{API}consultations/{session.pk}/remove-attendance/", {"member": world.member_record.pk}, content_type=JSON
    )
    assert removed.status_code == 200 and not Attendance.objects.filter(session=session).exists()
    assert _trail(session)[-1][0] == "attendance_removed"
    outcome = client.post(
        f"{API}consultations/{session.pk}/outcomes/",
        {"title": "增设充电桩", "content": "东门二十个"},
        content_type=JSON,
    )
    assert outcome.status_code == 201 and outcome.json()["state"] == "pending"
    assert _trail(Outcome.objects.get(pk=outcome.json()["id"]))[0][0] == "created"
    # a session with outcomes stays; one without is removed
    assert client.delete(f"{API}consultations/{session.pk}/").status_code == 400
    other = _session(world)
    assert client_for(world.other_convener).delete(f"{API}consultations/{other.pk}/").status_code in (403, 404)
    assert client_for(world.convener).delete(f"{API}consultations/{other.pk}/").status_code == 204
    assert not ConsultationSession.objects.filter(pk=other.pk).exists()


def test_minutes_are_uploaded_through_the_api_and_refused_to_another_group(world, client_for):
    session = _session(world)
    pdf = SimpleUploadedFile(
        "纪要.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )
    refused = client_for(world.other_convener).post(
        f"{API}consultations/{session.pk}/documents/", {"kind": "minutes", "file": pdf}
    )
    assert refused.status_code in (403, 404) and not SessionDocument.objects.exists()
    pdf.seek(0)
    response = client_for(world.convener).post(
        f"{API}consultations/{session.pk}/documents/", {"kind": "minutes", "file": pdf}
    )
    assert response.status_code == 201, response.content
    assert SessionDocument.objects.get().session == session and _trail(session)[-1][0] == "document_uploaded"


@pytest.mark.parametrize(("action", "api"), [("follow_up", "follow-up"), ("close", "close")])
def test_staff_follow_up_and_close_a_published_outcome_as_on_the_page(world, client_for, action, api):
    def published():
        return OutcomeFactory(
            session=_session(world),
            state=Outcome.State.PUBLISHED,
            published_at=timezone.now(),
            unit=world.unit,
            deadline=timezone.localdate() + timedelta(days=9),
            assigned_at=timezone.now(),
            reply="已办理",
            replied_at=timezone.now(),
        )

    on_page, on_api = published(), published()
    client = client_for(world.district_staff)
    client.post(reverse("consultations:outcome_action", args=[on_page.pk, action]), {"text": "已完成改造"})
    body = {"text": "已完成改造"} if action == "follow_up" else {"comment": "已完成改造"}
    assert client_for(world.convener).post(
        f"{API}consultation-outcomes/{on_api.pk}/{api}/", body, content_type=JSON
    ).status_code in (403, 404)
    assert (
        client_for(world.other_staff)
        .post(f"{API}consultation-outcomes/{on_api.pk}/{api}/", body, content_type=JSON)
        .status_code
        == 404
    )
    assert _trail(on_api) == []
    response = client_for(world.district_staff).post(
        f"{API}consultation-outcomes/{on_api.pk}/{api}/", body, content_type=JSON
    )
    assert response.status_code == 200
    assert [r[:4] for r in _trail(on_api)] == [r[:4] for r in _trail(on_page)] != []


def test_an_outcome_merged_into_another_committees_outcome_is_a_400_on_the_field(world, client_for):
    outcome = OutcomeFactory(session=_session(world))
    elsewhere = OutcomeFactory(session=SessionFactory(committee=world.other))
    response = client_for(world.district_staff).post(
        f"{API}consultation-outcomes/{outcome.pk}/evaluate/",
        {"decision": "merge", "merge_into": elsewhere.pk},
        content_type=JSON,
    )
    assert response.status_code == 400 and "merge_into" in response.json()
    assert Outcome.objects.get(pk=outcome.pk).state == Outcome.State.PENDING


def test_a_unit_that_was_not_handed_the_outcome_is_refused_with_403(world, client_for):
    outcome = OutcomeFactory(
        session=_session(world),
        state=Outcome.State.ASSIGNED,
        unit=world.unit,
        deadline=timezone.localdate() + timedelta(days=9),
        assigned_at=timezone.now(),
    )
    response = client_for(world.other_unit_user).post(
        f"{API}consultation-outcomes/{outcome.pk}/reply/", {"text": "已办理"}, content_type=JSON
    )
    assert response.status_code in (403, 404) and Outcome.objects.get(pk=outcome.pk).state == Outcome.State.ASSIGNED
