"""Plenary attendance 全会出勤 in half-days: the service, the database's own checks, the admin and the import."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from core.exceptions import DomainError
from core.models import AuditEvent
from groups.models import PlenarySession
from groups.services import table_import
from plenary.models import PlenaryAttendance
from plenary.resources import PlenaryAttendanceResource
from plenary.services import (
    plenary_attendance_fill_present,
    plenary_attendance_remove,
    plenary_attendance_set,
)
from tests.groups.factories import PlenarySessionFactory

pytestmark = pytest.mark.django_db


def _audit(row):
    from django.contrib.contenttypes.models import ContentType

    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(PlenaryAttendance), object_id=str(row.pk)
    )


@pytest.fixture
def session(world):
    return PlenarySessionFactory(committee=world.district, number=4)


def _set(world, session, member, present=4, excused=0, absent=0, actor=None, **kw):
    return plenary_attendance_set(
        session_id=session.pk,
        member_id=member.pk,
        present=present,
        excused=excused,
        absent=absent,
        actor=actor or world.district_staff,
        **kw,
    )


def test_recording_and_correcting_leave_an_audit_trail_and_history(world, session):
    row = _set(world, session, world.member_record, present=3, excused=1, leave_reason="出差")
    _set(world, session, world.member_record, present=2, excused=1, absent=1)
    row.refresh_from_db()
    assert (row.present, row.excused, row.absent, row.leave_reason) == (2, 1, 1, "")
    assert row.recorded_by == world.district_staff
    verbs = list(_audit(row).order_by("pk").values_list("verb", "data"))
    assert [v for v, _d in verbs] == ["recorded", "corrected"]
    assert verbs[1][1]["before"] == {"present": 3, "excused": 1, "absent": 0}
    assert verbs[1][1]["after"] == {"present": 2, "excused": 1, "absent": 1}
    assert row.history.count() == 2


def test_an_unchanged_row_is_not_written_again(world, session):
    _set(world, session, world.member_record)
    _set(world, session, world.member_record)
    assert AuditEvent.objects.filter(verb__in=["recorded", "corrected"]).count() == 1


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((3, 1, 1), "半天"),  # 5 half-days of a 4 half-day session
        ((0, 0, 0), "至少"),  # nothing recorded
        ((-1, 2, 0), "负"),  # negative
    ],
)
def test_impossible_counts_are_refused_in_chinese(world, session, counts, message):
    with translation.override("zh-hans"), pytest.raises(DomainError) as exc:
        _set(world, session, world.member_record, *counts)
    assert message in " ".join(exc.value.messages)
    assert not PlenaryAttendance.objects.exists()


def test_only_the_sessions_committee_members_and_staff(world, session):
    with pytest.raises(DomainError):
        _set(world, session, world.outsider_member)
    with pytest.raises(DomainError):
        _set(world, session, world.member_record, actor=world.other_staff)
    with pytest.raises(DomainError):
        _set(world, session, world.member_record, actor=world.convener)
    _set(world, session, world.member_record, actor=world.staff)  # the city's staff administer the district


def test_the_database_refuses_more_half_days_than_the_session_sits(world, session):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlenaryAttendance.objects.create(session=session, member=world.member_record, present=4, absent=1)
    row = PlenaryAttendance.objects.create(session=session, member=world.member_record, present=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlenaryAttendance.objects.filter(pk=row.pk).update(excused=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlenarySession.objects.filter(pk=session.pk).update(half_days=3)  # below what is recorded
    PlenarySession.objects.filter(pk=session.pk).update(half_days=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlenaryAttendance.objects.create(session=session, member=world.convener_member)  # 0/0/0
    with pytest.raises(IntegrityError), transaction.atomic():
        PlenarySession.objects.filter(pk=session.pk).update(half_days=0)


def test_a_session_cannot_shrink_below_recorded_attendance_nor_its_days(world, session):
    _set(world, session, world.member_record, present=4)
    session.half_days = 3
    with pytest.raises(ValidationError) as exc:
        session.full_clean()
    assert "half_days" in exc.value.message_dict
    session.half_days = 7  # 3 days: at most 6 half-days
    with pytest.raises(ValidationError):
        session.full_clean()


def test_removal_is_audited(world, session):
    row = _set(world, session, world.member_record)
    plenary_attendance_remove(attendance_id=row.pk, actor=world.district_staff)
    assert not PlenaryAttendance.objects.exists()
    assert _audit(row).filter(verb="removed").exists()


# --- admin ------------------------------------------------------------------------------------------


def _inline_post(session, rows, existing=()):
    data = {
        "term": session.term_id,
        "number": session.number,
        "year": session.year,
        "start_date": "2026-01-10",
        "end_date": "2026-01-12",
        "half_days": session.half_days,
        "attendances-TOTAL_FORMS": len(existing) + len(rows),
        "attendances-INITIAL_FORMS": len(existing),
        "attendances-MIN_NUM_FORMS": 0,
        "attendances-MAX_NUM_FORMS": 1000,
    }
    for i, (pk, member, present, excused, absent) in enumerate([*existing, *rows]):
        data.update(
            {
                f"attendances-{i}-id": pk or "",
                f"attendances-{i}-session": session.pk,
                f"attendances-{i}-member": member.pk,
                f"attendances-{i}-present": present,
                f"attendances-{i}-excused": excused,
                f"attendances-{i}-absent": absent,
                f"attendances-{i}-leave_reason": "",
            }
        )
    return data


def test_staff_record_attendance_on_the_session_page_through_the_service(
    world, session, client_for, django_assert_max_num_queries
):
    client = client_for(world.district_staff)
    url = reverse("admin:groups_plenarysession_change", args=[session.pk])
    response = client.post(
        url, _inline_post(session, [(None, world.member_record, 3, 1, 0), (None, world.convener_member, 0, 0, 4)])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PlenaryAttendance.objects.count() == 2
    assert AuditEvent.objects.filter(verb="recorded").count() == 2
    row = PlenaryAttendance.objects.get(member=world.member_record)
    client.post(
        url,
        _inline_post(
            session,
            [],
            existing=[
                (row.pk, world.member_record, 2, 2, 0),
                (PlenaryAttendance.objects.get(member=world.convener_member).pk, world.convener_member, 0, 0, 4),
            ],
        ),
    )
    row.refresh_from_db()
    assert (row.present, row.excused) == (2, 2)
    assert AuditEvent.objects.filter(verb="corrected").count() == 1
    with django_assert_max_num_queries(40):
        page = client.get(url)
    assert page.status_code == 200 and world.member_record.name in page.content.decode()


def test_the_inline_refuses_more_half_days_than_the_session(world, session, client_for):
    client = client_for(world.district_staff)
    url = reverse("admin:groups_plenarysession_change", args=[session.pk])
    response = client.post(
        url, _inline_post(session, [(None, world.member_record, 4, 1, 0)]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert not PlenaryAttendance.objects.exists()
    assert response.status_code in (200, 302)


def test_another_committees_staff_cannot_open_the_session(world, session, client_for):
    response = client_for(world.other_staff).get(reverse("admin:groups_plenarysession_change", args=[session.pk]))
    assert response.status_code == 302  # "does not exist" redirect


# --- import -----------------------------------------------------------------------------------------

HEADER = ["政协组织", "届次", "会次", "姓名", "手机", "出席半天数", "请假半天数", "缺席半天数", "请假原因"]


def _xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(world, rows, actor=None):
    with translation.override("zh-hans"):
        return table_import(
            resource_class=PlenaryAttendanceResource,
            data=_xlsx(rows),
            file_format="xlsx",
            actor=actor or world.district_staff,
        )


def test_a_good_file_records_and_corrects_attendance(world, session):
    _set(world, session, world.convener_member, present=4)
    term = session.term.number
    report = _import(
        world,
        [
            ["东湖区政协", term, 4, world.member_record.name, "", 3, 1, 0, "出差"],
            ["东湖区政协", term, 4, world.convener_member.name, "", 2, 0, 2, ""],
        ],
    )
    assert report.ok, [str(e) for e in report.errors]
    assert PlenaryAttendance.objects.get(member=world.member_record).leave_reason == "出差"
    assert PlenaryAttendance.objects.get(member=world.convener_member).absent == 2
    assert AuditEvent.objects.filter(verb="corrected").count() == 1


def test_a_bad_file_is_refused_whole_with_rows_and_columns_in_chinese(world, session):
    term = session.term.number
    me, convener = world.member_record, world.convener_member
    rows = [
        ["东湖区政协", term, 4, me.name, "", 4, 0, 0, ""],  # row 2: fine
        ["东湖区政协", term, 9, convener.name, "", 4, 0, 0, ""],  # row 3: no session 9
        ["东湖区政协", term, 4, "查无此人", "", 4, 0, 0, ""],  # row 4: unknown member
        ["东湖区政协", term, 4, convener.name, "", "三", 0, 0, ""],  # row 5: not a number
        ["东湖区政协", term, 4, convener.name, "", 4, 1, 0, ""],  # row 6: 5 of 4 half-days
        ["东湖区政协", term, 4, me.name, "", 3, 1, 0, ""],  # row 7: twice in the file
    ]
    report = _import(world, rows)
    assert not report.ok and not PlenaryAttendance.objects.exists()
    by_row = {}
    for e in report.errors:
        by_row.setdefault(e.row, []).append(e)
    assert set(by_row) == {3, 4, 5, 6, 7}, [str(e) for e in report.errors]
    assert by_row[3][0].column == "会次"
    assert by_row[4][0].column == "姓名"
    assert by_row[5][0].column == "出席半天数"
    assert "半天" in by_row[6][0].message
    assert "两次" in by_row[7][0].message


def test_staff_cannot_import_into_another_committee(world, session):
    report = _import(
        world,
        [["东湖区政协", session.term.number, 4, world.member_record.name, "", 4, 0, 0, ""]],
        actor=world.other_staff,
    )
    assert not report.ok and "政协组织" in {e.column for e in report.errors}
    assert not PlenaryAttendance.objects.exists()


def test_the_admin_import_page_rolls_back_a_bad_file(world, session, client_for):
    upload = io.BytesIO(
        _xlsx(
            [
                ["东湖区政协", session.term.number, 4, world.member_record.name, "", 4, 0, 0, ""],
                ["东湖区政协", session.term.number, 4, "查无此人", "", 4, 0, 0, ""],
            ]
        )
    )
    upload.name = "plenary.xlsx"
    response = client_for(world.district_staff).post(
        reverse("admin:plenary_plenaryattendance_import"),
        {"import_file": upload, "format": "1", "resource": "0"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert not PlenaryAttendance.objects.exists()
    assert "姓名" in response.content.decode()


def test_export_round_trips_without_phone_numbers(world, session):
    _set(world, session, world.member_record, present=3, excused=1)
    with translation.override("zh-hans"):
        dataset = PlenaryAttendanceResource(user=world.district_staff).export()
    assert dataset.headers == HEADER
    assert list(dataset[0])[:4] == ["东湖区政协", str(session.term.number), "4", world.member_record.name]
    assert dataset[0][4] == ""


def test_staff_fill_in_everyone_present_then_correct_the_few(world, session, client_for):
    from assessments.models import RollupRun

    q1 = RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.DONE)
    _set(world, session, world.member_record, present=2, excused=2)
    client_for(world.district_staff).post(
        reverse("admin:groups_plenarysession_changelist"), {"action": "fill_present", "_selected_action": [session.pk]}
    )
    in_office = world.district.members.filter(status="active").count()
    assert PlenaryAttendance.objects.filter(session=session).count() == in_office
    assert PlenaryAttendance.objects.get(member=world.member_record).excused == 2  # kept, not overwritten
    assert PlenaryAttendance.objects.get(member=world.convener_member).present == session.half_days
    assert PlenaryAttendance.history.filter(member_id=world.convener_member.pk).exists()
    assert AuditEvent.objects.filter(verb="attendance_filled").count() == 1
    assert RollupRun.objects.get(pk=q1.pk).is_stale
    with pytest.raises(DomainError):
        plenary_attendance_fill_present(session_id=session.pk, actor=world.other_staff)


def test_the_session_page_runs_a_fixed_number_of_queries_whatever_the_attendance(world, session, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from groups.models import Member

    client = client_for(world.district_staff)
    url = reverse("admin:groups_plenarysession_change", args=[session.pk])
    m = world.member_record

    def queries(n):
        members = Member.objects.bulk_create(
            [
                Member(committee=m.committee, term=m.term, sector=m.sector, name=f"委员{n}-{i}", party=m.party)
                for i in range(n)
            ]
        )
        for member in members:
            _set(world, session, member)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries(2)
    assert queries(10) <= few
