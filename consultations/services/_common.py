"""Shared by the consultation services: the public pages' cache version and the permission checks."""

from __future__ import annotations

from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from consultations.models import (
    ConsultationSession,
    Outcome,
    Topic,
)
from core.exceptions import NotPermitted
from core.models import User
from core.services import not_an_api_action, on_record_write
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, Platform

PublicRow = Topic | ConsultationSession | Outcome

# --- public page cache ----------------------------------------------------------------------------


@not_an_api_action("reads the public pages' cache version")
def public_cache_version(committee_id: int) -> int:
    version = cache.get_or_set(f"consultations:public:v:{committee_id}", 1, None)
    return int(version) if version is not None else 1


def _bump_public_cache(committee_id: int) -> None:
    """Anything that changes what the public sees makes the cached public pages stale."""
    key = f"consultations:public:v:{committee_id}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, None)


@on_record_write(Topic, ConsultationSession, Outcome)
def _public_rows_edited(*, before: PublicRow | None, after: PublicRow | None) -> None:
    """A row edited as data in the admin (e.g. a session unpublished) leaves no cached public page behind."""
    for committee_id in {row.committee_id for row in (before, after) if row is not None}:
        transaction.on_commit(partial(_bump_public_cache, committee_id))


def _after_public_change(committee_id: int) -> None:
    transaction.on_commit(partial(_bump_public_cache, committee_id))


# --- permission helpers ---------------------------------------------------------------------------


def _require_topic_editor(actor: User, topic_or_session: Topic | ConsultationSession) -> None:
    model = type(topic_or_session)
    if not model.objects.editable_by(actor).filter(pk=topic_or_session.pk).exists():
        raise NotPermitted(_("You may act only on your own groups' and platforms' topics and sessions."))


def _check_convener_target(
    actor: User, committee: Committee, group: ActivityGroup | None, platform: Platform | None
) -> None:
    """A convener proposes or plans only for a group or platform they convene."""
    scope = scope_of(actor)
    if scope.is_staff_of(committee.pk):
        return
    ids = scope.convened_group_ids
    if (group and group.pk in ids) or (platform and platform.host_group_id in ids):
        return
    raise NotPermitted(_("You may act only on your own groups' and platforms' topics and sessions."))
