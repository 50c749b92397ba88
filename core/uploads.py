"""What an uploaded file really is, decided by its content and never by its name, and the one check every
stored upload passes.

Every ``FileField`` in the portal carries an ``UploadValidator`` naming its kind (``tests/test_uploads.py``
fails on a field without one): the admin, model forms and serializers run it through the field, and the
services call ``validate_upload`` for the same field before they store anything.

Images: an image over ``settings.UPLOAD_MAX_IMAGE_PIXELS`` is refused from its header alone (a decompression
bomb is small on the wire and huge once decoded), and ``jpeg_thumbnail`` decodes a JPEG at a reduced scale, so
no upload costs more memory than the budget allows.
"""

from __future__ import annotations

import codecs
import io
import math
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"
ZIP = "application/zip"
OLE = "application/msword"  # doc, xls, ppt (OLE compound files)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = "text/plain"

# Magic numbers of the types the portal accepts somewhere.
SIGNATURES = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"PK\x03\x04", ZIP),  # docx, xlsx, pptx -- or any archive: sniff() looks inside
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
]
HEAD_BYTES = 16
TEXT_SAMPLE_BYTES = 64 * 1024
OOXML_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}


def content_type_of(head: bytes) -> str | None:
    """The content type the first bytes announce, or None for anything unknown."""
    for magic, ctype in SIGNATURES:
        if head.startswith(magic):
            return ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def read_head(upload, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of an uploaded file, leaving it rewound for saving."""
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _office_type(upload) -> str | None:
    """A zip is accepted only as an Office Open XML document: an archive may carry anything."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((ctype for prefix, ctype in OOXML_PARTS.items() if any(n.startswith(prefix) for n in names)), None)


def _is_text(sample: bytes) -> bool:
    """Plain text in UTF-8 or GB18030 (a Chinese Windows editor's default), without control characters."""
    for encoding in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return bool(text) and not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)
    return False


def sniff(upload) -> str | None:
    """The content type of a whole upload: its magic number, a look inside a zip, else plain text or None."""
    ctype = content_type_of(read_head(upload))
    if ctype == ZIP:
        return _office_type(upload)
    if ctype is None and _is_text(read_head(upload, TEXT_SAMPLE_BYTES)):
        return TEXT
    return ctype


def _pixels(stream) -> float | None:
    """Width × height from an image's header (nothing decoded); None when Pillow reads no image there."""
    from PIL import Image

    start = stream.tell()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:  # lazy: parses the header, decodes no pixel
                width, height = image.size
                return width * height
    except Image.DecompressionBombError:  # past twice Pillow's own limit: certainly over ours
        return math.inf
    except Exception:  # not an image Pillow reads: the caller's type check decides
        return None
    finally:
        stream.seek(start)


def _pixel_problem(stream) -> ValidationError | None:
    """The refusal of an image with more pixels than ``UPLOAD_MAX_IMAGE_PIXELS``, read from its header."""
    budget = settings.UPLOAD_MAX_IMAGE_PIXELS
    pixels = _pixels(stream)
    if pixels is not None and pixels > budget:
        return ValidationError(
            _(
                "The image has too many pixels (at most %(megapixels)s megapixels): make it "
                "smaller and upload it again."
            ),
            code="too_many_pixels",
            params={"megapixels": budget // 1_000_000},
        )
    return None


def jpeg_thumbnail(data: bytes, size: tuple[int, int]) -> bytes:
    """A JPEG no larger than ``size``, upright; a JPEG is decoded at 1/2 to 1/8 scale (``draft``), other
    images are reduced before resampling, so memory follows the thumbnail rather than the photo."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (size[0] * 2, size[1] * 2))  # JPEG only: DCT scaling while decoding
        image.thumbnail(size)  # reduce() by whole factors first, then resample
        image = ImageOps.exif_transpose(image).convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass(frozen=True)
class UploadKind:
    types: frozenset
    max_bytes_setting: str  # the size limit is a setting, so deploy/nginx can be checked against it
    message: str


IMAGES = {JPEG, PNG, GIF, WEBP}
OFFICE = {OLE, DOCX, XLSX, PPTX}
KINDS = {
    "pdf": UploadKind(frozenset({PDF}), "PROPOSAL_UPLOAD_MAX_BYTES", _("The file is not a PDF.")),
    "evidence": UploadKind(
        frozenset({PDF, JPEG, PNG, WEBP}),
        "FILE_UPLOAD_MAX_BYTES",
        _("Upload a photo (JPEG, PNG or WebP) or a PDF document."),
    ),
    "thumbnail": UploadKind(frozenset({JPEG}), "FILE_UPLOAD_MAX_BYTES", _("The thumbnail is not a JPEG image.")),
    "document": UploadKind(
        frozenset({PDF, *IMAGES, *OFFICE}),
        "FILE_UPLOAD_MAX_BYTES",
        _("Upload a PDF, an image (JPEG, PNG, GIF, WebP) or an office document."),
    ),
    "attachment": UploadKind(
        frozenset({PDF, *IMAGES, *OFFICE, TEXT}),
        "PROPOSAL_UPLOAD_MAX_BYTES",
        _("Upload a PDF, an image (JPEG, PNG, GIF, WebP), an office document or a plain text file."),
    ),
}


@deconstructible
class UploadValidator:
    """The size and type check of one kind of upload; put it on every FileField (``validators=[...]``)."""

    def __init__(self, kind: str):
        if kind not in KINDS:
            raise ValueError(f"unknown upload kind {kind!r}")
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and other.kind == self.kind

    def __call__(self, upload) -> None:
        self.check(upload)

    def check(self, upload) -> str:
        """The content type of an acceptable upload; ValidationError for one too large or of a wrong type."""
        kind = KINDS[self.kind]
        limit = getattr(settings, kind.max_bytes_setting)
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(mb)s MB."), code="too_large", params={"mb": limit // (1024 * 1024)}
            )
        ctype = sniff(upload)
        if ctype not in kind.types:
            raise ValidationError(kind.message, code="file_type")
        if ctype in IMAGES and (problem := _pixel_problem(upload)) is not None:
            raise problem
        return ctype


def validate_upload(upload, *, model, field: str, error_key: str | None = None) -> str:
    """Run ``model.field``'s UploadValidator for a service; its content type, or a DomainError for the user."""
    from core.exceptions import DomainError

    validator = next(v for v in model._meta.get_field(field).validators if isinstance(v, UploadValidator))
    try:
        return validator.check(upload)
    except ValidationError as exc:
        raise DomainError({error_key: exc.messages} if error_key else exc.messages) from None
