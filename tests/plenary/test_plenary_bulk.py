"""Plenary attendance written set-based: a 1,000-member sign-in tally in a fixed number of queries.

The service checks every row before writing any; the spreadsheet import, its admin page and the
session page's inline all go through it, and their query counts do not grow with the rows.
"""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from assessments.models import RollupRun
from core.exceptions import DomainError
from core.models import AuditEvent
from groups.models import Member, PlenarySession
from groups.services import table_import
from plenary.models import PlenaryAttendance
from plenary.resources import PlenaryAttendanceResource
from plenary.services import (
    AttendanceRow,
    AttendanceRowsRefused,
    plenary_attendance_import,
    plenary_attendance_set,
)
from tests.groups.factories import PlenarySessionFactory
from tests.plenary.test_plenary import _inline_post, _xlsx

pytestmark = pytest.mark.django_db

# The most queries each path may run, whatever the number of rows (measured: see the tests below).
SERVICE_QUERIES = 13
TABLE_IMPORT_QUERIES = 28
ADMIN_UPLOAD_QUERIES = 35
INLINE_QUERIES = 55


@pytest.fixture
def session(world):
    return PlenarySessionFactory(committee=world.district, number=4)


@pytest.fixture
def q1_run(world):
    return RollupRun.objects.create(committee=world.district, year=2026, quarter=1, status=RollupRun.Status.DONE)


def _members(world, n, prefix="委员"):
    m = world.member_record
    return Member.objects.bulk_create(
        [
            Member(committee=m.committee, term=m.term, sector=m.sector, name=f"{prefix}{i:04d}", party=m.party)
            for i in range(n)
        ]
    )


def _row(member, present=4, excused=0, absent=0, reason=""):
    return AttendanceRow(member_id=member.pk, present=present, excused=excused, absent=absent, leave_reason=reason)


def _audit(verb):
    return AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(PlenaryAttendance), verb=verb)


# --- the service -------------------------------------------------------------------------------------


def test_import_records_new_rows_corrects_changed_ones_and_skips_unchanged_ones(world, session, q1_run):
    new, changed, same = _members(world, 3)
    for member in (changed, same):
        plenary_attendance_set(
            session_id=session.pk, member_id=member.pk, present=4, excused=0, absent=0, actor=world.district_staff
        )
    RollupRun.objects.filter(pk=q1_run.pk).update(is_stale=False)
    audit_before = AuditEvent.objects.count()

    outcome = plenary_attendance_import(
        session_id=session.pk,
        actor=world.district_staff,
        rows=[_row(new, 3, 1, 0, " 出差 "), _row(changed, 2, 1, 1), _row(same, 4)],
    )

    assert (outcome.recorded, outcome.corrected, outcome.unchanged) == (1, 1, 1)
    row = PlenaryAttendance.objects.get(member=new)
    assert (row.present, row.excused, row.leave_reason, row.recorded_by) == (3, 1, "出差", world.district_staff)
    assert PlenaryAttendance.objects.get(member=changed).absent == 1
    assert AuditEvent.objects.count() == audit_before + 2  # nothing for the unchanged row
    recorded = _audit("recorded").get(object_id=str(row.pk))
    assert recorded.actor == world.district_staff and recorded.object_repr.endswith(new.name)
    assert recorded.data == {
        "session": session.pk,
        "member": new.pk,
        "before": None,
        "after": {"present": 3, "excused": 1, "absent": 0},
    }
    corrected = _audit("corrected").get(data__member=changed.pk)
    assert corrected.data["before"] == {"present": 4, "excused": 0, "absent": 0}
    assert corrected.data["after"] == {"present": 2, "excused": 1, "absent": 1}
    history = {
        m.pk: list(
            PlenaryAttendance.history.filter(member_id=m.pk)
            .order_by("history_id")
            .values_list("history_type", "present", "history_user_id")
        )
        for m in (new, changed, same)
    }
    assert history[new.pk] == [("+", 3, world.district_staff.pk)]
    assert history[changed.pk] == [("+", 4, world.district_staff.pk), ("~", 2, world.district_staff.pk)]
    assert history[same.pk] == [("+", 4, world.district_staff.pk)]
    assert RollupRun.objects.get(pk=q1_run.pk).is_stale


