"""Rule sets through the API (#15): what staff do in the admin (a preset, a copy to another year, the lock) with
the same services and audit rows; the services refuse anyone but the committee's staff (403), another committee's
ids are a 400 on the field, and nothing changes."""

import pytest

from assessments.models import RuleSet
from assessments.services import ruleset_create_from_preset
from core.services import events_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/rule-sets/"
JSON = "application/json"


def test_staff_create_a_rule_set_from_a_preset_copy_it_and_lock_it(world, client_for):
    client = client_for(world.district_staff)
    created = client.post(
        URL + "from-preset/", {"committee": world.district.pk, "year": 2026, "preset": "hefei"}, content_type=JSON
    )
    assert created.status_code == 201, created.content
    rule_set = RuleSet.objects.get(pk=created.json()["id"])
    assert rule_set.rules.exists() and [e.verb for e in events_for(rule_set)] == ["created"]
    assert events_for(rule_set).get().actor == world.district_staff
    copy = client.post(f"{URL}{rule_set.pk}/copy/", {"year": 2027}, content_type=JSON)
    assert copy.status_code == 201 and copy.json()["year"] == 2027 and not copy.json()["is_locked"]
    again = client.post(f"{URL}{rule_set.pk}/copy/", {"year": 2027}, content_type=JSON)
    assert again.status_code == 400  # one rule set per committee and year: the service's message
    locked = client.post(f"{URL}{rule_set.pk}/lock/")
    assert locked.status_code == 200 and locked.json()["is_locked"]
    assert [e.verb for e in events_for(rule_set)] == ["created", "locked"]
    assert client.get(URL).json()["count"] == 2


@pytest.mark.parametrize("who", ["member", "convener", "leader", "unit_user"])
def test_who_is_not_the_committees_staff_is_refused_and_nothing_changes(world, client_for, who):
    rule_set = ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    client = client_for(getattr(world, who))
    preset = client.post(
        URL + "from-preset/", {"committee": world.district.pk, "year": 2027, "preset": "jinan"}, content_type=JSON
    )
    # a committee the caller sees: the service refuses (403); one they do not see: 400 on the field
    assert preset.status_code in (400, 403)
    if preset.status_code == 400:
        assert "committee" in preset.json()
    assert client.post(f"{URL}{rule_set.pk}/lock/").status_code == 404  # staff's rows only
    assert client.post(f"{URL}{rule_set.pk}/copy/", {"year": 2028}, content_type=JSON).status_code == 404
    assert list(RuleSet.objects.values_list("year", "is_locked")) == [(2026, False)]


def test_another_committees_staff_cannot_reach_a_rule_set_or_name_its_committee(world, client_for):
    rule_set = ruleset_create_from_preset(committee=world.district, year=2026, preset="minhang", actor=None)
    client = client_for(world.other_staff)
    assert client.post(f"{URL}{rule_set.pk}/lock/").status_code == 404
    response = client.post(
        URL + "from-preset/", {"committee": world.district.pk, "year": 2027, "preset": "jinan"}, content_type=JSON
    )
    assert response.status_code == 400 and "committee" in response.json()
    assert RuleSet.objects.count() == 1 and not RuleSet.objects.get().is_locked


def test_a_leader_who_sees_the_committee_may_not_start_its_roll_up(world, client_for):
    response = client_for(world.leader).post(
        "/api/v1/rollups/run/", {"committee": world.district.pk, "year": 2026, "quarter": 1}, content_type=JSON
    )
    assert response.status_code == 403 and "工作人员" in response.json()["detail"]
