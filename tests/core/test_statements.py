"""A statement compiled once per connection runs with the values asked for and converts its rows as the ORM."""

from decimal import Decimal

import pytest
from django.db import connections

from assessments.models import CategoryCap, RuleSet
from core.statements import Statement, attnames, instances
from tests import factories as f

pytestmark = pytest.mark.django_db


def _caps(rule_set_id):
    return CategoryCap.objects.filter(rule_set_id=rule_set_id).values_list(*attnames(CategoryCap))


def test_a_kept_statement_reads_the_rows_the_orm_reads_for_other_values():
    committee = f.CommitteeFactory()
    sets = [
        RuleSet.objects.create(committee=committee, year=year, base_score=Decimal("60.25")) for year in (2030, 2031)
    ]
    for i, rule_set in enumerate(sets):
        CategoryCap.objects.create(rule_set=rule_set, category=f"类别{i}", cap=Decimal("12.50") + i)
        CategoryCap.objects.create(rule_set=rule_set, category="另一类", cap=Decimal("0.50"))
    statement = Statement("tests.caps", _caps, 1)
    for rule_set in sets * 2:
        assert statement.rows(rule_set.pk) == list(_caps(rule_set.pk))
    assert "tests.caps" in connections["default"].__dict__["_kept_statements"]
    caps = instances(CategoryCap, attnames(CategoryCap), statement.rows(sets[1].pk))
    assert [(c.category, c.cap) for c in caps] == [("另一类", Decimal("0.50")), ("类别1", Decimal("13.50"))]
    assert isinstance(caps[1].cap, Decimal)


def test_a_queryset_whose_sql_does_not_hold_each_value_once_is_run_by_the_orm_each_time():
    committee = f.CommitteeFactory()
    rule_set = RuleSet.objects.create(committee=committee, year=2030)
    twice = Statement(
        "tests.twice", lambda pk: RuleSet.objects.filter(pk=pk, committee__rule_sets__id=pk).values_list("year"), 1
    )
    assert twice.rows(rule_set.pk) == [(2030,)]
    assert connections["default"].__dict__["_kept_statements"]["tests.twice"] is False
    assert twice.rows(rule_set.pk + 1) == []
