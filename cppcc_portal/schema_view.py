"""The OpenAPI schema, built and written out once per process, language and format (``SchemaView``).

drf-spectacular's ``SpectacularAPIView`` walks every endpoint and serializer on each request (6-11 s at load 12,
bench/README.md). Nothing it reads changes at run time: the URL tree, the serializers and the settings. It serves
the public schema (``SERVE_PUBLIC``, the default): every endpoint whatever the requesting user may do, so the
user is not part of it. What it does depend on is the active language (descriptions and enum labels are
translated; ``?lang=`` or the request's language) and the API version (none is configured; kept in the key).
Writing the schema out (YAML by default, or JSON) costs 0.5-0.8 s of its own on every request (bench/pages.py at
50k members, load 1.4), so the written body is kept as well, per language, version and the negotiated format.
A settings change (tests' ``override_settings``) empties both.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_built: dict[tuple[str | None, str | None], Any] = {}
# (language, version, renderer class, media type) -> (Content-Type, body)
_written: dict[tuple, tuple[str, bytes]] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _built.clear()
    _written.clear()


class _WrittenOnce(Response):
    """The schema's response, whose body is written by its renderer once per ``key`` and media type."""

    def __init__(self, *args, key: tuple, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.key = key

    @property
    def rendered_content(self):
        key = (*self.key, type(self.accepted_renderer), self.accepted_media_type)
        written = _written.get(key)
        if written is None:
            body = super().rendered_content  # sets the Content-Type header from the renderer
            written = _written[key] = (self["Content-Type"], body)
        self["Content-Type"] = written[0]
        return written[1]


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
        return _WrittenOnce(
            data=schema,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
            key=key,
        )
