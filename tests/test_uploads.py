"""Every stored upload passes one check of size and type by content (issue 14): ``core.uploads``."""

import io
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from core.exceptions import DomainError
from core.uploads import UploadValidator, sniff
from tests.groups.factories import pdf_upload, photo_upload

pytestmark = pytest.mark.django_db


def _file_fields():
    return [(m, f) for m in apps.get_models() for f in m._meta.get_fields() if isinstance(f, models.FileField)]


def test_every_file_field_of_every_model_carries_the_upload_validator():
    fields = _file_fields()
    assert len(fields) >= 5  # evidence file and thumbnail, attachment, signed reply, session document
    unguarded = [
        f"{m._meta.label}.{f.name}" for m, f in fields if not any(isinstance(v, UploadValidator) for v in f.validators)
    ]
    assert unguarded == []


def _zip(names) -> bytes:
    """A zip with fixed timestamps: the same bytes in every process (xdist workers must collect the same ids)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), "<x/>")
    return out.getvalue()


DOCX = _zip(["[Content_Types].xml", "word/document.xml"])


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"%PDF-1.4 x", "application/pdf"),
        (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (
            _zip(["[Content_Types].xml", "xl/workbook.xml"]),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (_zip(["payload.exe"]), None),  # an archive is not an office document
        ("关于加强社区养老服务的建议\n一、……\n".encode(), "text/plain"),
        ("政协提案说明".encode("gb18030"), "text/plain"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", None),  # a Windows executable
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"", None),
    ],
)
def test_sniffing_looks_at_the_content(data, expected):
    assert sniff(io.BytesIO(data)) == expected


def _attach(world, upload):
    from proposals.services import proposal_save_draft

    data = {"title": "关于加强社区养老服务的建议", "analysis": "", "suggestions": "一、……", "category": "society"}
    return proposal_save_draft(actor=world.member, data=data, attachments=[upload])


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 10),
        SimpleUploadedFile("材料.zip", _zip(["payload.exe"])),
        SimpleUploadedFile("page.html", b"<script>alert(1)</script>\x00\x01"),
    ],
)
def test_a_proposal_attachment_of_another_type_is_refused_in_chinese(world, upload, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(DomainError) as refused:
        _attach(world, upload)
    assert "请上传" in str(refused.value.message_dict["attachment"])


@pytest.mark.parametrize(
    "upload",
    [
        lambda: pdf_upload(),
        lambda: photo_upload(),
        lambda: SimpleUploadedFile("附件.docx", DOCX),
        lambda: SimpleUploadedFile("说明.txt", "调研报告摘要".encode()),
    ],
)
def test_a_proposal_attachment_of_an_allowed_type_is_stored(world, upload, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    proposal = _attach(world, upload())
    assert proposal.attachments.count() == 1


def test_the_draft_page_shows_a_refused_attachment_as_a_form_error(world, client_for, settings, tmp_path):
    from django.urls import reverse

    settings.MEDIA_ROOT = str(tmp_path)
    data = {
        "title": "关于加强社区养老服务的建议",
        "suggestions": "一、……",
        "category": "society",
        "kind": "member",
        "is_public": "on",
        "attachment": SimpleUploadedFile("run.exe", b"MZ\x90\x00" * 50),
    }
    response = client_for(world.member).post(reverse("proposals:create"), data)
    assert response.status_code == 400  # the form again, with the error
    assert "请上传 PDF" in response.content.decode()
    assert not world.member_record.proposals.exists()


def test_the_admin_links_stored_files_to_the_checked_views_never_to_media(world, client_for, settings, tmp_path):
    """Django's admin links a FileField to ``field.url``: a /media/ address, which is never served."""
    import datetime

    from django.core.files.base import ContentFile
    from django.urls import reverse

    from activities.services.activities import evidence_upload
    from consultations.models import SessionDocument
    from proposals.models import Reply
    from tests.consultations.factories import SessionFactory
    from tests.groups.factories import ActivityFactory
    from tests.proposals.factories import ProposalFactory

    settings.MEDIA_ROOT = str(tmp_path)
    evidence = evidence_upload(
        activity_id=ActivityFactory(group=world.group).pk, actor=world.convener, upload=photo_upload()
    )
    proposal = ProposalFactory(committee=world.city)
    reply = Reply(
        proposal=proposal,
        unit=world.unit,
        round=1,
        text="已办理",
        result_code="A",
        replied_on=datetime.date(2026, 5, 1),
        on_time=True,
    )
    reply.signed_pdf.save("reply.pdf", ContentFile(b"%PDF-1.4 x"))
    session = SessionFactory(committee=world.city)
    document = SessionDocument(session=session, kind="minutes", name="纪要.pdf", content_type="application/pdf", size=9)
    document.file.save("minutes.pdf", ContentFile(b"%PDF-1.4 x"))
    pages = {
        reverse("admin:activities_evidence_change", args=[evidence.pk]): reverse(
            "activities:evidence_file", args=[evidence.pk]
        ),
        reverse("admin:activities_activity_change", args=[evidence.activity_id]): reverse(
            "activities:evidence_file", args=[evidence.pk]
        ),
        reverse("admin:proposals_proposal_change", args=[proposal.pk]): reverse("proposals:reply_pdf", args=[reply.pk]),
        reverse("admin:consultations_consultationsession_change", args=[session.pk]): reverse(
            "consultations:document", args=[document.pk]
        ),
    }
    client = client_for(world.staff)
    for page, download in pages.items():
        html = client.get(page).content.decode()
        assert "/media/" not in html, page
        assert f'href="{download}"' in html, page
        assert client.get(download).status_code == 200, download
