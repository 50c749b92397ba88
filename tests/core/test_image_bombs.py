"""Decompression bombs (issue 14, item 4): an image over ``UPLOAD_MAX_IMAGE_PIXELS`` is refused from its header,
before anything decodes it, on every path that takes images; thumbnails decode a JPEG at a reduced scale."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from activities.models import Evidence
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOO_MANY = "图片像素过多"


def _png(width: int, height: int) -> bytes:
    """A bilevel PNG: a few KB on the wire, ``width × height`` pixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _png(9400, 9400)  # 88 megapixels: under Pillow's own warning threshold, so Pillow takes it


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any pixel is decoded (the refusal must come from the header alone)."""
    from PIL import ImageFile

    def load(self):
        raise AssertionError(f"decoded a {self.size} image")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


def test_a_small_png_of_88_megapixels_is_refused_on_the_evidence_page(world, client, _media, bomb, no_decoding):
    from tests.groups.factories import ActivityFactory

    assert len(bomb) < 30_000
    activity = ActivityFactory(group=world.group)
    client.force_login(world.convener)
    response = client.post(
        reverse("activities:evidence_upload", args=[activity.pk]),
        {"file": SimpleUploadedFile("现场.png", bomb, content_type="image/png"), "caption": "现场"},
        follow=True,
    )
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode() and "40 百万像素" in response.content.decode()
    assert not Evidence.objects.filter(activity=activity).exists()


@pytest.mark.parametrize("size", [(7000, 6000), (20000, 20000)])  # over the budget; over Pillow's error threshold
def test_the_evidence_service_refuses_images_over_the_budget_by_their_header(world, _media, size, no_decoding):
    from activities.services.activities import evidence_upload
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    with pytest.raises(DomainError) as caught:
        evidence_upload(
            activity_id=activity.pk,
            actor=world.convener,
            upload=SimpleUploadedFile("x.png", _png(*size), content_type="image/png"),
        )
    assert TOO_MANY in caught.value.message_dict["file"][0]


def test_the_budget_comes_from_settings(world, _media, settings):
    from activities.services.activities import evidence_upload
    from tests.groups.factories import ActivityFactory

    activity = ActivityFactory(group=world.group)
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000_000
    with pytest.raises(DomainError, match=TOO_MANY):
        evidence_upload(
            activity_id=activity.pk,
            actor=world.convener,
            upload=SimpleUploadedFile("x.png", _png(1001, 1000), content_type="image/png"),
        )
    evidence = evidence_upload(
        activity_id=activity.pk,
        actor=world.convener,
        upload=SimpleUploadedFile("x.png", _png(1000, 1000), content_type="image/png"),
    )
    assert evidence.kind == "photo" and evidence.thumbnail


def test_session_documents_refuse_an_image_bomb(world, _media, bomb, no_decoding):
    from consultations import services
    from tests.consultations.test_services import _session

    session = _session(world)
    with pytest.raises(DomainError, match=TOO_MANY):
        services.document_upload(
            session_id=session.pk, kind="evidence", actor=world.convener, upload=SimpleUploadedFile("现场.png", bomb)
        )
    assert session.documents.count() == 0


def test_proposal_attachments_refuse_an_image_bomb(world, bomb, no_decoding, settings, tmp_path):
    from proposals import services
    from proposals.models import Proposal
    from tests.proposals.test_services import DRAFT

    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(DomainError) as caught:
        services.proposal_save_draft(actor=world.member, data=DRAFT, attachments=[SimpleUploadedFile("附件.png", bomb)])
    assert TOO_MANY in caught.value.message_dict["attachment"][0]
    assert not Proposal.objects.exists()


THUMBNAIL_PEAK = """
import resource, sys
sys.path.insert(0, {root!r})
from core.uploads import jpeg_thumbnail
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
thumb = jpeg_thumbnail(data, (480, 480))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024, len(thumb))
"""


def test_a_40_megapixel_photo_is_thumbnailed_in_little_memory(tmp_path):
    """Decoding 8000×5000 in full costs 120 MB (RGB) and as much again to convert; at 1/8 scale about 2 MB."""
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (8000, 5000), (120, 160, 200)).save(photo, "JPEG", quality=70)
    result = subprocess.run(
        [sys.executable, "-c", THUMBNAIL_PEAK.format(root=str(ROOT)), str(photo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    grown_mb, thumb_bytes = map(int, result.stdout.split())
    assert thumb_bytes > 0
    assert grown_mb < 30, f"thumbnailing grew the process by {grown_mb} MB"
    with Image.open(io.BytesIO(_thumbnail_of(photo))) as thumb:
        assert max(thumb.size) == 480 and thumb.format == "JPEG"


def _thumbnail_of(path: Path) -> bytes:
    from core.uploads import jpeg_thumbnail

    return jpeg_thumbnail(path.read_bytes(), (480, 480))


def test_the_thumbnail_of_a_sideways_phone_photo_stands_upright():
    """Phones store portrait photos landscape with an EXIF orientation; the thumbnail applies it."""
    from core.uploads import jpeg_thumbnail

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(jpeg_thumbnail(out.getvalue(), (480, 480)))) as thumb:
        assert thumb.size == (360, 480)


def test_pillow_itself_is_bounded_by_the_budget(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.UPLOAD_MAX_IMAGE_PIXELS == 40_000_000
