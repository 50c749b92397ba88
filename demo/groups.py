"""Demo organisation: a city committee with its districts, in realistic Chinese.

Everything is made with bulk inserts from a seeded random generator, so the same arguments give
the same data and ``--members 50000`` finishes in minutes.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from demo.context import DemoContext  # noqa: F401  (the context every app's step takes; imported from here too)
from groups.models import (
    ActivityGroup,
    Committee,
    CommitteeStaff,
    ContactPoint,
    GroupMembership,
    HandlingUnit,
    Member,
    Party,
    Platform,
    PlatformEvaluation,
    PlatformMembership,
    PlatformPlan,
    PlenarySession,
    Sector,
    SpecialCommittee,
    Term,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文斌志红玉兰海燕晓东雪梅春林思远子涵雨欣浩然宇轩梓萱欣怡佳琪嘉怡一诺俊杰博文振华立新卫东建华丽华淑珍德明永强"
SECTORS = [
    "中共",
    "民革",
    "民盟",
    "民建",
    "民进",
    "农工党",
    "致公党",
    "九三学社",
    "台盟",
    "无党派人士",
    "工商联",
    "文艺界",
    "教育界",
    "科技界",
    "经济界",
    "医药卫生界",
    "农业界",
    "社会福利和社会保障界",
]
SECTOR_PARTY = {
    "中共": Party.CPC,
    "民革": Party.RCCK,
    "民盟": Party.CDL,
    "民建": Party.CNDCA,
    "民进": Party.CAPD,
    "农工党": Party.CPWDP,
    "致公党": Party.CZGP,
    "九三学社": Party.JIUSAN,
    "台盟": Party.TDSGL,
    "无党派人士": Party.NONPARTY,
}
SPECIAL_COMMITTEES = [
    "提案委员会",
    "经济委员会",
    "社会和法制委员会",
    "文化文史和学习委员会",
    "人口资源环境委员会",
    "农业和农村委员会",
]
WORK_UNITS = [
    ("市第一人民医院", "副院长"),
    ("区实验小学", "校长"),
    ("皖江科技有限公司", "董事长"),
    ("区农业技术推广中心", "高级农艺师"),
    ("恒信律师事务所", "主任"),
    ("区文化馆", "馆长"),
    ("东湖街道社区卫生服务中心", "主任"),
    ("江淮建设集团", "总经理"),
    ("临江职业技术学院", "教授"),
    ("区工商联", "副主席"),
    ("绿源生态农业合作社", "理事长"),
    ("区融媒体中心", "副主任"),
    ("新城商贸有限公司", "总经理"),
    ("区人民法院", "庭长"),
    ("区第二中学", "副校长"),
    ("仁和中医院", "主任医师"),
    ("长丰物流股份有限公司", "副总经理"),
    ("区科协", "秘书长"),
    ("市规划设计研究院", "总工程师"),
    ("华夏银行临江支行", "行长"),
]
UNITS = [
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水务局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "市场监督管理局",
    "城市管理局",
    "医疗保障局",
    "数据资源局",
]
DISTRICTS = [
    ("东湖区", ["东湖街道", "湖滨街道", "望江街道", "新桥镇", "柳林镇", "青石镇"]),
    ("西山区", ["西山街道", "云岭街道", "枫林街道", "白沙镇", "松岗镇", "桃源镇"]),
    ("南岸区", ["南岸街道", "滨江街道", "长堤街道", "三河镇", "金湾镇", "小岭乡"]),
    ("北城区", ["北城街道", "北门街道", "双井街道", "龙泉镇", "大桥镇", "石塘镇"]),
    ("高新区", ["创新街道", "科学城街道", "天河街道", "明珠镇", "湖光镇", "桥头镇"]),
]
CITY_STREETS = ["市直机关", "市经济开发区", "市高新技术产业园"]
PLATFORM_BRANDS = ["请你来协商", "协商在一线", "月月说事"]
GROUP_SIZE = 50


def holds_data() -> bool:
    """seed_demo refuses a database that already has an organisation."""
    return Committee.objects.exists()


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _phone(serial: int) -> str:
    return f"139{serial:08d}"


CITIES = ["临江市", "江州市", "青川市", "云台市", "白河市", "安平市", "清源市", "石城市", "宁远市", "金沙市"]


def _committees(ctx: DemoContext) -> None:
    """A city with its districts; with ``ctx.cities``, a province above that many cities (the first is 临江),
    the districts shared among them in turn."""
    if not ctx.cities:
        city = Committee.objects.create(
            name="临江市政协", short_name="市政协", level=Committee.Level.CITY, code="linjiang"
        )
        ctx.committees.append(city)
        cities = [city]
    else:
        province = Committee.objects.create(
            name="江南省政协", short_name="省政协", level=Committee.Level.PROVINCE, code="jiangnan"
        )
        ctx.committees.append(province)
        cities = []
        for i in range(ctx.cities):
            name = CITIES[i % len(CITIES)] + ("" if i < len(CITIES) else str(i // len(CITIES) + 1))
            cities.append(
                Committee.objects.create(
                    name=f"{name}政协",
                    short_name=f"{name}政协",
                    level=Committee.Level.CITY,
                    parent=province,
                    code="linjiang" if i == 0 else f"city-{i + 1}",
                )
            )
        ctx.committees.extend(cities)
    for i in range(ctx.districts):
        city = cities[i % len(cities)]
        base, _streets = DISTRICTS[(i // len(cities)) % len(DISTRICTS)]
        suffix = "" if i < len(DISTRICTS) * len(cities) else str(i // (len(DISTRICTS) * len(cities)) + 1)
        prefix = city.name.removesuffix("政协")
        ctx.committees.append(
            Committee.objects.create(
                name=f"{prefix}{base}{suffix}政协",
                short_name=f"{base}{suffix}政协" if len(cities) == 1 else f"{prefix}{base}{suffix}政协",
                level=Committee.Level.DISTRICT,
                parent=city,
                code=f"district-{i + 1}",
            )
        )


def _streets_of(ctx: DemoContext, index: int) -> list[str]:
    top = 1 + ctx.cities  # the city, or the province and its cities
    if index < top:
        return CITY_STREETS
    return DISTRICTS[((index - top) // max(ctx.cities, 1)) % len(DISTRICTS)][1]


def _reference_data(ctx: DemoContext) -> None:
    y = ctx.year
    for c in ctx.committees:
        term = Term.objects.create(
            committee=c,
            number=14 if c.level != Committee.Level.DISTRICT else 9,
            start_date=date(y - 3, 1, 10),
            end_date=date(y + 2, 1, 9),
            is_current=True,
        )
        PlenarySession.objects.bulk_create(
            PlenarySession(
                term=term,
                number=n + 1,
                year=y - 3 + n,
                start_date=date(y - 3 + n, 1, 10),
                end_date=date(y - 3 + n, 1, 13),
            )
            for n in range(4)
        )
        Sector.objects.bulk_create(Sector(committee=c, name=n, order=i) for i, n in enumerate(SECTORS))
        SpecialCommittee.objects.bulk_create(SpecialCommittee(committee=c, name=n) for n in SPECIAL_COMMITTEES)
        prefix = (
            c.name.removesuffix("政协") if c.level != Committee.Level.DISTRICT else c.short_name.removesuffix("政协")
        )
        HandlingUnit.objects.bulk_create(
            HandlingUnit(
                committee=c,
                name=f"{prefix}{u}",
                short_name=u[:4],
                contact_name=_name(ctx.rng),
                contact_phone=f"0551-6{ctx.rng.randrange(1000000, 9999999)}",
            )
            for u in UNITS
        )


def _contact_points(ctx: DemoContext, c: Committee, streets: list[str]) -> None:
    rows = []
    for s in streets:
        base = s.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        rows += [
            ContactPoint(
                committee=c, name=f"{base}社区", kind=ContactPoint.Kind.COMMUNITY, street=s, address=f"{s}{base}路1号"
            ),
            ContactPoint(committee=c, name=f"{base}村", kind=ContactPoint.Kind.VILLAGE, street=s),
            ContactPoint(committee=c, name=f"{base}便民服务中心", kind=ContactPoint.Kind.WINDOW, street=s),
        ]
    rows.append(
        ContactPoint(
            committee=c, name=f"{c.short_name.removesuffix('政协')}智能制造产业园", kind=ContactPoint.Kind.PARK
        )
    )
    rows.append(
        ContactPoint(
            committee=c, name=f"{c.short_name.removesuffix('政协')}现代农业产业园", kind=ContactPoint.Kind.PARK
        )
    )
    ContactPoint.objects.bulk_create(rows)


def _members(ctx: DemoContext, c: Committee, count: int, serial_start: int, streets: list[str]) -> list[int]:
    term = c.terms.get(is_current=True)
    sectors = list(c.sectors.all())
    specials = list(c.special_committees.all())
    rng = ctx.rng
    batch = []
    for n in range(count):
        sector = rng.choice(sectors)
        unit, position = rng.choice(WORK_UNITS)
        batch.append(
            Member(
                committee=c,
                term=term,
                name=_name(rng),
                gender=rng.choice("mf"),
                sector=sector,
                special_committee=rng.choice(specials) if rng.random() < 0.6 else None,
                is_standing=rng.random() < 0.15,
                party=SECTOR_PARTY.get(sector.name, rng.choice([Party.NONPARTY, Party.CPC, Party.MASSES])),
                work_unit=unit,
                position=position,
                street=rng.choice(streets),
                phone=_phone(serial_start + n),
            )
        )
    Member.objects.bulk_create(batch, batch_size=2000)
    return list(c.members.order_by("pk").values_list("pk", flat=True))


def _groups(ctx: DemoContext, c: Committee, streets: list[str]) -> None:
    """Street groups by where members live or work; a few sector groups; memberships and conveners.

    A group has at most ``GROUP_SIZE`` members, as in real committees: a street or sector with more
    members (a large ``--members``) gets several numbered groups, members dealt out in turn.
    """
    rng = ctx.rng
    specials = list(c.special_committees.all())
    sectors = {s.name: s for s in c.sectors.all()}
    per_street = Counter(c.members.values_list("street", flat=True))
    per_sector = Counter(c.members.values_list("sector__name", flat=True))

    def split(base: str, n: int) -> list[str]:
        k = max(1, -(-n // GROUP_SIZE))
        return [f"{base}活动组"] if k == 1 else [f"{base}第{i + 1}活动组" for i in range(k)]

    groups = [
        ActivityGroup(
            committee=c, name=name, kind=ActivityGroup.Kind.STREET, street=s, special_committee=rng.choice(specials)
        )
        for s in streets
        for name in split(s, per_street[s])
    ]
    for name in ("工商联", "教育界", "医药卫生界"):
        groups += [
            ActivityGroup(
                committee=c,
                name=n,
                kind=ActivityGroup.Kind.SECTOR,
                sector=sectors[name],
                special_committee=rng.choice(specials),
            )
            for n in split(f"{name}界别", per_sector[name])
        ]
    ActivityGroup.objects.bulk_create(groups, batch_size=2000)
    groups = list(c.activity_groups.order_by("pk"))
    standing = list(c.members.filter(is_standing=True).values_list("pk", flat=True)[: len(groups)])
    by_street, by_sector = {}, {}
    for g in groups:
        if g.kind == ActivityGroup.Kind.STREET:
            by_street.setdefault(g.street, []).append(g)
        else:
            by_sector.setdefault(g.sector_id, []).append(g)
    dealt = Counter()
    joined = date(ctx.year - 3, 3, 1)
    rows, first = [], {}
    for pk, street, sector_id in c.members.values_list("pk", "street", "sector_id").order_by("pk"):
        mine = []
        for key, pool in (
            (("street", street), by_street.get(street)),
            (("sector", sector_id), by_sector.get(sector_id)),
        ):
            if pool:
                mine.append(pool[dealt[key] % len(pool)])
                dealt[key] += 1
        for g in mine:
            role = GroupMembership.Role.MEMBER
            seen = first.setdefault(g.pk, [])
            if len(seen) < 2:
                role = GroupMembership.Role.CONVENER if not seen else GroupMembership.Role.DEPUTY
            seen.append(pk)
            rows.append(GroupMembership(group=g, member_id=pk, role=role, joined_on=joined))
    GroupMembership.objects.bulk_create(rows, batch_size=5000)
    for g, leader in zip(groups, standing, strict=False):
        g.liaison_leader_id = leader
    ActivityGroup.objects.bulk_update(groups, ["liaison_leader"], batch_size=1000)
    links = []
    points = list(c.contact_points.all())
    for g in groups:
        mine = [p for p in points if p.street == g.street] or rng.sample(points, min(3, len(points)))
        links += [ActivityGroup.contact_points.through(activitygroup_id=g.pk, contactpoint_id=p.pk) for p in mine]
    ActivityGroup.contact_points.through.objects.bulk_create(links)


def _platforms(ctx: DemoContext, c: Committee, streets: list[str]) -> None:
    """A committee's platforms in every state: the district hall and the sector hub established, the street studios
    established (one wound up), the community stations partly still being set up. The six haves are left to the
    evidence (``_platform_life``); a few stations carry what was declared before evidence was kept."""
    rng = ctx.rng
    groups = {g.street: g for g in c.activity_groups.filter(kind=ActivityGroup.Kind.STREET)}
    est = {"state": Platform.State.ESTABLISHED, "established_on": date(ctx.year - 2, 3, 1)}
    rows = [
        Platform(
            committee=c,
            name=f"{c.short_name}协商议事厅",
            kind=Platform.Kind.CONSULTATION,
            level=Platform.Level.DISTRICT,
            brand="请你来协商",
            approval_document=f"{c.short_name}政协办〔{ctx.year - 2}〕3号",
            **est,
        )
    ]
    for i, s in enumerate(streets):
        wound_up = i == len(streets) - 1 and len(streets) > 1
        rows.append(
            Platform(
                committee=c,
                name=f"{s}政协委员工作室",
                kind=Platform.Kind.STUDIO,
                level=Platform.Level.STREET,
                street=s,
                host_group=groups.get(s),
                approval_document=f"{c.short_name}政协办〔{ctx.year - 2}〕{10 + i}号",
                **(
                    {
                        **est,
                        "state": Platform.State.WOUND_UP,
                        "is_active": False,
                        "wound_up_on": date(ctx.year, 1, 15),
                        "wound_up_reason": "与街道协商工作站合并",
                    }
                    if wound_up
                    else est
                ),
            )
        )
        proposed = rng.random() < 0.4
        rows.append(
            Platform(
                committee=c,
                name=f"{s}协商工作站",
                kind=Platform.Kind.CONSULTATION,
                level=Platform.Level.COMMUNITY,
                street=s,
                brand=rng.choice(PLATFORM_BRANDS),
                host_group=groups.get(s),
                declared_six_haves=[] if proposed else ["venue", "sign"],
                **({} if proposed else {**est, "established_on": date(ctx.year - 1, 6, 1)}),
            )
        )
    rows.append(
        Platform(
            committee=c,
            name=f"{c.short_name}工商联界别同心汇",
            kind=Platform.Kind.SECTOR_HUB,
            level=Platform.Level.DISTRICT,
            approval_document=f"{c.short_name}政协办〔{ctx.year - 1}〕8号",
            **{**est, "established_on": date(ctx.year - 1, 4, 1)},
        )
    )
    Platform.objects.bulk_create(rows)


def _platform_life(ctx: DemoContext) -> None:
    """Members with roles, plans and evaluations of the platforms (rows written directly, as the rest of the demo:
    what the services check holds — one liaison chair, a member of the committee given the position of vice-chair;
    initiators and members from the host group). The demo convener is the initiator of their street's studio and
    the demo member one of its members."""
    rng = ctx.rng
    joined = date(ctx.year - 2, 3, 1)
    memberships, plans, evaluations = [], [], []
    for c in ctx.committees:
        pool = list(c.members.filter(status=Member.Status.ACTIVE).order_by("pk")[:400])
        if len(pool) < 4:
            continue
        chair = pool[0]
        Member.objects.filter(pk=chair.pk).update(position="政协副主席")
        by_group: dict[int, list] = {}
        for gm in GroupMembership.objects.filter(group__committee=c, left_on__isnull=True).order_by("role", "pk"):
            by_group.setdefault(gm.group_id, []).append(gm.member_id)
        for p in Platform.objects.filter(committee=c).order_by("pk"):
            people = by_group.get(p.host_group_id) or [m.pk for m in rng.sample(pool[1:], min(5, len(pool) - 1))]
            people = [m for m in people if m != chair.pk][:6]
            demo_member, demo_group = ctx.data.get("demo_member"), ctx.data.get("demo_group")
            if demo_member and demo_group and p.host_group_id == demo_group.pk and demo_member.pk not in people:
                people.append(demo_member.pk)  # the demo member works at their street's platforms
            left = p.wound_up_on if p.state == Platform.State.WOUND_UP else None
            reason = p.wound_up_reason and "平台撤销"
            memberships.append(
                PlatformMembership(
                    platform=p,
                    member_id=chair.pk,
                    role="liaison_chair",
                    joined_on=joined,
                    left_on=left,
                    left_reason=reason or "",
                )
            )
            for i, m in enumerate(people):
                memberships.append(
                    PlatformMembership(
                        platform=p,
                        member_id=m,
                        role="initiator" if i == 0 else "member",
                        joined_on=joined,
                        left_on=left,
                        left_reason=reason or "",
                    )
                )
            if p.state == Platform.State.PROPOSED:
                continue
            plans.append(
                PlatformPlan(
                    platform=p,
                    year=ctx.year,
                    planned_activities=rng.choice([4, 6, 12]),
                    content="每月一次委员接待日；每季度一次界别群众座谈；年中开展一次专题协商。",
                )
            )
            if p.established_on and p.established_on.year < ctx.year:
                evaluations.append(
                    PlatformEvaluation(
                        platform=p,
                        year=ctx.year - 1,
                        grade=rng.choice(["excellent", "good", "good", "pass"]),
                        score=rng.randint(75, 98),
                        comments="活动开展经常，台账规范，群众反映良好。",
                    )
                )
    PlatformMembership.objects.bulk_create(memberships, ignore_conflicts=True)
    PlatformPlan.objects.bulk_create(plans)
    PlatformEvaluation.objects.bulk_create(evaluations)


def _logins(ctx: DemoContext) -> None:
    """The five demo logins, one per role, all with the demo password."""
    User = get_user_model()
    password = make_password(settings.DEMO_PASSWORD)
    city, district = ctx.committees[0], ctx.committees[1] if len(ctx.committees) > 1 else ctx.committees[0]
    staff = User.objects.create(username="staff", name="周秘书", password=password, is_staff=True)
    CommitteeStaff.objects.create(user=staff, committee=city, role=CommitteeStaff.Role.SECRETARIAT, office="委员联络室")
    # A province's staff reach its cities only; the demo's one staff login also holds a post at every city, so
    # that it reaches every district and the loaders can act everywhere through it.
    CommitteeStaff.objects.bulk_create(
        CommitteeStaff(user=staff, committee=c, role=CommitteeStaff.Role.SECRETARIAT, office="委员联络室")
        for c in ctx.committees
        if c.level == Committee.Level.CITY and c.parent_id == city.pk
    )
    leader = User.objects.create(username="leader", name="郑主席", password=password)
    CommitteeStaff.objects.create(user=leader, committee=city, role=CommitteeStaff.Role.LEADER, office="主席会议")
    group = (
        district.activity_groups.filter(kind=ActivityGroup.Kind.STREET, memberships__role=GroupMembership.Role.MEMBER)
        .order_by("pk")
        .first()
    )
    convener_m = group.memberships.get(role=GroupMembership.Role.CONVENER).member
    member_m = group.memberships.filter(role=GroupMembership.Role.MEMBER).order_by("pk").first().member
    convener = User.objects.create(username="convener", name=convener_m.name, password=password)
    member = User.objects.create(username="member", name=member_m.name, password=password)
    Member.objects.filter(pk=convener_m.pk).update(user=convener)
    Member.objects.filter(pk=member_m.pk).update(user=member)
    unit = User.objects.create(username="unit", name="住建局办公室", password=password)
    district.handling_units.get(name__endswith="住房和城乡建设局").users.add(unit)
    ctx.logins = {"staff": staff, "leader": leader, "convener": convener, "member": member, "unit": unit}
    ctx.data.update(demo_group=group, demo_member=member_m, demo_convener=convener_m)


def seed(ctx: DemoContext) -> None:
    """Build the organisation of the demo city."""
    _committees(ctx)
    _reference_data(ctx)
    per = max(ctx.members_total // len(ctx.committees), 10)
    serial = 0
    for i, c in enumerate(ctx.committees):
        streets = _streets_of(ctx, i)
        _contact_points(ctx, c, streets)
        _members(ctx, c, per, serial, streets)
        serial += per
        _groups(ctx, c, streets)
        _platforms(ctx, c, streets)
    _logins(ctx)
    _platform_life(ctx)
    ctx.say(
        f"organisation: {len(ctx.committees)} committees, {Member.objects.count()} members, "
        f"{ActivityGroup.objects.count()} groups"
    )
    from demo import groups_activities, groups_platforms

    groups_activities.seed(ctx)
    groups_platforms.seed(ctx)
    from demo import groups_signup

    groups_signup.seed(ctx)
    from demo import groups_mailbox

    groups_mailbox.seed(ctx)
