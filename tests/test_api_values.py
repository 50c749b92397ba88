"""List pages written from ``.values_list()`` (``core.api_values``) are the serializer's pages, byte for byte.

Every viewset whose ``list`` uses ``ValuesListMixin`` is in ``ENDPOINTS``: its list is requested as several roles,
with filters, search, ordering and pages, once through the values path and once through the serializer
(``list_from_values = False``), and the two responses must be the same bytes. The rows have every nullable field
empty and filled, Chinese text, times on both sides of midnight in Asia/Shanghai (the UTC date differs), both
languages of the labels.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework import serializers

from activities.models import Activity, Attendance
from core.api_values import ValuesListMixin, ValuesPlan, values_plan
from groups.models import ActivityGroup, Member
from notifications.models import Kind, Notification
from proposals.models import Proposal
from tests import factories as f
from tests.groups.factories import ActivityFactory, AttendanceFactory
from tests.proposals.conftest import Walker
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db

# the list's URL name -> the roles (World's attributes) it is compared as, and the queries compared
ENDPOINTS = {
    "api:activity-list": (
        ("staff", "member", "convener", "leader", "district_staff"),
        ["", "?page_size=2", "?page_size=2&page=2", "?ordering=starts_at", "?search=湖", "?kind=study&state=held"],
    ),
    "api:proposal-list": (
        ("member", "staff", "unit_user", "convener"),
        ["", "?page_size=1&page=2", "?ordering=-reply_due", "?overdue=true", "?search=小区", "?state=assigned"],
    ),
    "api:notification-list": (
        ("member", "staff"),
        ["", "?unread=true", "?unread=false", "?page_size=1", "?ordering=due", "?kind=activity_tomorrow"],
    ),
}

SHANGHAI_LATE = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 on 1 March in Shanghai
SHANGHAI_EARLY = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai, still 1 March in UTC


def _viewsets():
    """Every viewset class behind a URL of the API."""
    found, todo = set(), [get_resolver()]
    while todo:
        for pattern in todo.pop().url_patterns:
            if isinstance(pattern, URLResolver):
                todo.append(pattern)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                found.add((pattern.callback.cls, pattern.name))
    return found


def test_every_values_list_is_compared():
    using = {name for cls, name in _viewsets() if issubclass(cls, ValuesListMixin) and name.endswith("-list")}
    assert {f"api:{name}" for name in using} == set(ENDPOINTS)


@pytest.fixture
def rows(world):
    """Rows of each list with their nullable fields both empty and filled."""
    committee_wide = ActivityFactory(
        group=None,
        committee=world.district,
        title="区政协全体委员视察“湖滨”片区",
        place="",
        starts_at=SHANGHAI_LATE,
        ends_at=SHANGHAI_EARLY,
        state=Activity.State.HELD,
        summary="视察结束于次日凌晨。",
    )
    late = ActivityFactory(
        group=world.group,
        title="东湖街道委员之家“学习日”",
        starts_at=SHANGHAI_EARLY,
        ends_at=SHANGHAI_EARLY + timedelta(hours=2),
        state=Activity.State.HELD,
        kind=Activity.Kind.STUDY,
        capacity=30,
        signup_deadline=SHANGHAI_LATE,
        contact_point=f.ContactPointFactory(committee=world.district, name="湖滨社区联络站"),
    )
    late.open_groups.set([world.group, world.other_group])
    committee_wide.open_groups.set([world.other_group])
    for member in (world.member_record, world.convener_member):
        AttendanceFactory(activity=late, member=member, status=Attendance.Status.PRESENT, signed_in_at=SHANGHAI_EARLY)
    AttendanceFactory(activity=committee_wide, member=world.member_record)
    ActivityFactory(group=world.group, title="", place="湖边", starts_at=timezone.now() + timedelta(days=1))
    ActivityFactory(group=world.other_group, title="Mixed 中英 text “quoted” \\ slash")

    walk = Walker(world)
    walk.draft(title="关于老旧小区加装电梯的建议")  # no serial number, no lead unit, no dates
    walk.filed(title="关于小区停车难的建议")
    assigned = walk.assigned(title="关于小区垃圾分类的建议")
    Proposal.objects.filter(pk=assigned.pk).update(is_excellent=True, excellent_marked_at=SHANGHAI_EARLY)
    ProposalFactory(committee=world.district, lead_proposer=world.convener_member, state=Proposal.State.SUBMITTED)

    for n, (kind, read_at) in enumerate(
        [(Kind.ACTIVITY_TOMORROW, None), (Kind.GENERIC, SHANGHAI_EARLY), (Kind.ACTIVITY_TOMORROW, SHANGHAI_LATE)]
    ):
        for user in (world.member, world.staff):
            Notification.objects.create(
                recipient=user,
                kind=kind,
                subject=f"test:{n}",
                due=date(2026, 3, 1 + n),
                title=f"通知{n}：请按时参加“活动”",
                body="" if n else "正文\n第二行",
                url="" if n == 1 else "/activities/1/",
                read_at=read_at,
            )
    Notification.objects.filter(recipient=world.member).update(created_at=SHANGHAI_LATE)
    return world


def _both(client, monkeypatch, url: str, **headers) -> bytes:
    """The page through the values path and through the serializer: the same bytes, or the test fails."""
    calls = []
    rows = ValuesPlan.rows

    def counted(plan, page, using):
        calls.append(len(page))
        return rows(plan, page, using)

    with monkeypatch.context() as m:
        m.setattr(ValuesPlan, "rows", counted)
        values = client.get(url, **headers)
    with monkeypatch.context() as m:
        m.setattr(ValuesListMixin, "list_from_values", False)
        serialized = client.get(url, **headers)
    assert values.status_code == serialized.status_code, (url, values.content)
    assert values.status_code == 404 or calls, f"{url}: not written from values"
    assert values["Content-Type"] == serialized["Content-Type"]
    assert values.content == serialized.content, url
    return values.content


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_the_values_list_is_the_serializers_list(rows, client_for, monkeypatch, name):
    roles, queries = ENDPOINTS[name]
    seen = 0
    for role in roles:
        client = client_for(getattr(rows, role))
        for query in queries:
            content = _both(client, monkeypatch, reverse(name) + query)
            seen += content.count(b'"id":')
        _both(client, monkeypatch, reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert seen > 10  # the pages were not all empty


def test_the_values_list_writes_nulls_chinese_and_local_times(rows, client_for):
    activities = client_for(rows.staff).get(reverse("api:activity-list") + "?ordering=starts_at").json()["results"]
    wide = next(a for a in activities if a["group"] is None)
    assert wide["organiser"] == rows.district.name and wide["contact_point"] is None and wide["capacity"] is None
    assert wide["starts_at"] == "2026-03-01T23:30:00+08:00" and wide["ends_at"] == "2026-03-02T00:30:00+08:00"
    assert wide["open_groups"] == [rows.other_group.pk] and wide["invited_count"] == 1
    late = next(a for a in activities if a["title"] == "东湖街道委员之家“学习日”")
    assert late["present_count"] == 2 and late["signup_deadline"] == "2026-03-01T23:30:00+08:00"
    assert sorted(late["open_groups"]) == sorted([rows.group.pk, rows.other_group.pk])
    notices = client_for(rows.member).get(reverse("api:notification-list")).json()["results"]
    assert {n["is_read"] for n in notices} == {True, False}
    assert {n["kind_display"] for n in notices} >= {str(Kind.ACTIVITY_TOMORROW.label)}
    proposals = client_for(rows.staff).get(reverse("api:proposal-list")).json()["results"]
    assert {p["lead_unit_name"] for p in proposals} == {None, rows.unit.name}
    assert "2026-03-02T00:30:00+08:00" in {p["excellent_marked_at"] for p in proposals}


# --- What the plan refuses rather than answers differently ---------------------------------------------------


class _Own(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "name"]

    def to_representation(self, instance):
        return super().to_representation(instance)


class _Method(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "label"]

    def get_label(self, obj) -> str:
        return obj.name


class _ThroughNullable(serializers.ModelSerializer):
    special_committee_name = serializers.CharField(source="special_committee.name", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "special_committee_name"]


class _Decimal(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=6, decimal_places=2, source="member_count")


@pytest.mark.parametrize("serializer", [_Own, _Method, _ThroughNullable])
def test_a_field_the_plan_cannot_read_exactly_is_refused(serializer):
    with pytest.raises(ImproperlyConfigured):
        values_plan(serializer, Member)


def test_a_value_is_converted_by_its_serializer_field(world):
    plan = values_plan(_Decimal, ActivityGroup)
    assert plan.annotations == {"member_count"}
    assert plan.rows([(1, Decimal("2.5"))], "default") == [{"id": 1, "amount": "2.50"}]
    with pytest.raises(ImproperlyConfigured):
        plan.select(ActivityGroup.objects.all())


def test_the_mixin_adds_nothing_to_the_published_schema():
    # drf-spectacular publishes an inherited docstring as the description of a viewset or operation without one
    assert ValuesListMixin.__doc__ is None and ValuesListMixin.list.__doc__ is None
