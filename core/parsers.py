"""API request parsers that refuse an oversized body before reading it.

Django caps a body it reads itself (``request.body``, form fields) at ``DATA_UPLOAD_MAX_MEMORY_SIZE``, but
DRF's JSON and form parsers read the request stream directly and so took any size. These read at most
that many bytes and answer 413 beyond it; files (multipart) are capped by ``core.uploads`` and the proxy.
"""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers, status
from rest_framework.exceptions import APIException

from core.parsing import as_int


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "body_too_large"


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(_("The request body is larger than %(kb)s KB; send files as uploads.") % {"kb": limit // 1024})


def capped(stream, parser_context) -> io.BytesIO:
    """The body as a stream, after checking its declared length and reading no more than the limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if (as_int(declared, low=0) or 0) > limit:
        raise _too_large(limit)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return io.BytesIO(data)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return super().parse(capped(stream, parser_context), media_type, parser_context)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return super().parse(capped(stream, parser_context), media_type, parser_context)


# Django's MultiPartParser already applies DATA_UPLOAD_MAX_MEMORY_SIZE to the non-file fields.
MultiPartParser = parsers.MultiPartParser
