"""The searched picker's source of proposals (``core.pickers``): the submitted proposals the user reads, found by
title or by number (``58``, ``2026-58``), newest first."""

from __future__ import annotations

import re

from django.db.models import Q

from core.pickers import committee_filter, register
from proposals.models import Proposal


def _proposals(user, params):
    qs = (
        Proposal.objects.visible_to(user)
        .exclude(state=Proposal.State.DRAFT)
        .only("pk", "title", "year", "serial_number")
    )
    return committee_filter(qs, params)


def _search(qs, q: str):
    match = Q(title__icontains=q)
    number = re.fullmatch(r"(?:(\d{4})\D+)?(\d{1,6})", q)
    if number:
        year, serial = number.groups()
        match |= Q(serial_number=int(serial), **({"year": int(year)} if year else {}))
    return qs.filter(match).order_by("-year", "-serial_number", "-id")


register("proposals", _proposals, _search, label=lambda p: f"{p.number_with_year} {p.title}".strip())
