"""ReportLab, locked down, for every PDF the portal writes.

ReportLab's ``Paragraph`` reads its text as markup and follows ``<img src>`` to any path or URL, so a title
like ``<img src="http://10.0.0.1/">`` would make the server fetch an internal address (SSRF) or embed a file
from its disk. Two defences, both needed:

- ``text(value)`` turns any value into plain text for a ``Paragraph``: markup escaped, lone surrogates and
  control characters replaced. Every piece of user text goes through it.
- ``lock_reportlab()`` (installed by ``core.apps`` when Django starts) replaces ReportLab's one door to files
  and URLs, ``reportlab.lib.utils.open_for_read``: it opens only ReportLab's own data and the system fonts,
  never a URL, a ``data:`` URI or any other path. Even markup that slipped through fetches nothing.

``compress_quickly()`` (installed beside it) has ReportLab compress its streams at zlib's fastest level.
"""

from __future__ import annotations

import html
import os
import re
import zlib

# Fonts the PDFs embed (Debian's fonts-wqy-microhei and friends live under /usr/share/fonts).
FONT_DIRS = ["/usr/share/fonts"]

_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value) -> str:
    """``value`` as plain text for a ReportLab ``Paragraph``: never markup, never a lone surrogate."""
    return html.escape(_UNSAFE.sub("\ufffd", str(value)), quote=False)


def plain(value) -> str:
    """``value`` for ``canvas.drawString`` (which reads no markup): only the unencodable characters replaced."""
    return _UNSAFE.sub("\ufffd", str(value))


class UntrustedResource(OSError):
    """ReportLab was asked to read a URL or a file outside its own data and the fonts."""


def _allowed_dirs() -> list[str]:
    import reportlab

    dirs = (os.path.dirname(reportlab.__file__), *FONT_DIRS)
    return [form(d) for d in dirs for form in (os.path.abspath, os.path.realpath)]  # a venv may be a symlink


def _guarded_open_for_read(name, mode="b"):
    if hasattr(name, "read"):  # an open file or buffer the code handed over itself
        return name
    if isinstance(name, str) and "://" not in name and not name.lower().startswith("data:"):
        path = os.path.abspath(name)  # "..": normalised away; symlinks under the system's dirs are the system's
        if any(path.startswith(d + os.sep) for d in _allowed_dirs()):
            return open(path, "r" + mode if "r" not in mode else mode)
    raise UntrustedResource(f"ReportLab may not read {name!r}: only its own data and the system fonts.")


def _refuse_url(name):
    raise UntrustedResource(f"ReportLab may not fetch {name!r}.")


def lock_reportlab() -> None:
    """Route every file or URL ReportLab opens through ``_guarded_open_for_read`` (idempotent)."""
    from reportlab import rl_config
    from reportlab.lib import utils
    from reportlab.pdfbase import pdfdoc

    utils.open_for_read = _guarded_open_for_read
    pdfdoc.open_for_read = _guarded_open_for_read  # bound by name when pdfdoc was imported
    utils.rlUrlRead = _refuse_url
    rl_config.trustedHosts = []  # and should anything reach the stock opener: no host is trusted
    rl_config.trustedSchemes = []


COMPRESSION_LEVEL = 1  # zlib's fastest: a duty record's PDF 3.6 -> 1.7 ms of compressing, 60 -> 65 kB (#22)


def _flate(self, text):
    if isinstance(text, str):
        text = text.encode("utf8")
    return zlib.compress(text, COMPRESSION_LEVEL)


def compress_quickly() -> None:
    """Every stream ReportLab compresses (pages, font subsets) at ``COMPRESSION_LEVEL`` rather than zlib's default
    6: the same content, a few per cent larger, in half the time (idempotent)."""
    from reportlab.pdfbase import pdfdoc

    pdfdoc.PDFStreamFilterZCompress.encode = _flate
