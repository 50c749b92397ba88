"""Pinyin initials of names and titles, for the staff search: 张三丰 -> ``zsf``, 重庆 -> ``cq``.

Stored in an indexed ``initials`` column (``InitialsMixin``) and kept up to date on save and on bulk inserts
(``InitialsQuerySet.bulk_create``), so a search reads a column instead of converting every row per request.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.db import models
from django.db.models import Q
from pypinyin import Style, lazy_pinyin

_KEEP = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=65536)
def initials(text: str, max_length: int = 200) -> str:
    """The first letter of each Chinese character's pinyin (the most likely reading of its phrase), with
    Latin letters and digits kept in lower case; everything else dropped. ``张三丰`` -> ``zsf``.

    Cached: names and titles repeat (a bulk import or the demo volume writes the same titles many times),
    and converting is the costly part of writing a row."""
    if not text:
        return ""
    letters = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default", strict=False))
    return _KEEP.sub("", letters.lower())[:max_length]


def initials_query(text: str) -> str:
    """What a typed query means as initials: ``ZSF`` and ``z s f`` -> ``zsf``; empty unless it is Latin letters
    (a query in Chinese or a number is matched on the name itself, not on the initials)."""
    text = text.strip().lower().replace(" ", "")
    return text if text and text.isascii() and text.isalpha() else ""


def text_or_initials(text: str, field: str = "name", via: str = "") -> Q:
    """Rows whose ``field`` contains ``text``, or, when ``text`` is typed as initials, whose initials start with it
    (``zsf`` finds 张三丰); ``via``: the path to the model with the initials (``member__``)."""
    match = Q(**{f"{via}{field}__icontains": text})
    letters = initials_query(text)
    return match | Q(**{f"{via}initials__startswith": letters}) if letters else match


class InitialsQuerySet(models.QuerySet):
    """Bulk inserts (demo data, imports) fill the initials too: ``bulk_create`` calls no ``save()``."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            if isinstance(obj, InitialsMixin):
                obj.fill_initials()
        return super().bulk_create(objs, *args, **kwargs)


class InitialsMixin(models.Model):
    """A model whose ``INITIALS_FROM`` field is searched by pinyin initials (``initials`` column)."""

    INITIALS_FROM = "name"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fill_initials()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.INITIALS_FROM in update_fields and "initials" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "initials"]
        super().save(*args, **kwargs)

    def fill_initials(self) -> None:
        field = self._meta.get_field("initials")
        self.initials = initials(getattr(self, self.INITIALS_FROM) or "", field.max_length)
