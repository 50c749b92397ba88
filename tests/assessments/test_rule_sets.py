"""Rule sets refuse bad data in the model, in the database and through the services."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from assessments.kinds import EventKind as K
from assessments.models import CategoryCap, GradeBand, MinimumRequirement, PointRule, RuleSet
from assessments.services import ruleset_create_from_preset, ruleset_lock
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.services import events_for
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule_set():
    return RuleSet.objects.create(committee=f.CommitteeFactory(), year=2026, base_score=Decimal(70))


def _messages(obj) -> list[str]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        obj.full_clean()
    return [str(m) for m in info.value.messages]


def test_a_negative_cap_is_refused_with_a_chinese_message(rule_set):
    assert _messages(CategoryCap(rule_set=rule_set, category="活动", cap=Decimal(-5))) == ["上限不能为负数。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryCap.objects.create(rule_set=rule_set, category="活动", cap=Decimal(-5))


def test_a_negative_bonus_cap_is_refused(rule_set):
    rule_set.bonus_cap = Decimal(-1)
    assert "上限不能为负数。" in _messages(rule_set)


def test_an_unknown_event_kind_is_refused_in_the_model_and_the_database(rule_set):
    assert _messages(PointRule(rule_set=rule_set, kind="made_up", points=Decimal(5))) == [
        "未知的履职事项类型“made_up”，请从列表中选择。"
    ]
    assert "未知的履职事项类型“bogus”，请从列表中选择。" in _messages(
        MinimumRequirement(rule_set=rule_set, kind="bogus")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRule.objects.create(rule_set=rule_set, kind="made_up", points=Decimal(5))


def test_a_grade_band_overlapping_a_saved_band_is_refused(rule_set):
    GradeBand.objects.create(rule_set=rule_set, label="优秀", min_score=Decimal(85))
    band = GradeBand(rule_set=rule_set, label="称职", min_score=Decimal(60), max_score=Decimal(90))
    assert _messages(band) == ["等次“称职”与“优秀”的分数段重叠：一个分数只能属于一个等次。"]
    band.max_score = Decimal(85)
    band.full_clean()


def test_a_grade_band_must_end_above_its_start(rule_set):
    band = GradeBand(rule_set=rule_set, label="称职", min_score=Decimal(60), max_score=Decimal(60))
    assert _messages(band) == ["分数段的上限必须高于下限。"]


def test_the_same_kind_and_occurrence_cannot_be_priced_twice(rule_set):
    PointRule.objects.create(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, points=Decimal(5))
    assert _messages(PointRule(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, points=Decimal(2))) == [
        "该事项类型在这一次序上已有规则。"
    ]
    PointRule(rule_set=rule_set, kind=K.ACTIVITY_PRESENT, nth_from=2, points=Decimal(2)).full_clean()


def test_a_preset_is_copied_once_per_committee_and_year():
    committee = f.CommitteeFactory()
    rule_set = ruleset_create_from_preset(committee=committee, year=2026, preset="hefei", actor=None)
    assert rule_set.base_score == 85 and rule_set.rules.count() == 12 and rule_set.bands.count() == 3
    assert [e.verb for e in events_for(rule_set)] == ["created"]
    with pytest.raises(DomainError):
        ruleset_create_from_preset(committee=committee, year=2026, preset="jinan", actor=None)
    with pytest.raises(DomainError):
        ruleset_create_from_preset(committee=committee, year=2027, preset="nowhere", actor=None)


def test_locking_a_rule_set_is_recorded_and_happens_once(rule_set):
    user = f.StaffPositionFactory(committee=rule_set.committee).user
    with pytest.raises(NotPermitted):  # someone who is not the committee's staff
        ruleset_lock(rule_set_id=rule_set.pk, actor=f.UserFactory())
    ruleset_lock(rule_set_id=rule_set.pk, actor=user)
    rule_set.refresh_from_db()
    assert rule_set.is_locked and events_for(rule_set).get().actor == user
    with pytest.raises(InvalidTransition):
        ruleset_lock(rule_set_id=rule_set.pk, actor=user)


def test_the_management_command_creates_a_preset_rule_set():
    committee = f.CommitteeFactory(code="tc")
    call_command("create_ruleset", "tc", "2026", "tongcheng", stdout=open("/dev/null", "w"))
    assert committee.rule_sets.get().caps.count() == 4
    with pytest.raises(CommandError):
        call_command("create_ruleset", "tc", "2026", "tongcheng")
    with pytest.raises(CommandError):
        call_command("create_ruleset", "nope", "2026", "tongcheng")


def test_the_demo_gives_every_committee_a_rule_set_for_the_year():
    call_command("seed_demo", members=20, districts=2, force=True, verbosity=0)
    from groups.models import Committee

    assert RuleSet.objects.count() == Committee.objects.count() == 3
    assert set(RuleSet.objects.values_list("base_score", flat=True)) == {Decimal(85), Decimal(0), Decimal(70)}


def test_rows_of_a_locked_rule_set_are_refused(rule_set):
    rule_set.is_locked = True
    rule_set.save()
    assert _messages(CategoryCap(rule_set=rule_set, category="活动", cap=Decimal(5))) == [
        "该积分规则已锁定，不能再修改。"
    ]


@pytest.mark.parametrize(
    "name", ["=proposal_filed_lead", "report_submitted", "提交社情民意信息", "Study activity attended"]
)
def test_an_any_of_group_named_like_an_event_kind_is_refused_with_a_chinese_message(rule_set, name):
    """A minimum on its own is grouped under its kind; a group named like a kind would merge with it."""
    from assessments.kinds import kind_label

    if name == "提交社情民意信息":
        name = kind_label(K.REPORT_SUBMITTED)
    messages = _messages(MinimumRequirement(rule_set=rule_set, kind=K.PROPOSAL_FILED_LEAD, group=name))
    assert messages == [
        f"“{name}”是履职事项类型，不是分组名称：请为可任选其一的几项最低要求起一个共同的名称，"
        "例如“1件提案或1篇社情民意信息”可取名“建言”；单独的最低要求请留空。"
    ]
    MinimumRequirement(rule_set=rule_set, kind=K.PROPOSAL_FILED_LEAD, group="建言").full_clean()
    MinimumRequirement(rule_set=rule_set, kind=K.PROPOSAL_FILED_LEAD, group="").full_clean()
