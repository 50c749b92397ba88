"""The API schema is built once per process and language (cppcc_portal/schema_view.py): a second request runs no
schema generation and returns the same body, for any user; another language is built on its own."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer

from cppcc_portal import schema_view


@pytest.fixture
def counted():
    schema_view._built.clear()
    schema_view._written.clear()
    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True, side_effect=SchemaGenerator.get_schema) as m:
        yield m
    schema_view._built.clear()
    schema_view._written.clear()


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_the_schema_is_written_out_once_per_language_and_format(world, client_for, counted, fmt):
    """The second request of a format runs neither the generator nor the renderer, and answers the same body with the
    same Content-Type; the other format is written on its own."""
    renderer = {"json": OpenApiJsonRenderer, "yaml": OpenApiYamlRenderer}[fmt]
    url = reverse("schema")
    with mock.patch.object(renderer, "render", autospec=True, side_effect=renderer.render) as rendered:
        first = client_for(world.staff).get(url, {"format": fmt})
        again = client_for(world.member).get(url, {"format": fmt})
    assert first.status_code == again.status_code == 200
    assert rendered.call_count == 1
    assert counted.call_count == 1
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert first["Content-Type"].startswith(renderer.media_type)
    other = client_for(world.staff).get(url, {"format": "yaml" if fmt == "json" else "json"})
    assert other.status_code == 200
    assert other.content != first.content


def test_the_schema_is_built_once_per_language(world, client, client_for, counted):
    url = reverse("schema")
    first = client_for(world.staff).get(url, {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert first.status_code == 200
    assert counted.call_count == 1
    client.logout()
    for user in (world.member, world.unit_user, None):
        c = client_for(user) if user else client
        again = c.get(url, {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert again.status_code == 200
        assert again.content == first.content
    assert counted.call_count == 1
    english = client.get(url, {"format": "json", "lang": "en"})
    assert counted.call_count == 2
    assert english.content != first.content  # translated descriptions: not served across languages
    assert client.get(url, {"format": "json", "lang": "en"}).content == english.content
    assert counted.call_count == 2


def test_the_cached_schema_is_what_a_fresh_build_gives(world, client_for, counted):
    """Any user's fresh build is the cached body: the schema is public (SERVE_PUBLIC), not filtered by the user."""
    url = reverse("schema")
    bodies = set()
    for user in (world.staff, world.member, world.unit_user):
        schema_view._built.clear()
        schema_view._written.clear()
        bodies.add(client_for(user).get(url, {"format": "json"}).content)
    assert len(bodies) == 1
