"""Consultation topics 选题: proposing, ranking, adopting or declining, and linking research activities."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from consultations.models import (
    Topic,
)
from consultations.services._common import _after_public_change, _check_convener_target, _require_topic_editor
from core.exceptions import DomainError, InvalidTransition
from core.services import lock, record_event

# --- topics 选题 -----------------------------------------------------------------------------------


@transaction.atomic
def topic_propose(
    *,
    actor,
    committee,
    title: str,
    reasons: str,
    source: str,
    proposer_kind: str,
    year: int,
    description: str = "",
    group=None,
    platform=None,
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
    record_event(topic, actor=actor, verb="proposed", to_state=topic.state)
    return topic


@transaction.atomic
def topic_rank(*, topic_id: int, rank: int | None, actor) -> Topic:
    """Set a candidate's place on the list (1 = first)."""
    topic = lock(Topic, topic_id)
    _require_topic_editor(actor, topic)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be ranked."))
    old = topic.rank
    topic.rank = rank
    topic.save(update_fields=["rank", "updated_at"])
    record_event(topic, actor=actor, verb="ranked", data={"from": old, "to": rank})
    return topic


@transaction.atomic
def topic_adopt(*, topic_id: int, actor, annual_front_line: bool = False, publish: bool = True) -> Topic:
    """Adopt a candidate topic for consultation (e.g. the group's annual front-line topic)."""
    topic = lock(Topic, topic_id)
    _require_topic_editor(actor, topic)
    if topic.state != Topic.State.CANDIDATE:
        raise InvalidTransition(_("Only a candidate topic can be adopted."))
    topic.state = Topic.State.ADOPTED
    topic.is_annual_front_line = annual_front_line
    topic.is_published = publish
    topic.save(update_fields=["state", "is_annual_front_line", "is_published", "updated_at"])
    record_event(topic, actor=actor, verb="adopted", from_state="candidate", to_state=topic.state)
    _after_public_change(topic.committee_id)
    return topic


@transaction.atomic
def topic_decline(*, topic_id: int, reason: str, actor) -> Topic:
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
    record_event(topic, actor=actor, verb="declined", from_state="candidate", to_state=topic.state, comment=reason)
    return topic


@transaction.atomic
def topic_link_research(*, topic_id: int, activity_id: int, actor, unlink: bool = False) -> Topic:
    """Link an adopted topic to a research activity 调研 done on it (or remove the link)."""
    from groups.models import Activity

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
            topic, actor=actor, verb="research_unlinked", data={"activity": activity.pk}, comment=activity.title
        )
        return topic
    if activity.committee_id != topic.committee_id:
        raise DomainError(_("The activity must belong to the topic's committee."))
    if activity.kind not in RESEARCH_KINDS:
        raise DomainError(_("Only a research or inspection activity can be linked to a topic."))
    if activity.state == Activity.State.CANCELLED:
        raise DomainError(_("A cancelled activity cannot be linked."))
    topic.research_activities.add(activity)
    record_event(topic, actor=actor, verb="research_linked", data={"activity": activity.pk}, comment=activity.title)
    return topic


RESEARCH_KINDS = ("research", "inspection")
