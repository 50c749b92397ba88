"""Serving a stored upload: the one place a view opens a file from storage (local disk or S3).

A row may outlive its file (a restore without the media archive, a bucket emptied, a demo seed that writes no
files): the page then answers 404 and the path is logged as a warning, so an operator learns of the lost file,
instead of a 500. Every view that streams a stored file goes through ``stored_response``;
``tests/core/test_stored_files.py`` fails on a view that opens one any other way.
"""

import logging

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from core.uploads import HEAD_BYTES, content_type_of

log = logging.getLogger(__name__)


def open_stored(stored: FieldFile) -> FieldFile:
    """``stored`` opened for reading, or ``Http404`` when the row names no file or storage no longer holds it."""
    if not stored:
        raise Http404("No file is stored.")
    try:
        return stored.open("rb")  # local storage and django-storages' S3 both raise FileNotFoundError
    except FileNotFoundError:
        instance = stored.instance
        log.warning(
            "stored file missing: %s (%s pk=%s, field %s)",
            stored.name,
            instance._meta.label,
            instance.pk,
            stored.field.name,
        )
        raise Http404("The file is no longer stored.") from None


def stored_response(
    stored: FieldFile,
    *,
    content_type: str | None = None,
    as_attachment: bool = False,
    filename: str = "",
    sniff: bool = False,
) -> FileResponse:
    """A streamed response of a stored file (never a link to it). ``sniff``: the type read from the file's first
    bytes (``core.uploads.content_type_of``) when ``content_type`` is not given."""
    handle = open_stored(stored)
    if content_type is None and sniff:
        content_type = content_type_of(handle.read(HEAD_BYTES)) or "application/octet-stream"
        handle.seek(0)
    return FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
