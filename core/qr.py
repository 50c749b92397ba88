"""QR codes drawn on our own pages (the sign-in screen, the mailbox poster): an inline SVG, no image request."""

from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, scale: int = 8) -> SafeString:
    """The QR code of ``url`` as inline SVG (segno draws it from our own URL: nothing user-typed reaches it)."""
    import segno

    return mark_safe(segno.make(url, error="m").svg_inline(scale=scale, border=2, omitsize=True, light="#fff"))  # noqa: S308
