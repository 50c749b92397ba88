"""A duty record's rule set read by statements compiled once per connection is what the ORM reads."""

from decimal import Decimal

import pytest

from assessments import selectors
from assessments.models import RuleSet
from assessments.presets import PRESETS
from assessments.services import ruleset_create_from_preset
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_presets_rule_set_and_book_are_the_ones_the_orm_reads(django_assert_num_queries):
    committee = f.CommitteeFactory(name="测试区政协", code="test")
    for year, key in enumerate(PRESETS, start=2030):
        ruleset_create_from_preset(committee=committee, year=year, preset=key, actor=None)
    RuleSet.objects.filter(committee=committee, year=2031).update(is_locked=True, bonus_cap=Decimal("12.50"))
    for year in range(2030, 2030 + len(PRESETS)):
        expected = RuleSet.objects.for_scoring().get(committee=committee, year=year)
        with django_assert_num_queries(5):  # the rule set and its four kinds of parts, as prefetched
            rule_set, book = selectors.rule_set_for_scoring(committee.pk, year)
        assert book == expected.book()
        assert [getattr(rule_set, f.attname) for f in RuleSet._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in RuleSet._meta.concrete_fields
        ]
        assert book.rules and book.bands and isinstance(book.base, Decimal)
    assert selectors.rule_set_for_scoring(committee.pk, 2029) == (None, selectors.EMPTY_BOOK)
    assert selectors.scoring_book(committee.pk, 2031) == RuleSet.objects.for_scoring().get(year=2031).book()


def test_a_rule_set_changed_between_two_reads_is_read_as_it_is_now():
    committee = f.CommitteeFactory(name="测试区政协", code="test")
    rule_set = ruleset_create_from_preset(committee=committee, year=2030, preset="hefei", actor=None)
    before = selectors.scoring_book(committee.pk, 2030)
    RuleSet.objects.filter(pk=rule_set.pk).update(base_score=Decimal("71.50"))
    rule_set.bands.all().delete()
    after = selectors.scoring_book(committee.pk, 2030)
    assert before.bands and not after.bands
    assert after.base == Decimal("71.50") != before.base
