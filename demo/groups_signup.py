"""Demo data of open activities and sign-up, expertise 专长 and the contact log 联系群众记录: each committee's list of
areas, members' and contact points' tags, a few activities of the demo member's district open for sign-up (one to
city members living there), and contacts so the log, the duty record and the coverage show them."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from activities.models import Activity, Attendance
from groups.models import ActivityGroup, ConstituentContact, ContactPoint, Expertise, GroupMembership, Member

AREAS = ["法律", "医疗卫生", "教育", "养老服务", "规划建设", "企业经营", "文化旅游", "农业技术"]
OPEN_TITLES = [
    ("送法进社区·法律咨询", "法律", "service"),
    ("社区养老服务调研", "养老服务", "research"),
    ("义诊进村入户", "医疗卫生", "service"),
    ("老旧小区改造协商", "规划建设", "consultation"),
]
CONTACTS = [
    ("household", "独居老人户", "livelihood", "希望社区助餐点延长开放时间", "向街道反映"),
    ("sector_group", "个体工商户代表", "economy", "反映门前停车难影响经营", "收集意见后提交社情民意"),
    ("person", "退休教师", "education_health", "建议学校周边增设安全护栏", ""),
    ("sector_group", "物业从业人员", "governance", "老旧小区物业费收缴率低", "约谈街道联系点负责人"),
]


def seed(ctx) -> None:
    """Expertise, needs, open activities with sign-ups, and contacts (bulk inserts: fine at 50,000 members)."""
    rng, now = random.Random(ctx.members_total), timezone.now()  # its own: the other loaders draw as before
    today = timezone.localdate()
    areas = Expertise.objects.bulk_create(
        Expertise(committee=c, name=n, order=i) for c in ctx.committees for i, n in enumerate(AREAS)
    )
    by_committee: dict[int, list[Expertise]] = {}
    for a in areas:
        by_committee.setdefault(a.committee_id, []).append(a)
    through = Member.expertise.through
    rows = [
        through(member_id=m, expertise_id=a.pk)
        for m, c in Member.objects.values_list("pk", "committee_id")
        for a in rng.sample(by_committee[c], rng.choice((1, 1, 2)))
    ]
    through.objects.bulk_create(rows, batch_size=5000)
    needs = ContactPoint.needs.through
    needs.objects.bulk_create(
        [
            needs(contactpoint_id=p, expertise_id=a.pk)
            for p, c in ContactPoint.objects.values_list("pk", "committee_id")
            for a in rng.sample(by_committee[c], 2)
        ],
        batch_size=5000,
    )
    demo_group, demo_member = ctx.data.get("demo_group"), ctx.data.get("demo_member")
    if demo_group is None:
        return
    _open_activities(rng, demo_group, demo_member, by_committee[demo_group.committee_id], now)
    _contacts(rng, demo_group, demo_member, today)


def _open_activities(rng, demo_group: ActivityGroup, demo_member: Member, areas: list[Expertise], now) -> None:
    district = demo_group.committee
    if district.parent_id:  # mixed groups 混合编组: some city members live in this district
        city_members = list(Member.objects.filter(committee_id=district.parent_id).values_list("pk", flat=True)[:5])
        Member.objects.filter(pk__in=city_members).update(home_district=district)
    others = list(ActivityGroup.objects.filter(committee=district).exclude(pk=demo_group.pk).order_by("pk")[:4])
    named = {a.name: a for a in areas}
    day = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    for i, (title, area, kind) in enumerate(OPEN_TITLES):
        group = others[i % len(others)] if others else demo_group
        starts = day + timedelta(days=2 + 2 * i, hours=1)
        point = group.contact_points.first()
        activity = Activity.objects.create(
            committee=district,
            group=group,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place=f"{group.street or group.name}委员之家",
            state="announced",
            open_to="committee_city" if i == 1 else "committee",
            capacity=rng.choice((8, 10, 12)),
            signup_deadline=starts - timedelta(hours=12),
            topic=named.get(area),
            contact_point=point,
        )
        invited = list(GroupMembership.objects.active().filter(group=group).values_list("member_id", flat=True)[:4])
        Attendance.objects.bulk_create(Attendance(activity=activity, member_id=m) for m in invited)
        signers = Member.objects.filter(committee=district).exclude(pk__in=invited).exclude(pk=demo_member.pk)
        Attendance.objects.bulk_create(
            Attendance(activity=activity, member_id=m, signed_up_at=now)
            for m in signers.values_list("pk", flat=True)[: 2 + i]
        )


def _contacts(rng, demo_group: ActivityGroup, demo_member: Member, today: date) -> None:
    """A few contacts of the demo member and of their group, dated this year up to today."""
    first = date(today.year, 1, 1)
    points = list(ContactPoint.objects.filter(groups=demo_group).order_by("pk")[:3])
    members = [
        demo_member.pk,
        *GroupMembership.objects.active()
        .filter(group=demo_group)
        .exclude(member=demo_member)
        .values_list("member_id", flat=True)[:5],
    ]
    rows = []
    for n, member_id in enumerate(members * 2):
        whom_kind, whom, topic, raised, follow_up = CONTACTS[n % len(CONTACTS)]
        point = points[n % len(points)] if points and n % 3 != 2 else None
        on = max(first, today - timedelta(days=rng.randrange(0, 80)))
        created = datetime.combine(on, time(18, 0), tzinfo=timezone.get_current_timezone())
        rows.append(
            ConstituentContact(
                committee_id=demo_group.committee_id,
                member_id=member_id,
                contacted_on=on,
                contact_point=point,
                place="" if point else "街道便民服务中心",
                whom_kind=whom_kind,
                whom=whom,
                topic=topic,
                raised=raised,
                follow_up=follow_up,
                created_at=min(created, timezone.now()),
            )
        )
    created = ConstituentContact.objects.bulk_create(rows)
    users = dict(Member.objects.filter(pk__in=members, user__isnull=False).values_list("pk", "user_id"))
    for c in created:
        if c.member_id in users:
            c.recorded_by_id = users[c.member_id]
    ConstituentContact.objects.bulk_update(created, ["recorded_by"])
