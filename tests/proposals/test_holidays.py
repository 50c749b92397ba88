"""The holiday calendar: the official national calendar loaded from chinese-calendar, periods entered in one
form, and a warning where staff set deadlines in a year with no calendar loaded."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.services import events_for
from proposals import holidays
from proposals.deadlines import add_working_days
from proposals.models import Holiday

pytestmark = pytest.mark.django_db


def official_rows(committee):
    return Holiday.objects.filter(committee=committee, source=Holiday.Source.OFFICIAL)


def test_the_installed_national_calendar_knows_2026():
    assert 2026 in holidays.official_years()
    days = holidays.official_days(2026)
    assert days[date(2026, 10, 1)] == (Holiday.Kind.HOLIDAY, "国庆节")
    assert days[date(2026, 2, 17)] == (Holiday.Kind.HOLIDAY, "春节")
    assert days[date(2026, 2, 28)] == (Holiday.Kind.WORKDAY, "春节")  # a Saturday worked (调休上班)
    assert date(2026, 2, 28).weekday() == 5


def test_loading_the_national_calendar_adds_holidays_and_working_saturdays_with_an_audit_row(world):
    result = holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[world.district.pk])
    counts = result[world.district.pk]
    rows = official_rows(world.district)
    assert counts["created"] == rows.count() == counts["holidays"] + counts["workdays"]
    assert rows.filter(kind=Holiday.Kind.WORKDAY, date=date(2026, 9, 20)).exists()  # Sunday before National Day
    assert not Holiday.objects.filter(committee=world.city).exists()
    event = events_for(world.district).get(verb="holiday_calendar_loaded")
    assert event.actor == world.staff and event.data["year"] == 2026
    # Working days now follow the national calendar: 30 September + 1 working day skips the Golden Week.
    assert add_working_days(world.district.pk, date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(world.district.pk, date(2026, 9, 18), 1) == date(2026, 9, 20)  # the worked Sunday


def test_loading_again_changes_nothing_and_keeps_local_days(world):
    c = world.district
    Holiday.objects.create(
        committee=c, date=date(2026, 10, 1), kind=Holiday.Kind.WORKDAY, name="值班", source=Holiday.Source.LOCAL
    )
    Holiday.objects.create(committee=c, date=date(2026, 3, 3), name="已撤销的旧假日", source=Holiday.Source.OFFICIAL)
    first = holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[c.pk])[c.pk]
    assert first["kept_local"] == 1 and first["removed"] == 1
    before = sorted(Holiday.objects.filter(committee=c).values_list("date", "kind", "name", "source"))
    again = holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[c.pk])[c.pk]
    assert (again["created"], again["updated"], again["removed"]) == (0, 0, 0)
    assert sorted(Holiday.objects.filter(committee=c).values_list("date", "kind", "name", "source")) == before
    assert Holiday.objects.get(committee=c, date=date(2026, 10, 1)).name == "值班"  # the local day wins
    assert events_for(c).filter(verb="holiday_calendar_loaded").count() == 2


def test_loading_for_all_committees_covers_every_committee_the_staff_administer_and_no_other(world):
    result = holidays.holiday_calendar_load(year=2026, actor=world.staff)
    assert set(result) == {world.city.pk, world.district.pk}
    assert official_rows(world.city).exists() and official_rows(world.district).exists()
    assert not official_rows(world.other).exists()


def test_only_the_committees_staff_may_load_or_add_and_unknown_years_are_refused(world):
    with pytest.raises(ValidationError):
        holidays.holiday_calendar_load(year=2026, actor=world.other_staff, committee_ids=[world.district.pk])
    with pytest.raises(ValidationError):
        holidays.holiday_range_add(
            committee_id=world.district.pk, start=date(2026, 7, 1), end=date(2026, 7, 2), name="x", actor=world.member
        )
    with pytest.raises(ValidationError) as exc:
        holidays.holiday_calendar_load(year=max(holidays.official_years()) + 1, actor=world.staff)
    assert "year" in exc.value.message_dict
    assert not Holiday.objects.exists() and not AuditEvent.objects.filter(verb__startswith="holiday").exists()


def test_a_period_entered_in_one_form_makes_one_row_per_day_with_an_audit_row(world):
    rows = holidays.holiday_range_add(
        committee_id=world.district.pk,
        start=date(2026, 7, 13),
        end=date(2026, 7, 19),
        name="防汛轮休",
        actor=world.staff,
    )
    assert [r.date for r in rows] == [date(2026, 7, d) for d in range(13, 20)]
    assert all(r.source == Holiday.Source.LOCAL and r.kind == Holiday.Kind.HOLIDAY for r in rows)
    assert events_for(world.district).get(verb="holidays_added").data["days"] == 7
    with pytest.raises(ValidationError):
        holidays.holiday_range_add(
            committee_id=world.district.pk,
            start=date(2026, 7, 19),
            end=date(2026, 7, 13),
            name="倒序",
            actor=world.staff,
        )
    with pytest.raises(ValidationError):
        holidays.holiday_range_add(
            committee_id=world.district.pk,
            start=date(2026, 1, 1),
            end=date(2026, 6, 30),
            name="太长",
            actor=world.staff,
        )


def test_the_admin_loads_the_calendar_and_adds_a_period_through_the_services(world, client_for):
    client = client_for(world.staff)
    changelist = client.get(reverse("admin:proposals_holiday_changelist")).content.decode()
    assert reverse("admin:proposals_holiday_load_official") in changelist
    assert reverse("admin:proposals_holiday_add_range") in changelist
    page = client.get(reverse("admin:proposals_holiday_load_official"))
    assert page.status_code == 200 and world.other.name not in page.content.decode()
    response = client.post(
        reverse("admin:proposals_holiday_load_official"), {"year": 2026, "committee": world.district.pk}
    )
    assert response.status_code == 302
    assert official_rows(world.district).exists() and not official_rows(world.city).exists()
    response = client.post(
        reverse("admin:proposals_holiday_add_range"),
        {
            "committee": world.district.pk,
            "start": "2026-08-03",
            "end": "2026-08-05",
            "kind": Holiday.Kind.HOLIDAY,
            "name": "高温停工",
        },
    )
    assert response.status_code == 302
    assert Holiday.objects.filter(committee=world.district, name="高温停工").count() == 3
    refused = client.post(
        reverse("admin:proposals_holiday_add_range"),
        {
            "committee": world.other.pk,
            "start": "2026-08-03",
            "end": "2026-08-05",
            "kind": Holiday.Kind.HOLIDAY,
            "name": "越权",
        },
    )
    assert refused.status_code == 200 and not Holiday.objects.filter(name="越权").exists()


def test_years_without_calendar_names_the_years_with_no_national_calendar_loaded(world):
    c = world.district.pk
    assert holidays.years_without_calendar(c, [date(2026, 5, 1), date(2027, 1, 5)]) == [2026, 2027]
    holidays.holiday_calendar_load(year=2026, actor=world.staff, committee_ids=[c])
    assert holidays.years_without_calendar(c, [date(2026, 5, 1), date(2027, 1, 5)]) == [2027]
    Holiday.objects.create(committee_id=c, date=date(2027, 1, 1), name="本地补录")  # a local day is not a calendar
    assert holidays.years_without_calendar(c, [date(2027, 1, 5)]) == [2027]


def test_the_assignment_form_warns_when_a_deadline_year_has_no_calendar(world, client_for, walk):
    p = walk.filed()
    client = client_for(world.staff)
    url = reverse("proposals:detail", args=[p.pk])
    today = timezone.localdate()
    page = client.get(url).content.decode()
    assert 'data-testid="calendar-warning"' in page and f"未加载{today.year}" in page.replace("年", "")
    for year in range(
        today.year, today.year + 2
    ):  # loaded (as the package would) for every year a deadline may fall in
        Holiday.objects.create(committee=world.district, date=date(year, 1, 1), source=Holiday.Source.OFFICIAL)
    assert 'data-testid="calendar-warning"' not in client.get(url).content.decode()


def test_assigning_a_deadline_in_a_year_without_calendar_leaves_a_warning(world, client_for, walk):
    p = walk.filed()
    client = client_for(world.staff)
    response = client.post(reverse("proposals:act", args=[p.pk, "assign"]), {"lead_unit": world.unit.pk}, follow=True)
    p.refresh_from_db()
    assert p.state == "assigned"
    assert "节假日" in "".join(str(m) for m in response.context["messages"])


def test_the_calendar_page_names_committees_without_a_national_calendar_for_this_or_next_year(world, client_for):
    year = timezone.localdate().year
    for y in (year, year + 1):
        Holiday.objects.create(committee=world.city, date=date(y, 1, 1), source=Holiday.Source.OFFICIAL)
    page = client_for(world.staff).get(reverse("admin:proposals_holiday_changelist")).content.decode()
    assert f"{world.district.name}：尚未加载{year}、{year + 1}年" in page
    assert f"{world.city.name}：尚未加载" not in page and world.other.name not in page


def test_the_admins_add_and_change_form_saves_through_the_service_with_an_audit_record(world, client_for):
    client = client_for(world.district_staff)
    added = client.post(
        reverse("admin:proposals_holiday_add"),
        {"committee": world.district.pk, "date": "2026-10-09", "kind": "holiday", "name": "区庆"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    day = Holiday.objects.get(committee=world.district, date=date(2026, 10, 9))
    assert day.source == Holiday.Source.LOCAL
    official = Holiday.objects.create(
        committee=world.district, date=date(2026, 10, 8), kind="holiday", name="国庆节", source=Holiday.Source.OFFICIAL
    )
    changed = client.post(
        reverse("admin:proposals_holiday_change", args=[official.pk]),
        {"committee": world.district.pk, "date": "2026-10-08", "kind": "workday", "name": "调休"},
    )
    assert changed.status_code == 302
    official.refresh_from_db()
    assert official.kind == "workday" and official.source == Holiday.Source.LOCAL  # kept on a reload now
    deleted = client.post(reverse("admin:proposals_holiday_delete", args=[day.pk]), {"post": "yes"})
    assert deleted.status_code == 302 and not Holiday.objects.filter(pk=day.pk).exists()
    verbs = list(
        AuditEvent.objects.filter(content_type__model="holiday", actor=world.district_staff)
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["created", "updated", "deleted"]


def test_the_holiday_service_refuses_another_committees_staff(world):
    from core.exceptions import DomainError
    from proposals.holidays import holiday_delete, holiday_save

    day = Holiday(committee=world.district, date=date(2026, 10, 9), kind="holiday", name="区庆")
    with pytest.raises(DomainError):
        holiday_save(holiday=day, actor=world.other_staff)
    day = holiday_save(holiday=day, actor=world.district_staff)
    moved = Holiday.objects.get(pk=day.pk)
    moved.committee = world.other
    with pytest.raises(DomainError):  # staff of the new committee, but not of the one it had
        holiday_save(holiday=moved, actor=world.other_staff)
    with pytest.raises(DomainError):
        holiday_delete(holiday_id=day.pk, actor=world.other_staff)
    assert Holiday.objects.get(pk=day.pk).committee == world.district
