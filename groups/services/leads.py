"""Writes on leads 线索 and an activity's suggestions (``groups.models.leads``).

Staff of the committee, and the conveners of a group, pool messages, contacts and suggestions they can see into a
lead (``lead_create``), or close it with a reason (``lead_close``). Turning a lead into a proposal draft, a report
or a consultation topic is a service of the app that keeps that record (proposals, consultations); each calls
``lead_take_up`` in its transaction to lock the lead, check the actor and mark it taken up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import not_an_api_action, record_event
from groups.access import scope_of
from groups.models import Activity, ActivityGroup, ActivitySuggestion, ConstituentContact, Lead, PublicMessage
from groups.models.contacts import ContactTopic
from groups.verbs import GroupsVerb


def _may_edit_activity(actor: User, activity: Activity) -> bool:
    scope = scope_of(actor)
    return scope.is_staff_of(activity.committee_id) or activity.group_id in scope.convened_group_ids


@transaction.atomic
def suggestion_record(
    *, activity_id: int, actor: User, text: str, category: str = ContactTopic.OTHER
) -> ActivitySuggestion:
    """Record one suggestion gathered at an activity as an item of its own (poolable into a lead)."""
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None or not _may_edit_activity(actor, activity):
        raise NotPermitted(_("Only the group's conveners and the committee's staff record its suggestions."))
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("Enter the suggestion.")
    if category not in ContactTopic.values:
        errors["category"] = _("Choose the kind of matter.")
    if errors:
        raise DomainError(errors)
    item = ActivitySuggestion.objects.create(
        activity=activity, category=category, text=text.strip()[:2000], recorded_by=actor
    )
    record_event(activity, actor=actor, verb=GroupsVerb.SUGGESTION_RECORDED, data={"suggestion": item.pk})
    return item


def _may_manage(actor: User, committee_id: int, group_id: int | None) -> bool:
    scope = scope_of(actor)
    return scope.is_staff_of(committee_id) or (group_id is not None and group_id in scope.convened_group_ids)


def _committee_of(
    group_id: int | None,
    message_ids: Iterable[int | str],
    contact_ids: Iterable[int | str],
    suggestion_ids: Iterable[int | str],
) -> int | None:
    if group_id is not None:
        return ActivityGroup.objects.filter(pk=group_id).values_list("committee_id", flat=True).first()
    for qs in (
        PublicMessage.objects.filter(pk__in=list(message_ids)).values_list("committee_id", flat=True),
        ConstituentContact.objects.filter(pk__in=list(contact_ids)).values_list("committee_id", flat=True),
        ActivitySuggestion.objects.filter(pk__in=list(suggestion_ids)).values_list("activity__committee_id", flat=True),
    ):
        if (found := qs.order_by("pk").first()) is not None:
            return found
    return None


def _ids(values: Iterable[int | str]) -> list[int]:
    return sorted({int(v) for v in values})


@transaction.atomic
def lead_create(
    *,
    actor: User,
    title: str,
    category: str,
    group_id: int | None = None,
    message_ids: Iterable[int | str] = (),
    contact_ids: Iterable[int | str] = (),
    suggestion_ids: Iterable[int | str] = (),
    committee_id: int | None = None,
) -> Lead:
    """Pool messages, contacts and suggestions the actor can see into a lead 线索 of their committee or group (the
    committee: the one given, else the group's, else the first item's)."""
    if committee_id is None:
        committee_id = _committee_of(group_id, message_ids, contact_ids, suggestion_ids)
    if committee_id is None:
        raise DomainError({"items": _("Choose at least one message, contact or suggestion.")})
    if group_id is not None and not ActivityGroup.objects.filter(pk=group_id, committee_id=committee_id).exists():
        raise DomainError({"group": _("The group must belong to the same committee.")})
    if not _may_manage(actor, committee_id, group_id):
        raise NotPermitted(_("Only the committee's staff and the group's conveners keep its leads."))
    message_ids, contact_ids, suggestion_ids = _ids(message_ids), _ids(contact_ids), _ids(suggestion_ids)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter the title.")
    if category not in ContactTopic.values:
        errors["category"] = _("Choose the kind of matter.")
    if not (message_ids or contact_ids or suggestion_ids):
        errors["items"] = _("Choose at least one message, contact or suggestion.")
    messages = PublicMessage.objects.visible_to(actor).filter(pk__in=message_ids, committee_id=committee_id)
    contacts = ConstituentContact.objects.visible_to(actor).filter(pk__in=contact_ids, committee_id=committee_id)
    suggestions = ActivitySuggestion.objects.visible_to(actor).filter(
        pk__in=suggestion_ids, activity__committee_id=committee_id
    )
    found = (
        sorted(messages.values_list("pk", flat=True)),
        sorted(contacts.values_list("pk", flat=True)),
        sorted(suggestions.values_list("pk", flat=True)),
    )
    if found != (message_ids, contact_ids, suggestion_ids):
        errors["items"] = _("Some of the chosen items are not of this committee or not yours to see.")
    if messages.filter(state=PublicMessage.State.DISCARDED).exists():
        errors["items"] = _("A message set aside cannot be pooled.")
    if errors:
        raise DomainError(errors)
    lead = Lead.objects.create(
        committee_id=committee_id, group_id=group_id, title=title.strip(), category=category, created_by=actor
    )
    lead.messages.set(message_ids)
    lead.contacts.set(contact_ids)
    lead.suggestions.set(suggestion_ids)
    record_event(
        lead,
        actor=actor,
        verb=GroupsVerb.CREATED,
        to_state=lead.state,
        data={"messages": message_ids, "contacts": contact_ids, "suggestions": suggestion_ids},
    )
    return lead


def _locked(lead_id: int, actor: User) -> Lead:
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None or not _may_manage(actor, lead.committee_id, lead.group_id):
        raise NotPermitted(_("Only the committee's staff and the group's conveners keep its leads."))
    return lead


@transaction.atomic
def lead_close(*, lead_id: int, actor: User, reason: str) -> Lead:
    """Close an open lead without action, saying why."""
    lead = _locked(lead_id, actor)
    if lead.state != Lead.State.OPEN:
        raise InvalidTransition(_("Only an open lead can be closed."))
    if not (reason or "").strip():
        raise DomainError({"reason": _("Say why the lead is closed.")})
    before = lead.state
    lead.state, lead.close_reason = Lead.State.CLOSED, reason.strip()[:200]
    lead.save(update_fields=["state", "close_reason", "updated_at"])
    record_event(
        lead, actor=actor, verb=GroupsVerb.CLOSED, from_state=before, to_state=lead.state, comment=lead.close_reason
    )
    return lead


_BECAME = {"proposal": GroupsVerb.BECAME_PROPOSAL, "report": GroupsVerb.BECAME_REPORT, "topic": GroupsVerb.BECAME_TOPIC}


@not_an_api_action("a step of the conversions (proposal, report, topic from a lead), inside their transaction")
def lead_take_up(*, lead_id: int, actor: User, what: str, taken: QuerySet[Any]) -> Lead:
    """Lock the lead for a conversion, check the actor and its state (``taken``: the records of this kind already
    drawn from it, read under the lock), and mark it taken up (audited)."""
    lead = _locked(lead_id, actor)
    if lead.state == Lead.State.CLOSED:
        raise InvalidTransition(_("A closed lead cannot be taken up."))
    if taken.exists():
        raise InvalidTransition(_("This lead has already become one of these."))
    before = lead.state
    lead.state = Lead.State.CONVERTED
    lead.save(update_fields=["state", "updated_at"])
    record_event(lead, actor=actor, verb=_BECAME[what], from_state=before, to_state=lead.state)
    return lead


@not_an_api_action("a read: the messages, contacts and suggestions the lead form offers; lead_create checks them")
def lead_choices(actor: User, limit: int = 60) -> dict:
    """Recent open items the actor may pool, newest first, each list capped (a phone page)."""
    return {
        "messages": list(
            PublicMessage.objects.visible_to(actor)
            .exclude(state=PublicMessage.State.DISCARDED)
            .select_related("committee", "group", "platform", "contact_point")
            .order_by("-created_at", "-id")[:limit]
        ),
        "contacts": list(
            ConstituentContact.objects.visible_to(actor)
            .select_related("member", "contact_point")
            .order_by("-contacted_on", "-id")[:limit]
        ),
        "suggestions": list(
            ActivitySuggestion.objects.visible_to(actor).select_related("activity").order_by("-id")[:limit]
        ),
    }
