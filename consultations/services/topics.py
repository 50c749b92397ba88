"""Consultation topics 选题: proposing, ranking, adopting or declining, and linking research activities."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.events import HeardTakenUp
from activities.models import PublicMessage
from activities.services.leads import lead_take_up
from activities.verbs import ActivitiesVerb
from consultations.models import (
    Topic,
)
from consultations.services._common import _after_public_change, _check_convener_target, _require_topic_editor
from consultations.verbs import ConsultationVerb
from core.events import actor_id, publish
from core.exceptions import DomainError, InvalidTransition, NotPermitted
from core.models import User
from core.services import lock, record_event
from groups.access import scope_of
from groups.models import ActivityGroup, Committee, ConstituentContact, Platform
from groups.verbs import GroupsVerb
from proposals.services.heard import lead_text

# --- topics 选题 -----------------------------------------------------------------------------------


@transaction.atomic
def topic_propose(
    *,
    actor: User,
    committee: Committee,
    title: str,
    reasons: str,
    source: str,
    proposer_kind: str,
    year: int,
    description: str = "",
    group: ActivityGroup | None = None,
    platform: Platform | None = None,
    resident_name: str = "",
    resident_contact: str = "",
) -> Topic:
    """Put a topic on the candidate list of a committee, platform or group."""
    _check_convener_target(actor, committee, group, platform)
    for obj in (group, platform):
        if obj is not None and obj.committee_id != committee.pk:
            raise DomainError(_("The group and platform must belong to the same committee."))
    if proposer_kind != Topic.ProposerKind.RESIDENT and (resident_name or resident_contact):
        raise DomainError(_("A resident's name and contact are recorded only for topics proposed by residents."))
    topic = Topic.objects.create(
        committee=committee,
        title=title.strip(),
        reasons=reasons,
        source=source,
        proposer_kind=proposer_kind,
        year=year,
        description=description,
        group=group,
        platform=platform,
        resident_name=resident_name,
        resident_contact=resident_contact,
        proposed_by=actor,
    )
    record_event(topic, actor=actor, verb=ConsultationVerb.PROPOSED, to_state=topic.state)
    return topic


@transaction.atomic
def topic_rank(*, topic_id: int, rank: int | None, actor: User) -> Topic:
    """Set a candidate's place on the list (1 = first)."""
    topic = lock(Topic, topic_id)
    _require_topic_editor(actor, topic)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be ranked."))
    old = topic.rank
    topic.rank = rank
    topic.save(update_fields=["rank", "updated_at"])
    record_event(topic, actor=actor, verb=ConsultationVerb.RANKED, data={"from": old, "to": rank})
    return topic


@transaction.atomic
def topic_adopt(*, topic_id: int, actor: User, annual_front_line: bool = False, publish: bool = True) -> Topic:
    """Adopt a candidate topic for consultation (e.g. the group's annual front-line topic)."""
    topic = lock(Topic, topic_id)
    _require_topic_editor(actor, topic)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be adopted."))
    topic.state = Topic.State.ADOPTED
    topic.is_annual_front_line = annual_front_line
    topic.is_published = publish
    topic.save(update_fields=["state", "is_annual_front_line", "is_published", "updated_at"])
    record_event(topic, actor=actor, verb=ConsultationVerb.ADOPTED, from_state="candidate", to_state=topic.state)
    _after_public_change(topic.committee_id)
    return topic


@transaction.atomic
def topic_decline(*, topic_id: int, reason: str, actor: User) -> Topic:
    """Decline a candidate topic, saying why."""
    topic = lock(Topic, topic_id)
    _require_topic_editor(actor, topic)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be declined."))
    if not reason.strip():
        raise DomainError(_("Give a reason for declining."))
    topic.state = Topic.State.DECLINED
    topic.decline_reason = reason.strip()
    topic.save(update_fields=["state", "decline_reason", "updated_at"])
    record_event(
        topic, actor=actor, verb=ConsultationVerb.DECLINED, from_state="candidate", to_state=topic.state, comment=reason
    )
    return topic


@transaction.atomic
def topic_link_research(*, topic_id: int, activity_id: int, actor: User, unlink: bool = False) -> Topic:
    """Link an adopted topic to a research activity 调研 done on it (or remove the link)."""
    from activities.models import Activity

    topic = lock(Topic, topic_id)
    _require_topic_editor(actor, topic)
    if topic.state != Topic.State.ADOPTED:
        raise InvalidTransition(_("Only an adopted topic has research activities."))
    activity = Activity.objects.visible_to(actor).filter(pk=activity_id).first()
    if activity is None:
        raise DomainError(_("This activity does not exist or is not yours to link."))
    if unlink:
        topic.research_activities.remove(activity)
        record_event(
            topic,
            actor=actor,
            verb=ConsultationVerb.RESEARCH_UNLINKED,
            data={"activity": activity.pk},
            comment=activity.title,
        )
        return topic
    if activity.committee_id != topic.committee_id:
        raise DomainError(_("The activity must belong to the topic's committee."))
    if activity.kind not in RESEARCH_KINDS:
        raise DomainError(_("Only a research or inspection activity can be linked to a topic."))
    if activity.state == Activity.State.CANCELLED:
        raise DomainError(_("A cancelled activity cannot be linked."))
    topic.research_activities.add(activity)
    record_event(
        topic,
        actor=actor,
        verb=ConsultationVerb.RESEARCH_LINKED,
        data={"activity": activity.pk},
        comment=activity.title,
    )
    return topic


