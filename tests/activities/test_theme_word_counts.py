"""The themes pages count a word in the texts they sampled when the sample is every row
(``activities.selectors.mailbox.contains_counts``): the same counts as the database's ``__contains``, which the
linked lists filter by (on SQLite LIKE ignores the case of ASCII letters, on PostgreSQL it does not)."""

import pytest
from django.db import connection
from django.db.models import Count, Q

from activities.selectors.mailbox import contains_counts
from groups.models import Committee

pytestmark = pytest.mark.django_db

TEXTS = ["老旧小区加装电梯", "5G基站选址", "5g基站辐射", "社区食堂 Wi-Fi", "小区停车", "ÀB小区", "àb"]
WORDS = ["小区", "5G基站", "5g基站", "wi-fi", "Wi-Fi", "基站", "àb", "ÀB", "没有", "%", "_"]


def test_counting_in_the_sample_gives_the_databases_contains_counts():
    for i, text in enumerate(TEXTS):
        Committee.objects.create(name=text, short_name=f"c{i}", level="district", code=f"c{i}")
    names = Committee.objects.filter(name__in=TEXTS)
    database = names.aggregate(**{f"w{i}": Count("pk", filter=Q(name__contains=w)) for i, w in enumerate(WORDS)})
    counted = contains_counts(list(names.values_list("name", flat=True)), WORDS, vendor=connection.vendor)
    assert counted == {w: database[f"w{i}"] for i, w in enumerate(WORDS)}
