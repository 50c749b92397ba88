"""Demo data of the members' mailbox 委员信箱 and of supervision (issue 20): residents' messages at the demo group's
contact points in every state (received, passed on, answered and rated each way, answered not yet rated, set aside),
and a supervision group stationed at a unit with its visits, two inspections and the group's last half-year report.
Everything dated in the past and within this year or the last one."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from django.utils import timezone

from activities.models import MessageRating, PublicMessage, Satisfaction
from activities.models.mailbox import MessageTarget
from groups.models import (
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Inspection,
    SupervisionGroup,
    SupervisionVisit,
    WorkReport,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
S = PublicMessage.State
# (state, rating, category, text, answer)
MESSAGES = [
    (S.NEW, "", "livelihood", "小区门口路灯坏了一个多月，晚上出行不安全。", ""),
    (S.ROUTED, "", "governance", "楼道堆放杂物多，物业劝说无效，希望委员帮忙协调。", ""),
    (
        S.ANSWERED,
        Satisfaction.SATISFIED,
        "livelihood",
        "希望社区助餐点周末也能开放。",
        "已与街道沟通，下月起周末开放。",
    ),
    (
        S.ANSWERED,
        Satisfaction.BASIC,
        "education_health",
        "学校放学时段周边交通拥堵。",
        "已向交警部门反映，将增派协管员。",
    ),
    (S.ANSWERED, Satisfaction.UNSATISFIED, "economy", "菜市场改造后摊位费上涨过快。", "已转市场监管部门了解情况。"),
    (S.ANSWERED, "", "livelihood", "老旧小区加装电梯申请流程不清楚。", "委员已上门讲解申请流程。"),
    (S.DISCARDED, "", "other", "广告推广信息", ""),
]


def _code(rng) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(10))


def seed(ctx) -> None:
    """Messages in each state and supervision records for the demo group's committee (a handful of rows)."""
    group, member = ctx.data.get("demo_group"), ctx.data.get("demo_member")
    if group is None:
        return
    rng, now = random.Random(ctx.members_total + 20), timezone.now()  # its own: the other loaders draw as before
    _messages(rng, group, member, now)
    _supervision(rng, group, now)


def _messages(rng, group, member, now) -> None:
    point = ContactPoint.objects.filter(groups=group).order_by("pk").first()
    key = hashlib.sha256(b"demo").hexdigest()
    rows, received_at = [], []
    for i, (state, _rating, category, text, answer) in enumerate(MESSAGES):
        received = now - timedelta(days=40 - 5 * i, hours=rng.randrange(1, 8))
        routed = state in (S.ROUTED, S.ANSWERED)
        received_at.append(received)
        rows.append(
            PublicMessage(
                committee_id=group.committee_id,
                target=MessageTarget.CONTACT_POINT if point else MessageTarget.GROUP,
                contact_point=point,
                group=None if point else group,
                category=category,
                text=text,
                tracking_code=_code(rng),
                client_key=key,
                state=state,
                answer_due=received.date() + timedelta(days=15),
                routed_member=member if routed else None,
                routed_at=received + timedelta(days=1) if routed else None,
                answer=answer,
                answered_at=received + timedelta(days=3) if state == S.ANSWERED else None,
                discard_reason="广告信息，不予受理" if state == S.DISCARDED else "",
            )
        )
    created = PublicMessage.objects.bulk_create(rows)
    for message, received in zip(created, received_at, strict=True):
        message.created_at = received
    PublicMessage.objects.bulk_update(created, ["created_at"])
    ratings = [
        MessageRating(
            message=m,
            rating=spec[1],
            comment="" if spec[1] != Satisfaction.UNSATISFIED else "涨价问题没有解决",
            client_key=key,
        )
        for m, spec in zip(created, MESSAGES, strict=True)
        if spec[1]
    ]
    done = MessageRating.objects.bulk_create(ratings)
    for r in done:
        r.created_at = r.message.answered_at + timedelta(days=1)
    MessageRating.objects.bulk_update(done, ["created_at"])


def _supervision(rng, group, now) -> None:
    today = timezone.localdate(now)
    unit = HandlingUnit.objects.filter(committee_id=group.committee_id).order_by("pk").first()
    members = list(GroupMembership.objects.active().filter(group=group).values_list("member_id", flat=True)[:3])
    if unit is None or not members:
        return
    start = today.replace(month=1, day=1) if today.month > 1 else today.replace(year=today.year - 1, month=1, day=1)
    sup = SupervisionGroup.objects.create(
        committee_id=group.committee_id,
        name=f"{unit.name}民主监督小组",
        unit=unit,
        focus="重点民生项目推进和群众反映强烈问题的办理",
        starts_on=start,
        leader_id=members[0],
    )
    sup.members.set(members)
    for days, answered in ((30, True), (6, False)):
        visit = SupervisionVisit.objects.create(
            group=sup,
            visited_on=max(start, today - timedelta(days=days)),
            findings="部分项目进度滞后，群众诉求回应不够及时。",
            suggestions="建立问题清单，按月通报进展。",
            unit_response="已建立清单，每月向监督小组通报。" if answered else "",
            responded_at=now - timedelta(days=days - 3) if answered else None,
        )
        visit.participants.set(members)
    base = dict(committee_id=group.committee_id, group=group, inspectors="政协委员联络室")
    Inspection.objects.create(
        **base,
        inspected_on=max(start, today - timedelta(days=50)),
        findings="活动台账基本完整，部分活动缺少照片。",
        required_actions="补齐活动照片和签到表。",
        follow_up_due=today - timedelta(days=20),
        follow_up="已补齐台账。",
        followed_up_on=today - timedelta(days=25),
        state=Inspection.State.CLOSED,
    )
    Inspection.objects.create(
        **base,
        inspected_on=today - timedelta(days=3),
        findings="联系点公示栏信息未及时更新。",
        required_actions="更新公示栏委员信息和接待日安排。",
        follow_up_due=today + timedelta(days=14),
    )
    year, half = (today.year, 1) if today.month > 6 else (today.year - 1, 2)
    WorkReport.objects.create(
        group=group,
        year=year,
        half=half,
        summary="开展三进活动六次，走访群众四十余户，形成社情民意信息两篇。",
        plans="围绕老旧小区改造开展一次专题协商。",
    )
