"""A roll-up that finished or failed tells the committee's secretariat staff (assessments/subscribers.py), after
commit, once — the 5-minute rule, the safety net, then finds nothing new — with a link to the run."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments import rollup
from assessments.models import RollupRun
from assessments.services import rollup_execute, rollup_start
from notifications import rules
from notifications.models import Kind, Notification
from tests import factories as f
from tests.assessments.test_rollup import district_year, events  # noqa: F401 - the fixtures
from tests.events import deliver_outboxed_events

pytestmark = pytest.mark.django_db


def _told(kind) -> list[Notification]:
    assert not Notification.objects.filter(kind__in=[Kind.ROLLUP_FINISHED, Kind.ROLLUP_FAILED]).exists()
    assert set(deliver_outboxed_events()) <= {"done"}
    notices = list(Notification.objects.filter(kind=kind).order_by("recipient_id"))
    assert len({n.recipient_id for n in notices}) == len(notices)
    for notice in notices:
        client = Client()
        client.force_login(notice.recipient)
        assert client.get(notice.url).status_code == 200, (notice.recipient, notice.url)
    return notices


def test_a_finished_roll_up_tells_the_committee_s_staff_once(world, events):  # noqa: F811
    second = f.StaffPositionFactory(committee=world.district).user
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    rollup_execute(run_id=run.pk)
    notices = _told(Kind.ROLLUP_FINISHED)
    assert {n.recipient for n in notices} == {world.district_staff, second}  # not the city's staff, not members
    assert all(n.title == "东湖区政协2026年第二季度履职汇总已完成" and n.target == run for n in notices)
    assert all(n.url == reverse("admin:assessments_rolluprun_change", args=[run.pk]) for n in notices)
    assert not Notification.objects.filter(kind=Kind.ROLLUP_FAILED).exists()
    assert rules.run_rule("rollup_finished", today=run.created_at.date())["created"] == 0  # the safety net: no more


def test_a_failed_roll_up_tells_the_staff_why(world, events, monkeypatch):  # noqa: F811
    run = rollup_start(committee=world.district, year=2026, quarter=2, actor=world.district_staff)
    monkeypatch.setattr(rollup, "committee_snapshot", lambda run: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        rollup_execute(run_id=run.pk)
    assert RollupRun.objects.get(pk=run.pk).status == RollupRun.Status.FAILED
    [notice] = _told(Kind.ROLLUP_FAILED)
    assert notice.recipient == world.district_staff and "ZeroDivisionError" in notice.body
    assert notice.title == "东湖区政协2026年第二季度履职汇总失败"
