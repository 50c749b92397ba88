"""API plumbing shared by every app."""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """Turn a domain ValidationError into a DRF 400 with field messages."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return serializers.ValidationError({"detail": [str(m) for m in exc.messages]})


class Conflict(APIException):
    """409: the record changed since the client last saw it (``core.exceptions.ConcurrentEdit``)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record was changed by someone else."
    default_code = "conflict"