RESEARCH_KINDS = ("research", "inspection")

# committee, group, platform, title, text, the links to write on the topic, the id of the user who pooled the lead
HeardSource = tuple[Committee, ActivityGroup | None, Platform | None, str, str, dict[str, Any], int | None]


# --- from what was heard 群众呼声列入协商选题 ---------------------------------------------------------------


def _heard_source(actor: User, lead_id: int | None, message_id: int | None, contact_id: int | None) -> HeardSource:
    """The committee, group, platform, title, text and links of the lead, message or contact (locked)."""
    if lead_id is not None:
        lead = lead_take_up(
            lead_id=lead_id,
            actor=actor,
            verb=ActivitiesVerb.BECAME_TOPIC,
            taken=Topic.objects.filter(source_lead_id=lead_id),
        )
        return lead.committee, lead.group, None, lead.title, lead_text(lead), {"source_lead": lead}, lead.created_by_id
    if message_id is not None:
        message = (
            PublicMessage.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("committee", "group", "platform", "contact_point", "routed_group")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            raise NotPermitted(_("You may act only on your own groups' and platforms' topics and sessions."))
        if message.state == PublicMessage.State.DISCARDED:
            raise InvalidTransition(_("A message set aside cannot become a topic."))
        if Topic.objects.filter(source_message_id=message.pk).exists():
            raise InvalidTransition(_("This message is already on the list of consultation topics."))
        on = timezone.localdate(message.created_at)
        text = f"群众反映（{message.place.name}，{on:%Y-%m-%d}）：{message.text}"
        title = " ".join(message.text.split())[:30]
        group = message.routed_group or message.group or (message.platform.host_group if message.platform else None)
        links = {"source_message": message, "source_contact_id": message.contact_id}
        return message.committee, group, message.platform, title, text, links, None
    if contact_id is None:
        raise DomainError(_("Choose one lead, message or contact."))
    contact = (
        ConstituentContact.objects.select_for_update(of=("self",))
        .select_related("committee", "contact_point")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None or not scope_of(actor).is_staff_of(contact.committee_id):
        raise NotPermitted(_("Only the committee's staff put a single contact on the list of topics."))
    if Topic.objects.filter(source_contact_id=contact.pk).exists():
        raise InvalidTransition(_("This contact is already on the list of consultation topics."))
    text = f"群众反映（{contact.where}，{contact.contacted_on:%Y-%m-%d}）：{contact.raised}"
    return contact.committee, None, None, " ".join(contact.raised.split())[:30], text, {"source_contact": contact}, None


@transaction.atomic
def topic_from_heard(
    *,
    actor: User,
    lead_id: int | None = None,
    message_id: int | None = None,
    contact_id: int | None = None,
    year: int | None = None,
) -> Topic:
    """Put a lead, a resident's message or a contact on the candidate list of consultation topics 列入协商选题,
    linked both ways (the resident's tracking page shows it and whether it was adopted)."""
    if [lead_id, message_id, contact_id].count(None) != 2:
        raise DomainError(_("Choose one lead, message or contact."))
    committee, group, platform, title, text, links, creator_id = _heard_source(actor, lead_id, message_id, contact_id)
    _check_convener_target(actor, committee, group, platform)
    scope = scope_of(actor)
    topic = Topic.objects.create(
        committee=committee,
        group=group,
        platform=platform,
        title=title.strip()[:200],
        reasons=text,
        source=Topic.Source.PUBLIC,
        proposer_kind=Topic.ProposerKind.STAFF if scope.is_staff_of(committee.pk) else Topic.ProposerKind.CONVENER,
        year=year or timezone.localdate().year,
        proposed_by=actor,
        **links,
    )
    record_event(
        topic,
        actor=actor,
        verb=ConsultationVerb.PROPOSED,
        to_state=topic.state,
        data={k: getattr(v, "pk", v) for k, v in links.items()},
    )
    for source in ("source_message", "source_contact"):
        if source in links:
            verb = ActivitiesVerb.TOPIC_PROPOSED if source == "source_message" else GroupsVerb.TOPIC_PROPOSED
            record_event(links[source], actor=actor, verb=verb, data={"topic": topic.pk})
    publish(
        HeardTakenUp(
            what="topic",
            title=topic.title,
            url=reverse("consultations:topics") + f"?year={topic.year}",
            user_ids=(creator_id,) if creator_id else (),
            actor_id=actor_id(actor),
        )
    )
    return topic