def test_one_bad_row_refuses_the_whole_batch_naming_each_bad_row_in_chinese(world, session, q1_run):
    good, twice, recorded = _members(world, 3)
    plenary_attendance_set(
        session_id=session.pk, member_id=recorded.pk, present=4, excused=0, absent=0, actor=world.district_staff
    )
    RollupRun.objects.filter(pk=q1_run.pk).update(is_stale=False)
    audit_before, history_before = AuditEvent.objects.count(), PlenaryAttendance.history.count()
    rows = [
        _row(good),
        _row(world.outsider_member),
        _row(twice, 3, 1, 1),
        _row(twice),
        _row(recorded, 0, 0, 0),
        _row(recorded, 2, 2),
    ]

    with translation.override("zh-hans"), pytest.raises(AttendanceRowsRefused) as exc:
        plenary_attendance_import(session_id=session.pk, actor=world.district_staff, rows=rows)

    assert set(exc.value.rows) == {1, 2, 3, 4, 5}
    assert "不属于" in exc.value.rows[1]["member"][0]
    assert "半天" in exc.value.rows[2]["__all__"][0]  # 5 of 4 half-days
    assert "两次" in exc.value.rows[3]["member"][0]  # the same member again
    assert "至少" in exc.value.rows[4]["__all__"][0]  # nothing recorded
    assert exc.value.messages[0].startswith("第 2 行：")  # the flat messages name the row too
    assert list(PlenaryAttendance.objects.values_list("member_id", "present")) == [(recorded.pk, 4)]
    assert AuditEvent.objects.count() == audit_before
    assert PlenaryAttendance.history.count() == history_before
    assert not RollupRun.objects.get(pk=q1_run.pk).is_stale


