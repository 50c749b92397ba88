"""Relation fields of the API: an id a user posts names only a row they may reach."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key relation whose choices are the rows the requesting user reaches: the model's own
    ``visible_to(user)`` (or ``scope="administered_by"`` for what only the staff of a committee may pick).

    Every writable relation of every serializer is one of these (``tests/test_api_scope.py`` walks them): an id
    of another committee's row is "does not exist", a 400, exactly like an id that does not exist at all.
    Without a request there is no user, so nothing is a valid choice.
    """

    def __init__(self, *, scope: str = "visible_to", **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        narrow = getattr(queryset, self.scope, None)
        if narrow is None:
            raise ImproperlyConfigured(f"{queryset.model.__name__} has no queryset method {self.scope}(user)")
        return narrow(user)


class ScopedModelSerializer(serializers.ModelSerializer):
    """A model serializer whose generated relation fields are scoped (``ScopedPrimaryKeyRelatedField``)."""

    serializer_related_field = ScopedPrimaryKeyRelatedField


class PrefetchedManyRelatedField(serializers.ManyRelatedField):
    """A to-many relation that reads the list a ``Prefetch(<field>, to_attr="<field>_list")`` left on the row,
    when there is one, instead of a related manager per row (a page of 100 rows: 100 managers and querysets)."""

    def get_attribute(self, instance):
        rows = getattr(instance, f"{self.source}_list", None)
        return super().get_attribute(instance) if rows is None else rows


class PrefetchedScopedPrimaryKeyRelatedField(ScopedPrimaryKeyRelatedField):
    """``ScopedPrimaryKeyRelatedField`` whose ``many=True`` form is a ``PrefetchedManyRelatedField``."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        field = super().many_init(*args, **kwargs)
        field.__class__ = PrefetchedManyRelatedField  # same fields and state; only get_attribute differs
        return field
