"""Writes on leads 线索 and an activity's suggestions (``activities.models.leads``).

Staff of the committee, and the conveners of a group, pool messages, contacts and suggestions they can see into a
lead (``lead_create``), add items to an open lead or take one out (``lead_add_items``, ``lead_remove_item``), or
close it with a reason (``lead_close``); ``poolable`` is what they may pool (of the committees whose leads they keep). Turning a lead into a proposal draft, a report
or a consultation topic is a service of the app that keeps that record (proposals, consultations); each calls
``lead_take_up`` in its transaction to lock the lead, check the actor and mark it taken up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from activities.models import Activity, ActivitySuggestion, Lead, PublicMessage
from activities.verbs import ActivitiesVerb
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import not_an_api_action, record_event
from groups.access import scope_of
from groups.models import ActivityGroup, ConstituentContact
from groups.models.contacts import ContactTopic


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
    record_event(activity, actor=actor, verb=ActivitiesVerb.SUGGESTION_RECORDED, data={"suggestion": item.pk})
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


def _keeper_committee_ids(actor: User) -> frozenset[int]:
    """The committees whose leads the actor keeps: where they are staff, and the committees of the groups they
    convene (a leader's committees are read, not pooled from)."""
    scope = scope_of(actor)
    own = set(ActivityGroup.objects.filter(pk__in=scope.convened_group_ids).values_list("committee_id", flat=True))
    return scope.staff_committee_ids | frozenset(own)


@not_an_api_action("a read: what the actor may pool into a lead; the lead services check every item against it")
def poolable(actor: User, committee_id: int | None = None) -> dict[str, QuerySet[Any]]:
    """The messages (not set aside), contacts and activity suggestions the actor may pool: those they see, of the
    committees whose leads they keep (``committee_id``: of that one only). Suggestions: of an activity of a
    committee they are staff of, or of a group they convene."""
    scope = scope_of(actor)
    committees = _keeper_committee_ids(actor)
    if committee_id is not None:
        committees = committees & {committee_id} if not scope.is_superuser else frozenset({committee_id})
    messages = PublicMessage.objects.visible_to(actor).exclude(state=PublicMessage.State.DISCARDED)
    contacts = ConstituentContact.objects.visible_to(actor)
    suggestions = ActivitySuggestion.objects.all()
    if not scope.is_superuser or committee_id is not None:
        messages = messages.filter(committee_id__in=committees)
        contacts = contacts.filter(committee_id__in=committees)
        suggestions = suggestions.filter(activity__committee_id__in=committees)
    if not scope.is_superuser:
        suggestions = suggestions.filter(
            Q(activity__committee_id__in=scope.staff_committee_ids) | Q(activity__group_id__in=scope.convened_group_ids)
        )
    return {"messages": messages, "contacts": contacts, "suggestions": suggestions}


def _items_problem(
    actor: User,
    committee_id: int,
    message_ids: list[int],
    contact_ids: list[int],
    suggestion_ids: list[int],
) -> str:
    """Why these items cannot be pooled into a lead of ``committee_id`` by the actor ("" when they can)."""
    items = poolable(actor, committee_id)
    found = (
        sorted(items["messages"].filter(pk__in=message_ids).values_list("pk", flat=True)),
        sorted(items["contacts"].filter(pk__in=contact_ids).values_list("pk", flat=True)),
        sorted(items["suggestions"].filter(pk__in=suggestion_ids).values_list("pk", flat=True)),
    )
    if found != (list(message_ids), list(contact_ids), list(suggestion_ids)):
        if PublicMessage.objects.filter(pk__in=message_ids, state=PublicMessage.State.DISCARDED).exists():
            return _("A message set aside cannot be pooled.")
        return _("Some of the chosen items are not of this committee or not yours to see.")
    return ""


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
    elif problem := _items_problem(actor, committee_id, message_ids, contact_ids, suggestion_ids):
        errors["items"] = problem
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
        verb=ActivitiesVerb.CREATED,
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
        lead, actor=actor, verb=ActivitiesVerb.CLOSED, from_state=before, to_state=lead.state, comment=lead.close_reason
    )
    return lead


