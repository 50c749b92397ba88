"""Demo activities: a year of plans, activities, attendance and evidence for every group.

Bulk inserts only; the number of activities grows with the size of the groups (``--members``), and
each activity invites a sample of its group (the demo member is always invited to the demo group's).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from activities.models import Activity, ActivitySettings, AnnualPlan, Attendance, Evidence, PlanItem
from demo.bulk import foreign_keys_checked_at_end, insert_rows, reset_sequences
from groups.models import ActivityGroup, ContactPoint, GroupMembership

INVITED_PER_ACTIVITY = 25
TITLES = {
    "study": ["学习贯彻全会精神专题学习会", "委员履职能力提升学习会", "政协理论学习读书会"],
    "inspection": ["老旧小区改造项目视察", "农村人居环境整治视察", "中小学食堂食品安全视察"],
    "research": ["营商环境优化调研座谈会", "社区养老服务调研", "乡村振兴产业发展调研"],
    "consultation": ["“请你来协商”——停车难问题协商", "“协商在一线”——背街小巷改造", "“月月说事”——垃圾分类协商"],
    "supervision": ["民生实事项目民主监督", "河长制落实情况民主监督"],
    "service": ["送医下乡义诊活动", "送法进社区宣讲", "送文化下乡文艺演出", "科技助农培训"],
    "reception": ["委员接待日"],
    "visit": ["走访困难群众", "走访联系企业"],
}
ENTER_TITLES = {"community": "委员进社区·听民意", "park": "委员进园区·助企业", "village": "委员进农村·促振兴"}
SIX_FOR_KIND = {
    "research": "research_forum",
    "consultation": "consultation",
    "service": "aid",
    "visit": "window_unit",
    "supervision": "mediation",
    "study": "suggestions",
}
REASONS = ["出差", "单位有紧急工作", "身体不适", "参加上级会议"]
ATTENDANCE_COLUMNS = (
    "activity_id",
    "member_id",
    "status",
    "leave",
    "leave_reason",
    "leave_requested_at",
    "signed_in_at",
    "sign_in_method",
)


def _photo() -> str:
    """One small generated photo in storage, shared by the demo evidence rows."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (236, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 460, 300), outline=(179, 18, 27), width=6)
    draw.ellipse((180, 90, 300, 210), fill=(179, 18, 27))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return default_storage.save("evidence/demo/activity-photo.jpg", ContentFile(out.getvalue()))


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def seed(ctx) -> None:
    """Plans, activities, attendance and evidence for ``ctx.year`` in every group."""
    rng, year, now = ctx.rng, ctx.year, timezone.now()
    ActivitySettings.objects.bulk_create(
        ActivitySettings(committee=c, **ActivitySettings.DEFAULTS) for c in ctx.committees
    )
    groups = list(ActivityGroup.objects.order_by("pk"))
    members = {}
    for group_id, member_id in (
        GroupMembership.objects.active().order_by("group_id", "member_id").values_list("group_id", "member_id")
    ):
        members.setdefault(group_id, []).append(member_id)
    points = {}
    for group_id, pk, kind in ContactPoint.objects.filter(groups__isnull=False).values_list("groups", "pk", "kind"):
        points.setdefault(group_id, []).append((pk, kind))
    park_ids = {}
    for pk, committee_id in ContactPoint.objects.filter(kind=ContactPoint.Kind.PARK).values_list("pk", "committee_id"):
        park_ids.setdefault(committee_id, []).append(pk)

    plans = AnnualPlan.objects.bulk_create(
        AnnualPlan(group=g, year=year, note="安排到季度、分解到月、明确到人") for g in groups
    )
    items = []
    for plan in plans:
        for month in range(1, 13):
            kind = "three_enters" if month % 3 == 2 else rng.choice(list(TITLES))
            target = rng.choice(["community", "village", "park"]) if kind == "three_enters" else ""
            items.append(
                PlanItem(
                    plan=plan,
                    quarter=(month - 1) // 3 + 1,
                    month=month,
                    kind=kind,
                    target=target,
                    title=ENTER_TITLES[target] if target else rng.choice(TITLES[kind]),
                )
            )
    items = PlanItem.objects.bulk_create(items, batch_size=2000)
    responsible = []
    group_of_plan = {plan.pk: group.pk for plan, group in zip(plans, groups, strict=True)}
    for item in items:
        group_members = members.get(group_of_plan[item.plan_id], [])
        for m in rng.sample(group_members, min(2, len(group_members))):
            responsible.append(PlanItem.responsible.through(planitem_id=item.pk, member_id=m))
    PlanItem.responsible.through.objects.bulk_create(responsible, batch_size=5000)
    items_by_plan = {}
    for item in items:
        items_by_plan.setdefault(item.plan_id, []).append(item)

    activities, invited = [], []
    demo_group, demo_member = ctx.data.get("demo_group"), ctx.data.get("demo_member")
    for plan, group in zip(plans, groups, strict=True):
        group_members = members.get(group.pk, [])
        if not group_members:
            continue
        count = 12 + len(group_members) // 10
        for n in range(count):
            day = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365 if year % 4 else 366))
            month_item = items_by_plan[plan.pk][day.month - 1]
            kind = month_item.kind if rng.random() < 0.6 else rng.choice(list(TITLES) + ["three_enters"] * 3)
            point_id, target = None, ""
            if kind == "three_enters":
                choices = [p for p in points.get(group.pk, []) if p[1] in ("community", "village")]
                choices += [(p, "park") for p in park_ids.get(group.committee_id, [])]
                point_id, target = rng.choice(choices) if choices else (None, "community")
            starts = _at(day, rng.choice([9, 10, 14, 15]))
            past = starts + timedelta(hours=2) < now
            state = rng.choice(["filed", "filed", "held"]) if past else rng.choice(["planned", "announced"])
            if rng.random() < 0.03:
                state = "cancelled"
            activities.append(
                Activity(
                    committee_id=group.committee_id,
                    group=group,
                    kind=kind,
                    target=target,
                    contact_point_id=point_id,
                    six_item=SIX_FOR_KIND.get(kind, "") if rng.random() < 0.4 else "",
                    plan_item=month_item if kind == month_item.kind and n < 12 else None,
                    title=ENTER_TITLES[target] if target else rng.choice(TITLES[kind]),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    place=f"{group.street or group.name}委员之家",
                    summary="委员们深入一线听取意见，形成建议若干条。" if state in ("held", "filed") else "",
                    suggestions="建议加快推进相关工作。" if state == "filed" else "",
                    state=state,
                )
            )
            invited.append(rng.sample(group_members, min(INVITED_PER_ACTIVITY, len(group_members))))
            if demo_group is not None and group.pk == demo_group.pk and demo_member.pk not in invited[-1]:
                invited[-1].append(demo_member.pk)
    if demo_group is not None:
        # Something for the demo member to see today and to sign in to.
        start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        activities.append(
            Activity(
                committee_id=demo_group.committee_id,
                group=demo_group,
                kind="three_enters",
                target="community",
                title="委员进社区·听民意（本周）",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                place="社区党群服务中心",
                state="announced",
            )
        )
        invited.append(sorted(set(members.get(demo_group.pk, [])[:INVITED_PER_ACTIVITY]) | {demo_member.pk}))
    activities = Activity.objects.bulk_create(activities, batch_size=2000)

    rows = []  # as tuples (``ATTENDANCE_COLUMNS``): a large --members invites hundreds of thousands
    for activity, member_ids in zip(activities, invited, strict=True):
        taken_place = activity.state in ("held", "filed")
        for m in member_ids:
            if not taken_place:
                rows.append((activity.pk, m, "invited", "", "", None, None, ""))
                continue
            roll = rng.random()
            if roll < 0.8:
                signed_in = activity.starts_at - timedelta(minutes=rng.randrange(0, 30))
                method = rng.choice(["on_site", "on_site", "convener"])
                rows.append((activity.pk, m, "present", "", "", None, signed_in, method))
            elif roll < 0.9:
                rows.append((activity.pk, m, "excused", "approved", rng.choice(REASONS), None, None, ""))
            else:
                rows.append((activity.pk, m, "absent", "", "", None, None, ""))
    with foreign_keys_checked_at_end(Attendance):
        insert_rows(Attendance, ATTENDANCE_COLUMNS, rows)  # COPY on PostgreSQL
    reset_sequences(Attendance)

    photo = _photo()
    Evidence.objects.bulk_create(
        (
            Evidence(
                activity=a,
                kind="photo",
                file=photo,
                thumbnail=photo,
                content_type="image/jpeg",
                size=default_storage.size(photo),
                original_name="活动现场.jpg",
                caption="活动现场",
            )
            for a in activities
            if a.state == "filed"
        ),
        batch_size=5000,
    )
    ctx.say(f"activities: {len(plans)} plans, {len(activities)} activities, {len(rows)} attendance rows")
