"""The one DRF exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``), apart from ``core.api`` because
``rest_framework.views`` reads the API settings, which name ``core.api``'s classes."""

from django.core.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from core.api import as_api_error


def exception_handler(exc, context):
    """A service's refusal raised in any view maps the same way in every app (``core.api.as_api_error``: 403 for
    ``NotPermitted``, 409 for ``ConcurrentEdit``, 400 with field messages otherwise); the rest is DRF's."""
    if isinstance(exc, ValidationError):
        exc = as_api_error(exc)
    return drf_exception_handler(exc, context)
