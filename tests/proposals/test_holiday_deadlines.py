"""Deadlines counted in working days (a unit's window to return a proposal, the proposer's window to rate a reply)
follow the committee's holiday calendar when it changes, each with an audit row; calendar-month deadlines stay."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.services import events_for
from proposals import holidays
from proposals.models import Holiday, Proposal

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
BEFORE_NATIONAL_DAY = date(2026, 9, 25)  # a Friday


@pytest.fixture
def on_sept_25(walk, time_machine):
    time_machine.move_to(datetime(2026, 9, 25, 10, tzinfo=SHANGHAI), tick=False)
    walk.today = BEFORE_NATIONAL_DAY
    return walk


def test_loading_the_2026_national_calendar_moves_an_open_return_window_past_national_day(on_sept_25, world):
    proposal = on_sept_25.assigned()
    lead = on_sept_25.lead(proposal)
    assert lead.reassign_until == date(2026, 10, 9)  # 10 working days, weekends only: no calendar yet
    reply_due = proposal.reply_due

    result = holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[world.district.pk])

    lead.refresh_from_db()
    proposal.refresh_from_db()
    # 28-30 Sep, 8-9 Oct, Saturday 10 Oct worked (调休), 12-15 Oct: the 1-7 Oct holiday does not count
    assert lead.reassign_until == date(2026, 10, 15)
    assert proposal.reply_due == reply_due  # months, not working days
    assert result[world.district.pk]["deadlines_moved"] == 1
    event = events_for(proposal).get(verb="deadline_recomputed")
    assert event.actor == world.staff
    assert event.data == {"field": "reassign_until", "from": "2026-10-09", "to": "2026-10-15", "assignment": lead.pk}


def test_loading_the_calendar_again_moves_nothing(on_sept_25, world):
    proposal = on_sept_25.assigned()
    holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[world.district.pk])
    again = holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[world.district.pk])
    assert again[world.district.pk]["deadlines_moved"] == 0
    assert events_for(proposal).filter(verb="deadline_recomputed").count() == 1


def test_a_period_entered_by_staff_moves_the_feedback_window_of_a_replied_proposal(on_sept_25, world):
    proposal = on_sept_25.replied()
    assert proposal.state == Proposal.State.REPLIED
    old = proposal.feedback_due
    holidays.holiday_range_add(
        committee_id=world.district.pk, start=date(2026, 9, 28), end=date(2026, 9, 30), name="区庆", actor=world.staff
    )
    proposal.refresh_from_db()
    assert (proposal.feedback_due - old).days >= 3
    assert events_for(proposal).get(verb="deadline_recomputed").data["field"] == "feedback_due"


def test_a_day_removed_in_the_admin_brings_the_window_back_with_an_audit_row(on_sept_25, world, client_for):
    holidays.holiday_range_add(
        committee_id=world.district.pk, start=date(2026, 9, 28), end=date(2026, 9, 28), name="区庆", actor=world.staff
    )
    proposal = on_sept_25.assigned()
    lead = on_sept_25.lead(proposal)
    assert lead.reassign_until == date(2026, 10, 12)
    day = Holiday.objects.get(committee=world.district, date=date(2026, 9, 28))
    client = client_for(world.district_staff)
    response = client.post(reverse("admin:proposals_holiday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.reassign_until == date(2026, 10, 9)
    event = events_for(proposal).get(verb="deadline_recomputed")
    assert event.actor == world.district_staff and event.data["to"] == "2026-10-09"


def test_a_window_closed_before_the_change_stays_closed_and_other_committees_are_untouched(walk, world, time_machine):
    walk.today = date(2026, 3, 2)
    proposal = walk.assigned()
    lead = walk.lead(proposal)
    closed = lead.reassign_until
    time_machine.move_to(datetime(2026, 9, 25, 10, tzinfo=SHANGHAI), tick=False)
    holidays.holiday_range_add(
        committee_id=world.district.pk, start=date(2026, 3, 3), end=date(2026, 3, 6), name="测试", actor=world.staff
    )
    lead.refresh_from_db()
    assert lead.reassign_until == closed
    holidays.holiday_calendar_load(year=2026, actor=world.other_staff, committee_ids=[world.other.pk])
    assert not events_for(proposal).filter(verb="deadline_recomputed").exists()


def test_a_cosigners_deadline_follows_the_calendar_and_the_cosigner_is_told(on_sept_25, world):
    from notifications.models import Kind, Notification
    from proposals import services
    from proposals.models import CoSigner
    from tests import factories as f
    from tests.events import deliver_outboxed_events

    cosigner = f.MemberFactory(committee=world.district, user=f.UserFactory())
    draft = services.proposal_save_draft(
        actor=world.member,
        cosigner_ids=[cosigner.pk],
        today=BEFORE_NATIONAL_DAY,
        data={
            "title": "关于加快老旧小区加装电梯的建议",
            "analysis": "",
            "suggestions": "一、简化审批",
            "category": "urban",
            "kind": "member",
            "during_plenary": True,
        },
    )
    invitation = CoSigner.objects.get(proposal=draft, member=cosigner)
    assert invitation.deadline == date(2026, 9, 30)  # 3 working days, weekends only: no calendar yet
    deliver_outboxed_events()  # the invitation's own notice

    holidays.holiday_range_add(
        committee_id=world.district.pk, start=date(2026, 9, 28), end=date(2026, 9, 29), name="区庆", actor=world.staff
    )

    invitation.refresh_from_db()
    assert invitation.deadline == date(2026, 10, 2)
    row = events_for(draft).get(verb="deadline_recomputed")
    assert row.actor == world.staff and row.data["cosigner"] == invitation.pk
    assert not Notification.objects.filter(kind=Kind.DEADLINE_MOVED).exists()  # after commit, not before
    deliver_outboxed_events()
    [notice] = Notification.objects.filter(kind=Kind.DEADLINE_MOVED)
    assert notice.recipient == cosigner.user and "联名" in notice.title
    assert notice.url == reverse("proposals:detail", args=[draft.pk])


def test_a_moved_return_window_tells_the_units_users(on_sept_25, world):
    from notifications.models import Kind, Notification
    from tests.events import deliver_outboxed_events

    on_sept_25.assigned()
    deliver_outboxed_events()
    holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[world.district.pk])
    deliver_outboxed_events()
    notices = Notification.objects.filter(kind=Kind.DEADLINE_MOVED)
    assert [n.recipient for n in notices] == [world.unit_user]
