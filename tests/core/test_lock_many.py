"""``core.services.lock_many``: the one batch lock. Rows come (and are locked) in one stable order, whatever order
the keys were given in, so two batches sharing rows wait for each other instead of deadlocking; a key with no
row refuses the batch unless the caller takes what is there."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.exceptions import DomainError
from core.models import User
from core.services import lock_many
from groups.models import Member
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return [UserFactory() for _ in range(4)]


def test_rows_come_in_primary_key_order_whatever_order_the_keys_were_given_in(users):
    keys = [users[2].pk, users[0].pk, users[3].pk, users[1].pk]
    with transaction.atomic():
        rows = lock_many(User, keys)
    assert [u.pk for u in rows] == sorted(keys)


def test_another_stable_order_can_be_asked_for(users):
    with transaction.atomic():
        rows = lock_many(User, [u.pk for u in users], order_by=("-pk",))
    assert [u.pk for u in rows] == sorted((u.pk for u in users), reverse=True)


def test_repeated_and_empty_keys_give_each_row_once(users):
    with transaction.atomic():
        rows = lock_many(User, [users[1].pk, None, users[1].pk, users[0].pk])
    assert [u.pk for u in rows] == sorted([users[0].pk, users[1].pk])


def test_no_keys_lock_nothing_and_ask_nothing(users, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert lock_many(User, []) == []
        assert lock_many(User, [None]) == []


def test_a_missing_row_refuses_the_batch(users):
    gone = users[3].pk
    users[3].delete()
    with translation.override("en"), pytest.raises(DomainError, match="A selected user does not exist"):
        lock_many(User, [users[0].pk, gone])
    with translation.override("zh-hans"), pytest.raises(DomainError, match="所选的用户不存在"):
        lock_many(User, [users[0].pk, gone])
    refusal = DomainError({"users": "Choose existing users."})
    with pytest.raises(DomainError) as caught:
        lock_many(User, [gone], missing=refusal)
    assert caught.value is refusal


def test_partial_takes_the_rows_that_are_there(users):
    gone = users[3].pk
    users[3].delete()
    with transaction.atomic():
        rows = lock_many(User, [gone, users[1].pk], partial=True)
    assert [u.pk for u in rows] == [users[1].pk]


def test_a_narrowed_queryset_counts_a_row_outside_it_as_missing(users):
    users[0].is_active = False
    users[0].save()
    active = User.objects.filter(is_active=True)
    with pytest.raises(DomainError):
        lock_many(active, [users[0].pk, users[1].pk])
    with transaction.atomic():
        assert [u.pk for u in lock_many(active, [users[0].pk, users[1].pk], partial=True)] == [users[1].pk]


def test_one_ordered_query_locking_only_the_models_own_rows(users):
    """PostgreSQL: ``SELECT … ORDER BY pk FOR UPDATE OF`` the model's table, so a ``select_related`` of a nullable
    relation (an outer join) is read but not locked. SQLite has no row locks (its IMMEDIATE transactions
    serialise writers): the same query without ``FOR UPDATE``."""
    members = [MemberFactory(user=None), MemberFactory(user=users[0])]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = lock_many(Member.objects.select_related("user"), [m.pk for m in members])
    assert [m.user for m in rows] == [None, users[0]]
    (sql,) = [q["sql"] for q in queries.captured_queries if "SELECT" in q["sql"]]
    assert "LEFT OUTER JOIN" in sql and "ORDER BY" in sql
    if connection.vendor == "postgresql":
        assert 'FOR UPDATE OF "groups_member"' in sql
    else:
        assert connection.vendor == "sqlite"
        assert "FOR UPDATE" not in sql
