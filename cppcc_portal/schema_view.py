"""The OpenAPI schema, built once per process and language (``SchemaView``).

drf-spectacular's ``SpectacularAPIView`` walks every endpoint and serializer on each request (6-11 s at load 12,
bench/README.md). Nothing it reads changes at run time: the URL tree, the serializers and the settings. It serves
the public schema (``SERVE_PUBLIC``, the default): every endpoint whatever the requesting user may do, so the
user is not part of it. What it does depend on is the active language (descriptions and enum labels are
translated; ``?lang=`` or the request's language) and the API version (none is configured; kept in the key).
A settings change (tests' ``override_settings``) empties the cache.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_built: dict[tuple[str | None, str | None], Any] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _built.clear()


class SchemaView(SpectacularAPIView):
    """``SpectacularAPIView`` whose schema is built on the first request per language and version."""

    def _get_schema_response(self, request):
        if not self.serve_public or self.urlconf is not None or self.patterns is not None or self.custom_settings:
            return super()._get_schema_response(request)  # filtered by the user, or not the site's own tree
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        schema = _built.get(key)
        if schema is None:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            schema = _built[key] = generator.get_schema(request=request, public=True)
        return Response(
            data=schema,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