def test_an_import_that_changes_nothing_writes_nothing(world, session, q1_run):
    members = _members(world, 3)
    plenary_attendance_import(session_id=session.pk, actor=world.district_staff, rows=[_row(m) for m in members])
    RollupRun.objects.filter(pk=q1_run.pk).update(is_stale=False)
    audit_before, history_before = AuditEvent.objects.count(), PlenaryAttendance.history.count()

    outcome = plenary_attendance_import(
        session_id=session.pk, actor=world.district_staff, rows=[_row(m) for m in members]
    )

    assert (outcome.recorded, outcome.corrected, outcome.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == audit_before and PlenaryAttendance.history.count() == history_before
    assert not RollupRun.objects.get(pk=q1_run.pk).is_stale


def test_only_the_sessions_committee_staff_may_import(world, session):
    for who in (world.other_staff, world.convener):
        with pytest.raises(DomainError):
            plenary_attendance_import(session_id=session.pk, actor=who, rows=[_row(world.member_record)])
    assert not PlenaryAttendance.objects.exists()


@pytest.mark.parametrize("n", [5, 200])
def test_the_service_runs_a_fixed_number_of_queries_whatever_the_rows(
    world, session, n, django_assert_max_num_queries, one_statement_per_bulk_write
):
    members = _members(world, 2 * n)
    plenary_attendance_import(session_id=session.pk, actor=world.district_staff, rows=[_row(m) for m in members[:n]])
    rows = [_row(m, 3, 1) for m in members]  # n corrected, n recorded
    with django_assert_max_num_queries(SERVICE_QUERIES):
        outcome = plenary_attendance_import(session_id=session.pk, actor=world.district_staff, rows=rows)
    assert (outcome.recorded, outcome.corrected) == (n, n)
    assert _audit("recorded").count() == 2 * n and _audit("corrected").count() == n
    assert PlenaryAttendance.history.filter(history_type="~").count() == n


# --- the spreadsheet import --------------------------------------------------------------------------


def _sheet(session, members, present=4, excused=0):
    return [["东湖区政协", session.term.number, session.number, m.name, "", present, excused, 0, ""] for m in members]


@pytest.mark.parametrize("n", [5, 200])
def test_the_spreadsheet_import_runs_a_fixed_number_of_queries(
    world, session, n, django_assert_max_num_queries, one_statement_per_bulk_write
):
    members = _members(world, 2 * n)
    plenary_attendance_import(session_id=session.pk, actor=world.district_staff, rows=[_row(m) for m in members[:n]])
    data = _xlsx(_sheet(session, members, 3, 1))
    with translation.override("zh-hans"), django_assert_max_num_queries(TABLE_IMPORT_QUERIES):
        report = table_import(
            resource_class=PlenaryAttendanceResource, data=data, file_format="xlsx", actor=world.district_staff
        )
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == n
    assert PlenaryAttendance.objects.filter(session=session, present=3, excused=1).count() == 2 * n
    assert _audit("corrected").count() == n


def test_a_spreadsheet_with_one_bad_row_writes_nothing(world, session, q1_run):
    members = _members(world, 4)
    rows = _sheet(session, members)
    rows[2][5] = 5  # 5 of 4 half-days
    audit_before = AuditEvent.objects.count()
    with translation.override("zh-hans"):
        report = table_import(
            resource_class=PlenaryAttendanceResource, data=_xlsx(rows), file_format="xlsx", actor=world.district_staff
        )
    assert [(e.row, e.column) for e in report.errors] == [(4, "")]
    assert "半天" in report.errors[0].message
    assert not PlenaryAttendance.objects.exists() and AuditEvent.objects.count() == audit_before
    assert not RollupRun.objects.get(pk=q1_run.pk).is_stale
    rows[2][5] = 4
    with translation.override("zh-hans"):
        report = table_import(
            resource_class=PlenaryAttendanceResource, data=_xlsx(rows), file_format="xlsx", actor=world.district_staff
        )
    assert report.ok and PlenaryAttendance.objects.count() == 4 and _audit("recorded").count() == 4
    assert RollupRun.objects.get(pk=q1_run.pk).is_stale


def test_two_sessions_in_one_file_are_both_written(world, session):
    other = PlenarySessionFactory(committee=world.district, number=5, half_days=2)
    members = _members(world, 2)
    rows = _sheet(session, members) + [["东湖区政协", other.term.number, 5, members[0].name, "", 2, 0, 0, ""]]
    report = table_import(
        resource_class=PlenaryAttendanceResource, data=_xlsx(rows), file_format="xlsx", actor=world.district_staff
    )
    assert report.ok, [str(e) for e in report.errors]
    assert PlenaryAttendance.objects.filter(session=session).count() == 2
    assert PlenaryAttendance.objects.get(session=other).present == 2


@pytest.mark.parametrize("n", [5, 200])
def test_the_admin_import_pages_run_a_fixed_number_of_queries(
    world, session, client_for, n, django_assert_max_num_queries, one_statement_per_bulk_write
):
    members = _members(world, n)
    client = client_for(world.district_staff)
    upload = io.BytesIO(_xlsx(_sheet(session, members)))
    upload.name = "plenary.xlsx"
    with django_assert_max_num_queries(ADMIN_UPLOAD_QUERIES):  # one page: checked, then every row or none
        done = client.post(
            reverse("admin:plenary_plenaryattendance_import"), {"import_file": upload}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert done.status_code == 302
    assert PlenaryAttendance.objects.filter(session=session).count() == n
    assert _audit("recorded").count() == n


# --- the session page's inline -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 200])
def test_the_session_page_saves_its_rows_in_a_fixed_number_of_queries(
    world, session, client_for, n, django_assert_max_num_queries, one_statement_per_bulk_write
):
    members = _members(world, 2 * n)
    client = client_for(world.district_staff)
    url = reverse("admin:groups_plenarysession_change", args=[session.pk])
    with django_assert_max_num_queries(INLINE_QUERIES):
        response = client.post(url, _inline_post(session, [(None, m, 4, 0, 0) for m in members[:n]]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _audit("recorded").count() == n
    existing = [(r.pk, r.member, 3, 1, 0) for r in PlenaryAttendance.objects.select_related("member").order_by("pk")]
    with django_assert_max_num_queries(INLINE_QUERIES):
        response = client.post(url, _inline_post(session, [(None, m, 0, 0, 4) for m in members[n:]], existing=existing))
    assert response.status_code == 302
    assert PlenaryAttendance.objects.filter(session=session, excused=1).count() == n
    assert PlenaryAttendance.objects.filter(session=session, absent=4).count() == n
    assert _audit("corrected").count() == n and _audit("recorded").count() == 2 * n


def test_the_session_page_refuses_an_empty_row_without_saving_the_others(world, session, client_for):
    good, empty = _members(world, 2)
    client = client_for(world.district_staff)
    response = client.post(
        reverse("admin:groups_plenarysession_change", args=[session.pk]),
        _inline_post(session, [(None, good, 4, 0, 0), (None, empty, 0, 0, 0)]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "至少" in response.content.decode()
    assert not PlenaryAttendance.objects.exists()


def test_the_session_page_shows_a_member_listed_twice_as_a_form_error_and_saves_nothing(world, session, client_for):
    """The service's row checks run in the formset: a refusal is a form error before anything is written,
    the session's own changes included."""
    (twice,) = _members(world, 1)
    data = _inline_post(session, [(None, twice, 4, 0, 0), (None, twice, 2, 2, 0)])
    data["half_days"] = 6
    response = client_for(world.district_staff).post(
        reverse("admin:groups_plenarysession_change", args=[session.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert [f.errors.get("member") for f in formset.forms] == [None, ["该委员出现了两次。"]]
    assert not PlenaryAttendance.objects.exists()
    session.refresh_from_db()
    assert session.half_days == 4


def test_the_session_page_reports_a_refused_batch_and_saves_none_of_it(world, session, client_for, monkeypatch):
    """A refusal the form could not see (here: the service's, forced, as a write racing the page's would be)
    writes no row and removes none."""
    from plenary import services as plenary

    good, bad = _members(world, 2)

    def refuse(**kwargs):
        raise AttendanceRowsRefused({1: {"__all__": ["会期已变更。"]}})

    monkeypatch.setattr(plenary, "plenary_attendance_import", refuse)
    client = client_for(world.district_staff)
    response = client.post(
        reverse("admin:groups_plenarysession_change", args=[session.pk]),
        _inline_post(session, [(None, good, 4, 0, 0), (None, bad, 4, 0, 0)]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("会期已变更" in m and "未保存" in m for m in shown), shown
    assert not PlenaryAttendance.objects.exists()


# --- removing rows and sessions ------------------------------------------------------------------------


def test_rows_removed_from_the_list_together_leave_an_audit_row_each_and_stale_quarters_once(
    world, session, q1_run, client_for, django_assert_max_num_queries
):
    members = _members(world, 30)
    plenary_attendance_import(session_id=session.pk, rows=[_row(m) for m in members], actor=world.district_staff)
    RollupRun.objects.filter(pk=q1_run.pk).update(is_stale=False)
    ids = list(PlenaryAttendance.objects.values_list("pk", flat=True))
    client = client_for(world.district_staff)
    # the admin's bulk delete, confirmed: the history rows are django-simple-history's, one per row
    with django_assert_max_num_queries(INLINE_QUERIES + len(ids)):
        response = client.post(
            reverse("admin:plenary_plenaryattendance_changelist"),
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )
    assert response.status_code == 302
    assert not PlenaryAttendance.objects.exists()
    assert _audit("removed").count() == 30
    assert RollupRun.objects.get(pk=q1_run.pk).is_stale


def test_another_committees_staff_cannot_remove_rows(world, session):
    from plenary.services import plenary_attendance_remove_many

    (member,) = _members(world, 1)
    plenary_attendance_import(session_id=session.pk, rows=[_row(member)], actor=world.district_staff)
    with pytest.raises(DomainError):
        plenary_attendance_remove_many(
            attendance_ids=PlenaryAttendance.objects.values_list("pk", flat=True), actor=world.other_staff
        )
    assert PlenaryAttendance.objects.count() == 1


def test_a_session_moved_or_deleted_makes_both_quarters_stale_with_an_audit_row(world, session, q1_run, client_for):
    from datetime import date

    (member,) = _members(world, 1)
    plenary_attendance_import(session_id=session.pk, rows=[_row(member)], actor=world.district_staff)
    q2_run = RollupRun.objects.create(committee=world.district, year=2026, quarter=2, status=RollupRun.Status.DONE)
    RollupRun.objects.update(is_stale=False)
    client = client_for(world.district_staff)
    url = reverse("admin:groups_plenarysession_change", args=[session.pk])
    data = _inline_post(session, [], existing=[(a.pk, member, 4, 0, 0) for a in PlenaryAttendance.objects.all()])
    data.update(start_date="2026-04-10", end_date="2026-04-12")
    assert client.post(url, data).status_code == 302
    assert RollupRun.objects.get(pk=q1_run.pk).is_stale and RollupRun.objects.get(pk=q2_run.pk).is_stale
    session.refresh_from_db()
    assert session.start_date == date(2026, 4, 10)
    RollupRun.objects.update(is_stale=False)
    response = client.post(reverse("admin:groups_plenarysession_delete", args=[session.pk]), {"post": "yes"})
    assert response.status_code == 302 and not PlenaryAttendance.objects.exists()
    assert RollupRun.objects.get(pk=q2_run.pk).is_stale and not RollupRun.objects.get(pk=q1_run.pk).is_stale
    assert AuditEvent.objects.filter(verb="deleted", object_id=str(session.pk)).exists()


def test_the_terms_page_lists_its_sessions_without_editing_them(world, session, client_for):
    page = client_for(world.district_staff).get(reverse("admin:groups_term_change", args=[session.term_id]))
    formset = page.context["inline_admin_formsets"][0]
    assert formset.formset.model is PlenarySession and not formset.has_add_permission
    assert not formset.formset.can_delete and "start_date" not in formset.formset.forms[0].fields
