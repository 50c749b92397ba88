"""Every relation a client posts an id into is scoped to the rows the user reaches (issue #15).

The walk instantiates every serializer of every app and fails on a writable relation field that is not a
``core.api_fields.ScopedPrimaryKeyRelatedField``; the end-to-end tests post another committee's id.
"""

import importlib
import inspect

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework import serializers

from core.api_fields import ScopedPrimaryKeyRelatedField
from tests import factories as f
from tests.conftest import project_modules
from tests.consultations import factories as cf

pytestmark = pytest.mark.django_db

MODULES = project_modules("serializers")


def _serializers():
    for name in MODULES:
        module = importlib.import_module(name)
        for _n, klass in inspect.getmembers(module, inspect.isclass):
            if issubclass(klass, serializers.BaseSerializer) and klass.__module__ == name:
                yield klass


def _relations(serializer, path):
    for name, field in serializer.fields.items():
        where = f"{path}.{name}"
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _relations(field, where)
        elif isinstance(field, serializers.ManyRelatedField):
            yield where, field, field.child_relation
        elif isinstance(field, serializers.RelatedField):
            yield where, field, field


def _walk(user):
    request = RequestFactory().post("/api/")
    request.user = user
    for klass in _serializers():
        yield from _relations(klass(context={"request": request}), klass.__name__)


def test_every_writable_relation_of_every_serializer_is_scoped(world):
    unscoped, checked = [], 0
    for where, field, relation in _walk(world.district_staff):
        if field.read_only:
            continue
        checked += 1
        if not isinstance(relation, ScopedPrimaryKeyRelatedField):
            unscoped.append(f"{where}: {type(relation).__name__}")
        elif not hasattr(relation.queryset, relation.scope):
            unscoped.append(f"{where}: {relation.queryset.model.__name__} has no {relation.scope}(user)")
        else:
            relation.get_queryset().exists()  # the scoped query runs
    assert not unscoped, "\n".join(unscoped)
    assert checked >= 10  # the walk reached the serializers


def test_a_scoped_relation_offers_only_the_users_rows(world):
    from groups.models import Committee

    field = ScopedPrimaryKeyRelatedField(queryset=Committee.objects.all())
    request = RequestFactory().post("/api/")
    request.user = world.district_staff
    field.bind("committee", serializers.Serializer(context={"request": request}))
    assert world.other not in field.get_queryset() and world.district in field.get_queryset()


def test_the_walk_catches_an_unscoped_relation(world):
    from groups.models import Committee

    class Careless(serializers.Serializer):
        committee = serializers.PrimaryKeyRelatedField(queryset=Committee.objects.all())

    assert [w for w, _f, r in _relations(Careless(), "Careless") if not isinstance(r, ScopedPrimaryKeyRelatedField)]


def test_posting_another_committees_group_for_a_topic_is_400_and_changes_nothing(world, client_for):
    from consultations.models import Topic

    other_group = f.ActivityGroupFactory(committee=world.other)
    client = client_for(world.district_staff)
    response = client.post(
        reverse("api:consultation-topic-list"),
        {
            "committee": world.district.pk,
            "group": other_group.pk,
            "title": "别人的小组",
            "reasons": "理由",
            "source": "member",
            "proposer_kind": "member",
            "year": 2026,
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "group" in response.json()
    assert not Topic.objects.exists()


def test_posting_another_committee_for_a_session_is_400_and_changes_nothing(world, client_for):
    from consultations.models import ConsultationSession

    client = client_for(world.district_staff)
    response = client.post(
        reverse("api:consultation-list"),
        {
            "committee": world.other.pk,
            "title": "别人的协商",
            "form": "special",
            "level": "district",
            "starts_at": "2026-05-06T09:00:00+08:00",
            "place": "会议室",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "committee" in response.json()
    assert not ConsultationSession.objects.exists()


def test_starting_another_committees_roll_up_is_400_and_changes_nothing(world, client_for):
    from assessments.models import RollupRun

    response = client_for(world.district_staff).post(
        reverse("api:rollup-run"),
        {"committee": world.other.pk, "year": 2026, "quarter": 1},
        content_type="application/json",
    )
    assert response.status_code == 400 and "committee" in response.json()
    assert not RollupRun.objects.exists()
    assert cf  # factories of the app under test
