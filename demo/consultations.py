"""Demo consultations: topics, sessions at all three levels and outcomes in every state, in bulk.

The themes follow the seeds: 请你来协商 at district level, 协商在一线 at the street stations,
月月说事 in the communities; outcomes go 评、交、办、督、复 and are published (件件有回音).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from consultations.models import Attendance, ConsultationSession, Outcome, OutcomeEntry, Participant, StageRecord, Topic
from demo.groups import SURNAMES, DemoContext
from groups.models import Committee, GroupMembership, HandlingUnit, Member, Platform

# (topic, reasons, the unit that answers, outcome suggestions, reply)
THEMES = [
    (
        "老旧小区加装电梯",
        "老旧小区老年住户多，上下楼难，居民多次通过“月月说事”反映。",
        "住房和城乡建设局",
        ["简化加装电梯审批流程，推行“一窗受理”", "对低楼层住户给予适当补偿，化解邻里分歧"],
        "已会同规划、市场监管部门出台加装电梯联合审批办法，审批时限由60天压缩至20天；今年已完成加装38部。",
    ),
    (
        "背街小巷停车难",
        "夜间车辆乱停乱放，消防通道被占用，居民出行不便。",
        "城市管理局",
        ["利用边角空地增设临时停车位", "推行错时共享停车，开放机关单位夜间车位"],
        "已在东湖街道新增临时停车位216个，12家机关单位夜间开放车位540个，消防通道违停明显减少。",
    ),
    (
        "社区居家养老服务",
        "辖区60岁以上老人占比超过20%，助餐、助医需求突出。",
        "民政局",
        ["每个街道建设一处社区老年食堂", "推广“时间银行”志愿服务积分"],
        "已建成社区老年食堂9处，日均服务老人1300余人次；“时间银行”在6个社区试点。",
    ),
    (
        "校园周边交通安全",
        "上下学高峰时段学校门口拥堵，存在安全隐患。",
        "公安局",
        ["高峰时段设置临时即停即走区", "增设护学岗并安装减速设施"],
        "已在8所学校周边设置即停即走区，增设护学岗16个，安装减速带和警示标志42处。",
    ),
    (
        "农村生活污水治理",
        "部分村庄污水直排沟渠，群众反映异味大、水体黑臭。",
        "生态环境局",
        ["分批建设村级污水处理设施", "建立设施运维长效管护机制"],
        "已完成14个行政村污水管网建设，委托第三方统一运维，出水水质每月公开。",
    ),
    (
        "非机动车充电安全",
        "电动自行车楼道充电、飞线充电现象多，火灾隐患大。",
        "应急管理局",
        ["在小区增设集中充电桩和充电柜", "开展电动自行车消防安全专项整治"],
        "已在112个小区建成充电设施3200余个端口，专项整治清理楼道充电隐患860处。",
    ),
    (
        "小微企业融资难",
        "民营企业反映贷款门槛高、周期长，工商联界别委员调研发现问题突出。",
        "发展和改革委员会",
        ["设立小微企业应急转贷资金池", "搭建政银企对接平台，定期举办融资对接会"],
        "已设立2亿元应急转贷资金，举办政银企对接会6场，促成授信18.6亿元。",
    ),
    (
        "农贸市场提档升级",
        "市场环境脏乱，摊位布局不合理，群众购物体验差。",
        "商务局",
        ["实施农贸市场标准化改造", "推行智慧农贸、农残快检公示"],
        "已完成5家农贸市场标准化改造，全部设置农残快检室并每日公示检测结果。",
    ),
]
FORMS_BY_LEVEL = {
    Platform.Level.DISTRICT: [
        ConsultationSession.Form.THEMATIC,
        ConsultationSession.Form.COUNTERPART,
        ConsultationSession.Form.SECTOR,
        ConsultationSession.Form.PROPOSAL,
    ],
    Platform.Level.STREET: [ConsultationSession.Form.GRASSROOTS, ConsultationSession.Form.SECTOR],
    Platform.Level.COMMUNITY: [ConsultationSession.Form.GRASSROOTS],
}
STAGE_LINES = [
    (StageRecord.Stage.BRIEFING, "街道分管负责同志", "通报了前期调研情况：共走访住户{n}户，收集意见建议{m}条。"),
    (StageRecord.Stage.SUGGESTIONS, "{member}委员", "建议把群众最急最忧最盼的问题列入清单，明确责任单位和完成时限。"),
    (StageRecord.Stage.INTERACTION, "{resident}（居民代表）", "希望尽快解决，也希望办理结果能在社区公示栏公开。"),
    (StageRecord.Stage.RESPONSE, "{unit}负责同志", "对委员和居民的意见建议逐条回应，表示将纳入年度重点工作推进。"),
]
RESIDENTS = ["王阿姨", "李大爷", "张女士", "刘师傅", "陈先生", "赵老师", "周奶奶", "孙经理"]
# Themes the housing bureau (the demo unit) answers or co-handles.
HOUSING_THEMES = {"老旧小区加装电梯", "背街小巷停车难", "非机动车充电安全"}
# Every state the demo must show, in the order the pipeline walks them.
STATE_CYCLE = [
    "pending",
    "adopted",
    "merged",
    "declined",
    "assigned",
    "handling",
    "replied",
    "reviewed",
    "published",
    "closed",
]


def _unit_for(units: dict[str, HandlingUnit], label: str) -> HandlingUnit:
    return next((u for name, u in units.items() if name.endswith(label)), next(iter(units.values())))


def _topics(ctx: DemoContext, c: Committee, platforms: list[Platform]) -> list[Topic]:
    rng, year = ctx.rng, ctx.year
    rows = []
    for i, (title, reasons, *_rest) in enumerate(THEMES):
        platform = platforms[i % len(platforms)] if platforms else None
        state = "adopted" if i < 6 else ("declined" if i == 6 else "candidate")
        source = ["public", "members", "party_gov"][i % 3]
        resident = source == "public"
        rows.append(
            Topic(
                committee=c,
                platform=platform,
                group=platform.host_group if platform else None,
                title=title,
                reasons=reasons,
                source=source,
                proposer_kind="resident" if resident else ["staff", "convener", "member"][i % 3],
                resident_name=rng.choice(RESIDENTS) if resident else "",
                resident_contact=f"139{rng.randrange(10**8):08d}" if resident else "",
                year=year,
                rank=i + 1 if state != "declined" else None,
                is_annual_front_line=i == 0,
                state=state,
                decline_reason="属于行政执法个案，建议通过信访渠道反映。" if state == "declined" else "",
                is_published=state == "adopted",
            )
        )
        rows.append(
            Topic(
                committee=c,
                platform=platform,
                title=f"{year - 1}年度{title}",
                reasons=reasons,
                source=source,
                proposer_kind="staff",
                year=year - 1,
                rank=i + 1,
                state="adopted",
                is_published=True,
            )
        )
    return Topic.objects.bulk_create(rows)


def _sessions(ctx: DemoContext, c: Committee, platforms: list[Platform], topics: list[Topic], units) -> list:
    rng = ctx.rng
    now = timezone.now()
    adopted: dict[int, list[Topic]] = {}  # by year: a session takes up a topic of its own year
    for t in topics:
        if t.state == "adopted":
            adopted.setdefault(t.year, []).append(t)
    rows = []
    for i, platform in enumerate(platforms):
        for k in range(3):
            level = platform.level
            form = FORMS_BY_LEVEL[level][k % len(FORMS_BY_LEVEL[level])]
            starts = now - dt.timedelta(days=20 + 25 * k + i, hours=rng.randrange(6))
            upcoming = k == 0 and i % 4 == 3
            if upcoming:
                starts = now + dt.timedelta(days=7 + i)
            # early January's past sessions were last year's; in late December an upcoming one carries this year's over
            pool = adopted.get(timezone.localtime(starts).year) or adopted[ctx.year]
            topic = pool[(i + k) % len(pool)]
            brand = platform.brand or {Platform.Level.DISTRICT: "请你来协商", Platform.Level.STREET: "协商在一线"}.get(
                level, ""
            )
            rows.append(
                ConsultationSession(
                    committee=c,
                    topic=topic,
                    platform=platform,
                    group=platform.host_group,
                    title=f"{brand or form.label}·{topic.title}" if brand else f"{topic.title}{form.label}会",
                    form=form,
                    brand=brand,
                    level=level,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    place=platform.address or f"{platform.name}",
                    state="planned" if upcoming else "held",
                    summary=f"围绕“{topic.title}”开展协商，委员、居民代表和职能部门面对面沟通。",
                    minutes=""
                    if upcoming
                    else f"会议由{platform.name}召集，与会人员围绕{topic.title}充分讨论，形成协商意见。",
                    is_published=not upcoming and k != 2,
                    published_at=None if upcoming or k == 2 else starts + dt.timedelta(days=3),
                )
            )
    return ConsultationSession.objects.bulk_create(rows)


def _people(ctx: DemoContext, c: Committee, sessions, units) -> None:
    rng = ctx.rng
    members_by_group: dict[int, list[int]] = {}
    for gid, mid in GroupMembership.objects.filter(group__committee=c, left_on__isnull=True).values_list(
        "group_id", "member_id"
    ):
        members_by_group.setdefault(gid, []).append(mid)
    all_members = list(Member.objects.filter(committee=c).values_list("pk", flat=True)[:200])
    attendance, participants, records = [], [], []
    for s in sessions:
        pool = members_by_group.get(s.group_id) or all_members
        chosen = rng.sample(pool, min(len(pool), rng.randint(4, 9)))
        if s.state == "held":
            for m in chosen:
                roll = rng.random()
                status = "present" if roll < 0.8 else ("excused" if roll < 0.92 else "absent")
                attendance.append(
                    Attendance(
                        session=s, member_id=m, status=status, reason="外出参加培训" if status == "excused" else ""
                    )
                )
        unit = _unit_for(units, THEMES[0][2]) if "电梯" in s.title else rng.choice(list(units.values()))
        residents = rng.sample(RESIDENTS, 3)
        participants += [
            Participant(session=s, kind="resident", name=r, contact=f"139{rng.randrange(10**8):08d}") for r in residents
        ]
        participants.append(
            Participant(session=s, kind="stakeholder", name="物业公司项目经理", organisation="安居物业")
        )
        participants.append(
            Participant(
                session=s, kind="department", name=f"{rng.choice(SURNAMES)}科长", unit=unit, organisation="办公室"
            )
        )
        participants.append(Participant(session=s, kind="leader", name="区政协副主席", organisation=c.short_name))
        if s.state == "held":
            for stage, speaker, text in STAGE_LINES:
                records.append(
                    StageRecord(
                        session=s,
                        stage=stage,
                        speaker=speaker.format(
                            member=rng.choice(SURNAMES),
                            resident=residents[0],
                            unit=unit.name.removeprefix(c.short_name.removesuffix("政协")),
                        ),
                        content=text.format(n=rng.randint(80, 400), m=rng.randint(10, 60)),
                    )
                )
    Attendance.objects.bulk_create(attendance)
    Participant.objects.bulk_create(participants)
    StageRecord.objects.bulk_create(records)


def _outcomes(ctx: DemoContext, c: Committee, sessions, units, demo_unit: HandlingUnit | None) -> list[Outcome]:
    rng = ctx.rng
    today = timezone.localdate()
    now = timezone.now()
    held = [s for s in sessions if s.state == "held"]
    theme_by_title = {t[0]: t for t in THEMES}
    rows: list[Outcome] = []
    n = 0
    for s in held:
        theme = theme_by_title.get(s.topic.title.removeprefix(f"{s.topic.year}年度") if s.topic else "", THEMES[0])
        for suggestion in theme[3]:
            state = STATE_CYCLE[n % len(STATE_CYCLE)]
            n += 1
            unit = _unit_for(units, theme[2])
            if demo_unit is not None and state in Outcome.HANDED_OVER and theme[0] in HOUSING_THEMES:
                unit = demo_unit
            o = Outcome(committee=c, session=s, title=suggestion, content=f"{suggestion}。{theme[1]}", state=state)
            if state in Outcome.HANDED_OVER:
                o.unit = unit
                o.assigned_at = s.starts_at + dt.timedelta(days=5)
                # some open ones are overdue, so supervision and the overdue flag have something to show
                late = state in ("assigned", "handling") and n % 4 == 0
                handed_over = timezone.localdate(o.assigned_at)
                o.deadline = (
                    max(today - dt.timedelta(days=rng.randint(1, 20)), handed_over + dt.timedelta(days=1))
                    if late
                    else handed_over + dt.timedelta(days=60)
                )
            if state in ("replied", "reviewed", "published", "closed"):
                o.reply = theme[4]
                o.replied_at = min(now, o.assigned_at + dt.timedelta(days=rng.randint(10, 70)))
                o.answered_on_time = timezone.localdate(o.replied_at) <= o.deadline
            if state in ("reviewed", "published", "closed"):
                o.review_comment = "答复内容具体，措施可行。"
            if state in ("published", "closed"):  # never after now, even for a reply that came today
                o.published_at = min(now, o.replied_at + dt.timedelta(days=3))
            if state == "closed":
                o.closed_at = min(now, o.published_at + dt.timedelta(days=30))
            if state == "declined":
                o.evaluation_comment = "与已采纳成果重复，且不属于本级职权范围。"
            if state == "adopted":
                o.evaluation_comment = "建议具体可行，予以采纳。"
            rows.append(o)
    merged = [o for o in rows if o.state == "merged"]
    Outcome.objects.bulk_create([o for o in rows if o.state != "merged"])
    for o in merged:  # merged into an earlier suggestion of the same session, or the first one
        o.merged_into = next((x for x in rows if x.pk and x.session_id == o.session_id), None) or rows[0]
    Outcome.objects.bulk_create(merged)
    return rows


def _entries(rows: list[Outcome], units) -> None:
    entries = []
    for o in rows:
        if o.state in ("handling", "replied", "reviewed", "published", "closed"):
            entries.append(
                OutcomeEntry(outcome=o, kind="progress", text="已组织现场勘察，制定工作方案，正在推进实施。")
            )
        if o.deadline and o.state in ("handling", "assigned") and o.deadline < timezone.localdate():
            entries.append(
                OutcomeEntry(outcome=o, kind="supervision", text="已超过办理期限，请承办单位抓紧办理并书面答复。")
            )
        if o.state in ("published", "closed"):
            entries.append(OutcomeEntry(outcome=o, kind="follow_up", text="回访居民，群众对办理结果表示满意。"))
    OutcomeEntry.objects.bulk_create(entries)


def _links(c: Committee, topics: list[Topic], sessions, rows: list[Outcome]) -> None:
    """Tie the consultations to the other apps' demo rows: research of adopted topics, sessions held as a group's
    consultation activity, and some adopted outcomes that became proposals."""
    from activities.models import Activity
    from proposals.models import Proposal

    activities = Activity.objects.filter(committee=c, group__isnull=False).exclude(state=Activity.State.CANCELLED)
    research: dict[int, list[int]] = {}
    consultation: dict[int, list[int]] = {}
    for pk, group_id, kind in (
        activities.filter(kind__in=["research", "inspection", "consultation"])
        .values_list("pk", "group_id", "kind")
        .order_by("starts_at")[:5000]
    ):
        (consultation if kind == "consultation" else research).setdefault(group_id, []).append(pk)
    through = Topic.research_activities.through
    links = [
        through(topic_id=t.pk, activity_id=research[t.group_id][i % len(research[t.group_id])])
        for i, t in enumerate(topics)
        if t.state == "adopted" and t.group_id in research
    ]
    through.objects.bulk_create(links, ignore_conflicts=True)
    held = []
    for s in sessions:
        if s.state == "held" and consultation.get(s.group_id):
            s.activity_id = consultation[s.group_id].pop()
            held.append(s)
    ConsultationSession.objects.bulk_update(held, ["activity"], batch_size=500)
    proposals = list(
        Proposal.objects.filter(committee=c).exclude(state=Proposal.State.DRAFT).values_list("pk", flat=True)[:50]
    )
    linked = [o for o in rows if o.state in Outcome.HANDED_OVER][::5][: len(proposals)]
    for o, pk in zip(linked, proposals, strict=False):
        o.proposal_id = pk
    Outcome.objects.bulk_update(linked, ["proposal"], batch_size=500)


def seed(ctx: DemoContext) -> None:
    """Add consultations to every district (the city holds district-level sessions too)."""
    demo_unit_user = ctx.logins.get("unit")
    demo_unit = HandlingUnit.objects.filter(users=demo_unit_user).first() if demo_unit_user else None
    total = 0
    for c in ctx.committees:
        # consultation rooms (区级, 社区) and the street studios where 协商在一线 is held (镇街)
        platforms = list(
            Platform.objects.filter(committee=c)
            .filter(Q(kind=Platform.Kind.CONSULTATION) | Q(kind=Platform.Kind.STUDIO, level=Platform.Level.STREET))
            .select_related("host_group")
            .order_by("level", "pk")[:16]
        )
        if not platforms:
            continue
        units = {u.name: u for u in HandlingUnit.objects.filter(committee=c)}
        topics = _topics(ctx, c, platforms)
        sessions = _sessions(ctx, c, platforms, topics, units)
        _people(ctx, c, sessions, units)
        rows = _outcomes(ctx, c, sessions, units, demo_unit if demo_unit and demo_unit.committee_id == c.pk else None)
        _entries(rows, units)
        _links(c, topics, sessions, rows)
        total += len(rows)
    ctx.say(f"consultations: {ConsultationSession.objects.count()} sessions, {total} outcomes")
