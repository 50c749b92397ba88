"""What an uploaded file really is, decided by its first bytes and never by its name.

Shared by every upload in the portal (activity evidence, signed replies, session documents), so a
file type is recognised the same way everywhere; each caller decides which types it accepts.

Images: ``check_image_pixels`` refuses one over ``settings.UPLOAD_MAX_IMAGE_PIXELS`` from its header alone
(a decompression bomb is small on the wire and huge once decoded), and ``jpeg_thumbnail`` decodes a JPEG at
a reduced scale, so no upload costs more memory than the budget allows.
"""
from __future__ import annotations

import io
import math
import warnings

PDF = "application/pdf"

# Magic numbers of the types the portal accepts somewhere.
SIGNATURES = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),  # docx, xlsx, pptx
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),  # doc, xls
]
HEAD_BYTES = 16


def content_type_of(head: bytes) -> str | None:
    """The content type the first bytes announce, or None for anything unknown."""
    for magic, ctype in SIGNATURES:
        if head.startswith(magic):
            return ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_head(upload) -> bytes:
    """The first bytes of an uploaded file, leaving it rewound for saving."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


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


def check_image_pixels(stream, *, field: str = "file") -> None:
    """Refuse an image with more pixels than ``UPLOAD_MAX_IMAGE_PIXELS`` before anything decodes it."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    from core.exceptions import DomainError

    budget = settings.UPLOAD_MAX_IMAGE_PIXELS
    pixels = _pixels(stream)
    if pixels is not None and pixels > budget:
        raise DomainError({field: [_("The image has too many pixels (at most %(megapixels)s megapixels): make it "
                                     "smaller and upload it again.") % {"megapixels": budget // 1_000_000}]})


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
