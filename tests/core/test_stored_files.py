"""A row whose file is gone from storage answers 404 (and logs the path), never 500: ``core.files``.

Every view that streams a stored file goes through ``core.files.stored_response``: no other module builds a
``FileResponse`` or opens a stored file in a view, and every URL whose view uses the helper has a case below
(a row with its file, then the file deleted from storage)."""

import datetime
import inspect
import logging
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.groups.factories import pdf_upload, photo_upload, png_bytes

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PDF_BYTES = b"%PDF-1.4\n%%EOF\n"


def _evidence(world):
    from activities.services.activities import evidence_upload
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    return world.convener, evidence_upload(activity_id=activity.pk, actor=world.convener, upload=photo_upload())


def _contact(world):
    from activities.services.contacts import contact_record

    contact = contact_record(
        actor=world.member,
        member_id=world.member_record.pk,
        contacted_on=timezone.localdate(),
        place="东湖社区",
        whom_kind="household",
        whom="独居老人户",
        topic="livelihood",
        raised="加装电梯",
        photo=SimpleUploadedFile("p.png", png_bytes(), content_type="image/png"),
    )
    return world.member, contact


def _platform_document(world):
    from groups.services import platforms as platform_services
    from tests import factories as f

    platform = f.PlatformFactory(committee=world.district)
    document = platform_services.platform_document_upload(
        actor=world.district_staff, platform_id=platform.pk, kind="rules", upload=pdf_upload("议事规则.pdf")
    )
    return world.district_staff, document


def _reply(world):
    from proposals.models import Reply
    from tests.proposals.factories import ProposalFactory

    reply = Reply(
        proposal=ProposalFactory(committee=world.city),
        unit=world.unit,
        round=1,
        text="已办理",
        result_code="A",
        replied_on=datetime.date(2026, 5, 1),
        on_time=True,
    )
    reply.signed_pdf.save("reply.pdf", ContentFile(PDF_BYTES))
    return world.staff, reply


def _attachment(world):
    from proposals.models import Attachment
    from tests.proposals.factories import ProposalFactory

    attachment = Attachment(proposal=ProposalFactory(committee=world.city), name="调研报告.pdf")
    attachment.file.save("a.pdf", ContentFile(PDF_BYTES))
    return world.staff, attachment


def _session_document(world):
    from consultations.models import SessionDocument
    from tests.consultations.factories import SessionFactory

    document = SessionDocument(
        session=SessionFactory(committee=world.city),
        kind="minutes",
        name="纪要.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
    )
    document.file.save("minutes.pdf", ContentFile(PDF_BYTES))
    return world.staff, document


def _export_job(world):
    from core.models import ExportJob

    job = ExportJob(
        requested_by=world.district_staff,
        kind="assessments.annual",
        title="年度考核",
        params={"committee": world.district.pk, "year": 2026},
        committee_id=world.district.pk,
        state=ExportJob.State.DONE,
        filename="年度考核.xlsx",
        rows=1,
    )
    job.file.save("annual.xlsx", ContentFile(b"PK\x03\x04"))
    return world.district_staff, job


# URL name -> a user who may see the row, and the row (its file stored); the URL takes the row's pk
CASES = {
    "activities:evidence_file": _evidence,
    "activities:evidence_thumbnail": _evidence,
    "activities:contact_photo": _contact,
    "activities:platform_document": _platform_document,
    "proposals:reply_pdf": _reply,
    "proposals:attachment": _attachment,
    "consultations:document": _session_document,
    "export_download": _export_job,
}


def _patterns(resolver, namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p.callback


def _serving_url_names() -> set[str]:
    """The URL names whose view streams a stored file through ``core.files.stored_response``."""
    found = set()
    for name, callback in _patterns(get_resolver()):
        view = inspect.unwrap(getattr(callback, "view_class", callback))
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        if "stored_response(" in source or "open_stored(" in source:
            found.add(name)
    return found


def test_every_url_that_streams_a_stored_file_has_a_case():
    assert _serving_url_names() == set(CASES)


def _project_sources():
    skip = {".venv", "tests", "bench", "demo", "node_modules", "var", "static", "docs"}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in skip or rel.parts[0].startswith(".") or "migrations" in rel.parts:
            continue
        yield rel, path.read_text(encoding="utf-8")


def test_no_view_opens_a_stored_file_but_through_core_files():
    """A ``FileResponse`` or a file opened in a view elsewhere would answer 500 when the file is gone."""
    offenders = []
    for rel, text in _project_sources():
        if rel == Path("core/files.py"):
            continue
        is_view = rel.name.startswith(("views", "api")) or "views" in rel.parts
        if "FileResponse" in text or (is_view and '.open("rb")' in text):
            offenders.append(str(rel))
    assert offenders == []


@pytest.mark.parametrize("url_name", sorted(CASES))
def test_a_row_whose_file_is_gone_answers_404_and_logs_the_path(
    url_name, world, client_for, settings, tmp_path, caplog
):
    settings.MEDIA_ROOT = str(tmp_path)
    user, row = CASES[url_name](world)
    client = client_for(user)
    url = reverse(url_name, args=[row.pk])
    response = client.get(url)
    assert response.status_code == 200, url  # the row is seen: a 404 below is the file's
    assert b"".join(response.streaming_content)  # read to the end: the test client closes the file
    stored = [getattr(row, f.name) for f in row._meta.get_fields() if isinstance(f, models.FileField)]
    names = [s.name for s in stored if s]
    for s in stored:
        if s:
            s.storage.delete(s.name)
    caplog.set_level(logging.WARNING, logger="core.files")
    assert client.get(url).status_code == 404
    assert any(n in r.getMessage() for r in caplog.records if r.name == "core.files" for n in names)
