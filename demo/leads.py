"""Demo leads 线索 (issue 20, item 3): what the demo group heard — its residents' messages, two contacts of its
member and suggestions gathered at its activities — pooled into leads in each state: one open (the convener's),
one taken up as a proposal draft of the demo member, one put on the candidate consultation topics, one closed with
a reason. Written through the services, so every step has its audit row and the resident's tracking page shows
"已转为提案". Runs after the proposals and consultations steps (the conversions number nothing they count)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from activities.models import Activity, PublicMessage
from activities.services import leads as svc
from consultations.services import topic_from_heard
from groups.models import ConstituentContact
from proposals.services import proposal_draft_from_lead

SUGGESTIONS = [
    ("livelihood", "建议对加装电梯的老旧小区给予分层补贴。"),
    ("livelihood", "助餐点可与周边餐饮企业合作，降低运营成本。"),
    ("governance", "楼道杂物清理可纳入网格员日常巡查。"),
]
CONTACTS = [
    ("livelihood", "三户老人反映加装电梯意见难统一，希望有人牵头协调。"),
    ("livelihood", "独居老人希望助餐点提供送餐上门。"),
]


def seed(ctx) -> None:
    """Four leads of the demo group's committee, pooled from its messages, contacts and activity suggestions."""
    group, member = ctx.data.get("demo_group"), ctx.data.get("demo_member")
    logins = getattr(ctx, "logins", None) or {}
    staff, convener, member_user = logins.get("staff"), logins.get("convener"), logins.get("member")
    if group is None or member is None or None in (staff, convener, member_user):
        return
    messages = {
        m.text[:6]: m
        for m in PublicMessage.objects.filter(committee_id=group.committee_id)
        .exclude(state=PublicMessage.State.DISCARDED)
        .order_by("pk")
    }
    activity = Activity.objects.filter(group=group).order_by("-starts_at").first()
    if activity is None:
        return
    said = [
        svc.suggestion_record(activity_id=activity.pk, actor=convener, text=text, category=category)
        for category, text in SUGGESTIONS
    ]
    today = timezone.localdate()
    heard = [
        ConstituentContact.objects.create(
            committee_id=group.committee_id,
            member=member,
            recorded_by=member_user,
            contacted_on=max(today - timedelta(days=12 + 5 * i), today.replace(month=1, day=1)),
            place=f"{group.name}辖区",
            whom_kind="household",
            whom="居民",
            topic=category,
            raised=text,
        )
        for i, (category, text) in enumerate(CONTACTS)
    ]

    def pick(prefix: str) -> list[int]:
        return [m.pk for key, m in messages.items() if key.startswith(prefix)]

    def lead(title, category, **items):
        return svc.lead_create(actor=convener, title=title, category=category, group_id=group.pk, **items)

    lead(
        "老旧小区加装电梯",
        "livelihood",
        message_ids=pick("老旧小区"),
        contact_ids=[heard[0].pk],
        suggestion_ids=[said[0].pk],
    )
    meals = lead(
        "社区助餐点运营",
        "livelihood",
        message_ids=pick("希望社区"),
        contact_ids=[heard[1].pk],
        suggestion_ids=[said[1].pk],
    )
    proposal_draft_from_lead(lead_id=meals.pk, actor=staff, member_id=member.pk)
    traffic = lead("学校周边交通拥堵", "education_health", message_ids=pick("学校放学") or pick("小区门口"))
    topic_from_heard(actor=staff, lead_id=traffic.pk)
    clutter = lead("楼道堆放杂物", "governance", message_ids=pick("楼道堆放"), suggestion_ids=[said[2].pk])
    svc.lead_close(lead_id=clutter.pk, actor=staff, reason="物业已集中清理，居民确认已解决。")
    ctx.say("leads: 4 (open, taken up as a proposal draft and a consultation topic, closed)")
