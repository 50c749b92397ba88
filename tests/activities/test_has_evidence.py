"""``Activity.has_evidence`` is kept by the database (migration activities/0006), on SQLite and PostgreSQL alike:
whatever writes the evidence rows, and whatever the application writes back; the workbench's activities to file
read it."""

import pytest
from django.utils import timezone

from activities.models import Activity, Evidence
from cppcc_portal.workbench import todos
from tests.groups.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def flag(activity) -> bool:
    return Activity.objects.values_list("has_evidence", flat=True).get(pk=activity.pk)


def evidence(activity, **kw) -> Evidence:
    return Evidence.objects.create(
        activity=activity,
        kind=Evidence.Kind.PHOTO,
        file="x.jpg",
        size=1,
        content_type="image/jpeg",
        original_name="x.jpg",
        **kw,
    )


def test_every_kind_of_write_to_the_evidence_keeps_the_flag(world):
    a, b = ActivityFactory(group=world.group), ActivityFactory(group=world.group)
    assert (flag(a), flag(b)) == (False, False)
    first, second = evidence(a), evidence(a)
    assert flag(a)
    first.delete()
    assert flag(a)  # one left
    Evidence.objects.filter(pk=second.pk).update(activity=b)  # moved to another activity
    assert (flag(a), flag(b)) == (False, True)
    Evidence.objects.bulk_create([Evidence(activity=a, kind=Evidence.Kind.PHOTO, file="y.jpg", size=1)])
    assert flag(a)
    Evidence.objects.all().delete()
    assert (flag(a), flag(b)) == (False, False)


def test_a_stale_or_wrong_flag_written_by_the_application_is_corrected(world):
    a = ActivityFactory(group=world.group)
    stale = Activity.objects.get(pk=a.pk)
    evidence(a)
    stale.title = "改了标题"
    stale.save()  # the instance read before the photo: has_evidence False
    assert flag(a)
    Activity.objects.filter(pk=a.pk).update(has_evidence=False)
    assert flag(a)
    b = ActivityFactory(group=world.group)
    Activity.objects.filter(pk=b.pk).update(has_evidence=True)
    assert not flag(b)
    c = ActivityFactory.build(group=world.group, committee=world.group.committee, has_evidence=True)
    c.save()
    assert not flag(c)


def test_activities_filed_without_evidence_are_to_file_those_with_evidence_not(world):
    now = timezone.now()
    held = ActivityFactory(group=world.group, state=Activity.State.HELD, starts_at=now)
    bare = ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=now)
    documented = ActivityFactory(group=world.group, state=Activity.State.FILED, starts_at=now)
    evidence(documented)
    rows = todos.unfiled_activities([world.group.committee_id], timezone.localdate())
    assert set(rows.values_list("pk", flat=True)) == {held.pk, bare.pk}
    evidence(bare)  # through any door: the to-do follows
    assert set(rows.values_list("pk", flat=True)) == {held.pk}