@transaction.atomic
def lead_set_group(*, lead_id: int, actor: User, group_id: int | None) -> Lead:
    """Hand a lead to another group of its committee to follow (its conveners keep it), or to the secretariat
    (``None``). The committee's staff only; a group of another committee is refused."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None or not scope_of(actor).is_staff_of(lead.committee_id):
        raise NotPermitted(_("Only the committee's staff hand a lead to another group."))
    if group_id is not None and not ActivityGroup.objects.filter(pk=group_id, committee_id=lead.committee_id).exists():
        raise DomainError({"group": [_("The group must belong to the lead's committee.")]})
    before = lead.group_id
    if before == group_id:
        return lead
    lead.group_id = group_id
    lead.save(update_fields=["group", "updated_at"])
    record_event(lead, actor=actor, verb=ActivitiesVerb.GROUP_CHANGED, data={"from": before, "to": group_id})
    return lead


ITEM_KINDS = {"message": "messages", "contact": "contacts", "suggestion": "suggestions"}


def _locked_open(lead_id: int, actor: User) -> Lead:
    lead = _locked(lead_id, actor)
    if lead.state != Lead.State.OPEN:
        raise InvalidTransition(_("The lead is closed or taken up: its items can no longer change."))
    return lead


@transaction.atomic
def lead_add_items(
    *,
    lead_id: int,
    actor: User,
    message_ids: Iterable[int | str] = (),
    contact_ids: Iterable[int | str] = (),
    suggestion_ids: Iterable[int | str] = (),
) -> Lead:
    """Pool more messages, contacts or suggestions into an open lead (items already in it are skipped)."""
    lead = _locked_open(lead_id, actor)
    message_ids, contact_ids, suggestion_ids = _ids(message_ids), _ids(contact_ids), _ids(suggestion_ids)
    if not (message_ids or contact_ids or suggestion_ids):
        raise DomainError({"items": _("Choose at least one message, contact or suggestion.")})
    if problem := _items_problem(actor, lead.committee_id, message_ids, contact_ids, suggestion_ids):
        raise DomainError({"items": problem})
    added = {
        "messages": sorted(set(message_ids) - set(lead.messages.values_list("pk", flat=True))),
        "contacts": sorted(set(contact_ids) - set(lead.contacts.values_list("pk", flat=True))),
        "suggestions": sorted(set(suggestion_ids) - set(lead.suggestions.values_list("pk", flat=True))),
    }
    if not any(added.values()):
        raise DomainError({"items": _("These items are already in the lead.")})
    for field, ids in added.items():
        getattr(lead, field).add(*ids)
    lead.save(update_fields=["updated_at"])
    record_event(lead, actor=actor, verb=ActivitiesVerb.ITEMS_ADDED, data=added)
    return lead


@transaction.atomic
def lead_remove_item(*, lead_id: int, actor: User, kind: str, item_id: int) -> Lead:
    """Take one message, contact or suggestion out of an open lead (the item itself stays); a lead keeps one."""
    lead = _locked_open(lead_id, actor)
    if kind not in ITEM_KINDS:
        raise DomainError({"items": _("Choose a message, contact or suggestion.")})
    related = getattr(lead, ITEM_KINDS[kind])
    if not related.filter(pk=item_id).exists():
        raise DomainError({"items": _("This item is not in the lead.")})
    if lead.messages.count() + lead.contacts.count() + lead.suggestions.count() <= 1:
        raise DomainError({"items": _("A lead keeps at least one item: close it instead.")})
    related.remove(item_id)
    lead.save(update_fields=["updated_at"])
    record_event(lead, actor=actor, verb=ActivitiesVerb.ITEM_REMOVED, data={ITEM_KINDS[kind]: [item_id]})
    return lead


# The conversions of a lead, each audited under its own verb (passed by the proposals and consultations services).
TAKE_UP_VERBS = frozenset({ActivitiesVerb.BECAME_PROPOSAL, ActivitiesVerb.BECAME_REPORT, ActivitiesVerb.BECAME_TOPIC})


@not_an_api_action("a step of the conversions (proposal, report, topic from a lead), inside their transaction")
def lead_take_up(*, lead_id: int, actor: User, verb: ActivitiesVerb, taken: QuerySet[Any]) -> Lead:
    """Lock the lead for a conversion, check the actor and its state (``taken``: the records of this kind already
    drawn from it, read under the lock), and mark it taken up, audited under ``verb`` (one of ``TAKE_UP_VERBS``:
    each caller names its own, so the audit-verb guard reads it)."""
    if verb not in TAKE_UP_VERBS:
        raise ValueError(f"{verb!r} is not a conversion of a lead")
    lead = _locked(lead_id, actor)
    if lead.state == Lead.State.CLOSED:
        raise InvalidTransition(_("A closed lead cannot be taken up."))
    if taken.exists():
        raise InvalidTransition(_("This lead has already become one of these."))
    before = lead.state
    lead.state = Lead.State.CONVERTED
    lead.save(update_fields=["state", "updated_at"])
    record_event(lead, actor=actor, verb=verb, from_state=before, to_state=lead.state)
    return lead


@not_an_api_action("a read: the messages, contacts and suggestions the lead forms offer; the services check them")
def lead_choices(actor: User, limit: int = 60, lead: Lead | None = None) -> dict[str, Any]:
    """Recent items the actor may pool (``poolable``; for ``lead``: of its committee, not in it yet), newest first,
    each list capped (a phone page)."""
    items = poolable(actor, lead.committee_id if lead is not None else None)
    messages, contacts, suggestions = items["messages"], items["contacts"], items["suggestions"]
    if lead is not None:
        messages = messages.exclude(leads=lead)
        contacts = contacts.exclude(leads=lead)
        suggestions = suggestions.exclude(leads=lead)
    return {
        "messages": list(
            messages.select_related("committee", "group", "platform", "contact_point").order_by("-created_at", "-id")[
                :limit
            ]
        ),
        "contacts": list(contacts.select_related("member", "contact_point").order_by("-contacted_on", "-id")[:limit]),
        "suggestions": list(suggestions.select_related("activity").order_by("-id")[:limit]),
    }
