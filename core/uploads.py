"""What an uploaded file really is, decided by its first bytes and never by its name.

Shared by every upload in the portal (activity evidence, signed replies, session documents), so a
file type is recognised the same way everywhere; each caller decides which types it accepts.
"""
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
