import pytest
from django.core.management import call_command

from consultations.models import ConsultationSession, Outcome, Participant, StageRecord, Topic

pytestmark = pytest.mark.django_db


def test_the_demo_has_sessions_at_every_level_outcomes_in_every_state_and_work_for_the_unit(client):
    call_command("seed_demo", members=120, districts=2, force=True, verbosity=0)
    assert set(ConsultationSession.objects.values_list("level", flat=True)) == {"district", "street", "community"}
    assert set(Outcome.objects.values_list("state", flat=True)) == set(Outcome.State.values)
    assert set(Topic.objects.values_list("state", flat=True)) == set(Topic.State.values)
    assert Participant.objects.filter(kind="department").exists() and StageRecord.objects.exists()
    # linked to the other apps' demo rows
    assert Outcome.objects.filter(proposal__isnull=False).exists()
    assert ConsultationSession.objects.filter(activity__isnull=False).exists()
    assert Topic.research_activities.through.objects.exists()
    login = client.post("/accounts/login/", {"username": "unit", "password": "demo-pass-2026"})
    assert login.status_code == 302, "the demo unit user logs in with the demo password"
    response = client.get("/consultations/unit/")
    assert response.status_code == 200
    open_for_unit = [o for o in response.context["page_obj"] if o.state in Outcome.OPEN_AT_UNIT]
    assert open_for_unit, "the demo unit must have outcomes to reply to"
    client.logout()
    from groups.models import Committee

    district = Committee.objects.filter(level="district").first()
    assert client.get(f"/consultations/public/{district.code}/").status_code == 200
