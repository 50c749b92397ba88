"""Demo proposals and public-opinion reports: a plenary's worth per committee, in every state, bulk-inserted.

The demo ``member`` leads proposals in several states (one waits for their rating) and has a co-sign
invitation and reports; the demo ``unit`` has assignments due, overdue and answered.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from core.models import AuditEvent
from groups.models import Committee, HandlingUnit, Member
from proposals import similarity
from proposals.deadlines import add_months, settings_for
from proposals.models import (
    Adoption,
    Assignment,
    Category,
    CoSigner,
    Feedback,
    Holiday,
    ImplementationEntry,
    Instruction,
    OpinionReport,
    Proposal,
    Reply,
    ReportIssue,
)

TOPICS = [
    ("urban", "老旧小区改造", "加装电梯"),
    ("urban", "城市停车难", "共享停车位"),
    ("urban", "背街小巷整治", "雨污分流"),
    ("society", "居家养老服务", "社区食堂"),
    ("society", "婴幼儿托育服务", "普惠托育"),
    ("society", "基层医疗卫生", "家庭医生签约"),
    ("culture", "中小学课后服务", "课后托管"),
    ("culture", "非物质文化遗产保护", "传承人培养"),
    ("culture", "全民阅读", "城市书房"),
    ("economy", "营商环境", "涉企审批"),
    ("economy", "中小微企业融资", "首贷续贷"),
    ("economy", "数字经济发展", "工业互联网"),
    ("ecology", "河湖长制落实", "水环境治理"),
    ("ecology", "垃圾分类", "厨余垃圾处理"),
    ("ecology", "城市绿道建设", "口袋公园"),
    ("agriculture", "乡村振兴", "农村人居环境"),
    ("agriculture", "高标准农田建设", "农田水利"),
    ("agriculture", "农产品品牌", "电商销售"),
    ("politics", "基层社会治理", "网格化管理"),
    ("politics", "法治政府建设", "行政执法监督"),
]
# The verb a service writes for a move into each state, where it is not the state itself.
DEMO_VERBS = {Proposal.State.UNDER_REVIEW: "review_started", Proposal.State.HANDLING: "handling_started"}
VERBS = ["关于加快推进", "关于进一步加强", "关于完善", "关于推动", "关于切实解决", "关于优化"]
REASONS = [
    "属于个人诉求，建议通过信访渠道反映",
    "案由涉及多个事项，建议分别提出",
    "缺乏具体可行的建议",
    "涉及正在诉讼的案件",
]
REPLIES = {
    "A": "经认真研究，委员所提建议已基本落实。我单位已会同有关部门制定实施方案，相关工作已完成。",
    "B": "委员所提建议很有针对性，我单位已将其列入年度工作计划，正在分步实施。",
    "C": "委员所提建议具有前瞻性，受资金和政策条件限制，待条件成熟时逐步解决。",
    "D": "感谢委员的关注，所提建议我们将在今后工作中认真参考。",
}
FLOW = [
    Proposal.State.DRAFT,
    Proposal.State.SUBMITTED,
    Proposal.State.UNDER_REVIEW,
    Proposal.State.FILED,
    Proposal.State.ASSIGNED,
    Proposal.State.HANDLING,
    Proposal.State.REPLIED,
    Proposal.State.RATED,
    Proposal.State.CLOSED,
]
MIX = (
    [Proposal.State.SUBMITTED] * 4
    + [Proposal.State.UNDER_REVIEW] * 3
    + [Proposal.State.FILED] * 2
    + [Proposal.State.NOT_FILED] * 3
    + [Proposal.State.MERGED] * 2
    + [Proposal.State.ASSIGNED] * 4
    + [Proposal.State.HANDLING] * 8
    + [Proposal.State.REPLIED] * 5
    + [Proposal.State.RATED] * 6
    + [Proposal.State.CLOSED] * 12
    + [Proposal.State.DRAFT] * 1
)
HOLIDAYS = [
    ((1, 1), "元旦"),
    ((2, 16), "春节"),
    ((2, 17), "春节"),
    ((2, 18), "春节"),
    ((2, 19), "春节"),
    ((2, 20), "春节"),
    ((4, 6), "清明节"),
    ((5, 1), "劳动节"),
    ((5, 4), "劳动节"),
    ((5, 5), "劳动节"),
    ((6, 19), "端午节"),
    ((10, 1), "国庆节"),
    ((10, 2), "国庆节"),
    ((10, 5), "国庆节"),
    ((10, 6), "国庆节"),
    ((10, 7), "国庆节"),
]
WORKDAYS = [
    ((2, 14), "春节调休上班"),
    ((2, 28), "春节调休上班"),
    ((5, 9), "劳动节调休上班"),
    ((9, 27), "国庆节调休上班"),
]
PDF = b"%PDF-1.4\n% demo signed reply\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def _at(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time(9, 30)))


def _calendar(ctx, c: Committee) -> None:
    settings_for(c.pk)
    rows = [Holiday(committee=c, date=date(ctx.year, m, d), name=n) for (m, d), n in HOLIDAYS]
    rows += [
        Holiday(committee=c, date=date(ctx.year, m, d), kind=Holiday.Kind.WORKDAY, name=n) for (m, d), n in WORKDAYS
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)


def _title(rng, i: int) -> tuple[str, str]:
    category, topic, detail = TOPICS[i % len(TOPICS)]
    if rng.random() < 0.5:
        return category, f"{rng.choice(VERBS)}{topic}的建议"
    return category, f"{rng.choice(VERBS)}{topic}中{detail}工作的建议"


def _proposals(
    ctx, c: Committee, count: int, demo_member: Member | None, *, year: int | None = None, mix: list = MIX
) -> list[Proposal]:
    rng, y = ctx.rng, year or ctx.year
    members = list(Member.objects.filter(committee=c).values_list("pk", flat=True))
    rows = []
    for i in range(count):
        category, title = _title(rng, i)
        state = mix[i % len(mix)]
        plenary = rng.random() < 0.8
        submitted = date(y, 1, 10 + i % 4) if plenary else date(y, rng.choice([3, 4, 5, 6]), rng.randrange(1, 28))
        rows.append(
            Proposal(
                committee=c,
                year=y,
                kind=Proposal.Kind.MEMBER if rng.random() < 0.85 else Proposal.Kind.COLLECTIVE,
                during_plenary=plenary,
                lead_proposer_id=rng.choice(members),
                title=title,
                category=category,
                analysis=f"近年来，我市{title[2:-3]}工作取得一定成效，但仍存在投入不足、机制不健全、群众获得感不强等问题。",
                suggestions="一、加强统筹规划，明确责任分工；\n二、加大资金投入，拓宽筹资渠道；\n三、完善考核机制，强化督查问效。",
                state=state,
                submitted_at=_at(submitted) if state != Proposal.State.DRAFT else None,
            )
        )
        rows[-1]._submitted_on = submitted
    if demo_member:  # the demo member's own proposals: a draft, one to rate, one in handling, one closed
        for state, i in (
            (Proposal.State.DRAFT, 0),
            (Proposal.State.REPLIED, 3),
            (Proposal.State.HANDLING, 6),
            (Proposal.State.CLOSED, 9),
            (Proposal.State.NOT_FILED, 12),
        ):
            row = rows[i]
            row.lead_proposer_id, row.state, row.during_plenary = demo_member.pk, state, True
            row._submitted_on = date(y, 1, 11)
            row.submitted_at = _at(row._submitted_on) if state != Proposal.State.DRAFT else None
            if row.kind == Proposal.Kind.COLLECTIVE:
                row.kind = Proposal.Kind.MEMBER
    for row in rows:
        if row.kind == Proposal.Kind.COLLECTIVE:
            row.party = "cdl"
    return rows


# Days after submission by which a proposal has been filed (立案) and assigned (交办); a reply comes at
# least a week after the assignment, the lead proposer's rating a week after the reply, the close later.
FILED_AFTER, ASSIGNED_AFTER, REPLY_TAKES, RATING_TAKES, CLOSE_AFTER = 10, 20, 7, 7, 25
DONE = (Proposal.State.REPLIED, Proposal.State.RATED, Proposal.State.CLOSED)


def _within_reach(p: Proposal, today: date) -> None:
    """No further along than the whole days since its submission allow: in the first days of January the
    year's plenary has not met, so its proposals are still drafts; a week after it they are not filed yet."""
    if p.state == Proposal.State.DRAFT:
        return
    elapsed = (today - p._submitted_on).days
    if elapsed < 1:
        p.state, p.submitted_at = Proposal.State.DRAFT, None
    elif elapsed <= FILED_AFTER and p.state not in (Proposal.State.SUBMITTED, Proposal.State.UNDER_REVIEW):
        p.state = Proposal.State.SUBMITTED
    elif elapsed <= ASSIGNED_AFTER and p.state in FLOW and FLOW.index(p.state) > FLOW.index(Proposal.State.FILED):
        p.state = Proposal.State.FILED


def _advance(ctx, c: Committee, rows: list[Proposal], demo_unit: HandlingUnit | None, serial: int = 0) -> dict:
    """Fill the fields each state implies: serial numbers (after ``serial``), units and deadlines, replies, ratings.

    Every date is on or before today: a state that needs more time than has passed is lowered to the last
    one reached (``_within_reach``; a reply that could not have come yet leaves the proposal in handling)."""
    rng, today = ctx.rng, timezone.localdate()
    units = list(HandlingUnit.objects.filter(committee=c).order_by("pk"))
    filed_pool = []
    for p in rows:
        _within_reach(p, today)
        done = FLOW.index(p.state) if p.state in FLOW else FLOW.index(Proposal.State.UNDER_REVIEW)
        if p.state == Proposal.State.NOT_FILED:
            p.not_filed_reason = rng.choice(REASONS)
            p.not_filed_outcome = rng.choice(["", "report", "letter"])
            continue
        if done < FLOW.index(Proposal.State.FILED) or p.state == Proposal.State.MERGED:
            continue
        serial += 1
        p.serial_number, p.filed_at = serial, _at(p._submitted_on + timedelta(days=FILED_AFTER))
        filed_pool.append(p)
        if done < FLOW.index(Proposal.State.ASSIGNED):
            continue
        assigned = p._submitted_on + timedelta(days=ASSIGNED_AFTER)
        unit = demo_unit if demo_unit and rng.random() < 0.2 else rng.choice(units)
        p.lead_unit = unit
        p.reply_due = add_months(assigned, 5 if p.during_plenary else 3)
        p._assignments = [
            Assignment(
                unit=unit,
                role=Assignment.Role.LEAD,
                assigned_on=assigned,
                due_date=p.reply_due,
                reassign_until=assigned + timedelta(days=14),
            )
        ]
        if rng.random() < 0.3:
            co = rng.choice([u for u in units if u != unit])
            p._assignments.append(
                Assignment(
                    unit=co,
                    role=Assignment.Role.CO,
                    assigned_on=assigned,
                    due_date=assigned + timedelta(days=30),
                    reassign_until=assigned + timedelta(days=14),
                )
            )
        if p.state in DONE and min(p.reply_due, today - timedelta(days=20)) < assigned + timedelta(days=REPLY_TAKES):
            p.state = Proposal.State.HANDLING  # too early for the reply
        if p.state in (Proposal.State.ASSIGNED, Proposal.State.HANDLING):
            if rng.random() < 0.5:  # still in time: a later assignment
                p.reply_due = max(p.reply_due, today + timedelta(days=rng.randrange(5, 60)))
                p._assignments[0].due_date = p.reply_due
            continue
        code = rng.choices("ABCD", weights=[50, 30, 12, 8])[0]
        replied = min(p.reply_due + timedelta(days=rng.choice([-60, -30, -10, 3])), today - timedelta(days=20))
        p.result_code, p.replied_on_time = code, replied <= p.reply_due
        p.feedback_due = replied + timedelta(days=21)
        p._replies = [
            Reply(
                unit=unit, round=1, text=REPLIES[code], result_code=code, replied_on=replied, on_time=p.replied_on_time
            )
        ]
        if p.state == Proposal.State.REPLIED:
            p.feedback_due = today + timedelta(days=10)
            continue
        rating = rng.choices(["satisfied", "basic", "unsatisfied"], weights=[70, 22, 8])[0]
        if rating == "unsatisfied" and replied + timedelta(days=30 + RATING_TAKES) > today:
            rating = "basic"  # no time yet for a second round
        if p.state == Proposal.State.CLOSED and replied + timedelta(days=CLOSE_AFTER) >= today:
            p.state = Proposal.State.RATED
        p.first_rating = rating
        p._feedback = [
            Feedback(round=1, rating=rating, comment="" if rating != "unsatisfied" else "答复未回应核心问题")
        ]
        if rating == "unsatisfied":  # a second round, answered and rated again
            p.round = 2
            p._replies.append(
                Reply(
                    unit=unit,
                    round=2,
                    text="经再次研究并与提案人当面沟通，" + REPLIES["B"],
                    result_code="B",
                    replied_on=replied + timedelta(days=30),
                    on_time=True,
                )
            )
            rating = "basic"
            p._feedback.append(Feedback(round=2, rating=rating))
        p.rating = rating
        if p.state == Proposal.State.CLOSED:
            p.closed_at = _at(replied + timedelta(days=CLOSE_AFTER))
            if rng.random() < 0.6 and replied + timedelta(days=90) <= today:
                p.implemented_on = replied + timedelta(days=90)
                p._implementation = [
                    ImplementationEntry(date=p.implemented_on, text="相关工程已完工并投入使用。", completes=True)
                ]
        if rng.random() < 0.05:
            p.is_key = True
    return {"filed": filed_pool}


def _events(rows: list[Proposal], actor) -> None:
    ct = ContentType.objects.get_for_model(Proposal)
    events = []
    for p in rows:
        path = [Proposal.State.DRAFT]
        if p.state == Proposal.State.NOT_FILED:
            path += [Proposal.State.SUBMITTED, Proposal.State.NOT_FILED]
        elif p.state == Proposal.State.MERGED:
            path += [Proposal.State.SUBMITTED, Proposal.State.MERGED]
        else:
            path += FLOW[1 : FLOW.index(p.state) + 1] if p.state in FLOW else []
        path = [s for s in path if s != Proposal.State.UNDER_REVIEW or p.state == Proposal.State.UNDER_REVIEW]
        for before, after in zip(path, path[1:], strict=False):
            events.append(
                AuditEvent(
                    actor=actor,
                    content_type=ct,
                    object_id=str(p.pk),
                    object_repr=str(p)[:200],
                    verb=DEMO_VERBS.get(after, str(after)),
                    from_state=before,
                    to_state=after,
                )
            )
    AuditEvent.objects.bulk_create(events, batch_size=2000)


def merge_targets(rows: list[Proposal]) -> None:
    """Point each merged proposal at a filed one on the same topic (any filed one if none), in turn.

    One pass over the rows (the filed ones grouped by category first): ``seed_demo --members 50000``
    merges thousands of proposals into tens of thousands. With nothing filed yet (early in the year) a
    merged proposal is still under review."""
    filed = [p for p in rows if p.serial_number]
    by_category: dict[str, list[Proposal]] = {}
    for f in filed:
        by_category.setdefault(f.category, []).append(f)
    for i, p in enumerate([p for p in rows if p.state == Proposal.State.MERGED]):
        same = by_category.get(p.category) or filed
        if same:
            p.merged_into = same[i % len(same)]
        else:
            p.state = Proposal.State.UNDER_REVIEW


def _save(rows: list[Proposal], pdf_name: str) -> None:
    merge_targets(rows)
    merged = [p for p in rows if p.state == Proposal.State.MERGED]
    Proposal.objects.bulk_create([p for p in rows if p.state != Proposal.State.MERGED], batch_size=1000)
    Proposal.objects.bulk_create(merged)  # after the proposals they were merged into
    assignments, replies, feedback, implementation = [], [], [], []
    for p in rows:
        for a in getattr(p, "_assignments", []):
            a.proposal = p
            assignments.append(a)
        for r in getattr(p, "_replies", []):
            r.proposal, r.signed_pdf = p, pdf_name
            replies.append(r)
        for f in getattr(p, "_feedback", []):
            f.proposal = p
            feedback.append(f)
        for e in getattr(p, "_implementation", []):
            e.proposal = p
            implementation.append(e)
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    Reply.objects.bulk_create(replies, batch_size=2000)
    Feedback.objects.bulk_create(feedback, batch_size=2000)
    ImplementationEntry.objects.bulk_create(implementation, batch_size=2000)
    for committee_id, year in {(p.committee_id, p.year) for p in rows}:
        similarity.rebuild(committee_id, year)  # the review queue's hints, as submission writes them


def _reports(ctx, c: Committee, count: int, demo_member: Member | None) -> None:
    rng, y = ctx.rng, ctx.year
    members = list(Member.objects.filter(committee=c).values_list("pk", flat=True))
    issues = ReportIssue.objects.bulk_create(
        ReportIssue(committee=c, year=y, number=n + 1, published_on=date(y, 2 + n, 15)) for n in range(6)
    )
    states = ["submitted", "accepted", "declined", "compiled", "compiled", "compiled"]
    rows = []
    for i in range(count):
        _cat, topic, detail = TOPICS[rng.randrange(len(TOPICS))]
        state = states[i % len(states)]
        author = demo_member.pk if demo_member and i < 4 else rng.choice(members)
        rows.append(
            OpinionReport(
                committee=c,
                year=y,
                author_id=author,
                state=state,
                title=f"关于{topic}中{detail}问题的情况反映",
                content=f"近期调研发现，{topic}工作中{detail}方面群众反映较多，主要表现为……建议有关部门加强统筹、及时回应。",
                decline_reason="内容与已编发信息重复" if state == "declined" else "",
                issue=issues[i % len(issues)] if state == "compiled" else None,
            )
        )
    OpinionReport.objects.bulk_create(rows)
    compiled = [r for r in rows if r.state == "compiled"]
    levels = ["district", "city", "city", "provincial", "national"]
    adopted_on, instructed_on, today = date(y, 5, 20), date(y, 6, 1), timezone.localdate()
    Adoption.objects.bulk_create(
        Adoption(report=r, level=levels[i % len(levels)], date=adopted_on, adopted_by="")
        for i, r in enumerate(compiled)
        if i % 2 == 0 and adopted_on <= today
    )
    Instruction.objects.bulk_create(
        Instruction(
            report=r,
            leader=rng.choice(["王市长", "李书记", "张副市长"]),
            level="city",
            date=instructed_on,
            text="请有关部门认真研究，抓好落实。",
        )
        for i, r in enumerate(compiled)
        if i % 4 == 0 and instructed_on <= today
    )


def seed(ctx) -> None:
    """Proposals, replies, ratings and reports for every demo committee."""
    pdf_name = default_storage.save("proposals/replies/demo-signed-reply.pdf", ContentFile(PDF))
    demo_member = ctx.data.get("demo_member")
    demo_unit = HandlingUnit.objects.filter(users=ctx.logins.get("unit")).first() if ctx.logins.get("unit") else None
    staff = ctx.logins.get("staff")
    total = 0
    for c in ctx.committees:
        _calendar(ctx, c)
        size = max(30, min(400, c.members.count()))
        mine = demo_member if demo_member and demo_member.committee_id == c.pk else None
        unit = demo_unit if demo_unit and demo_unit.committee_id == c.pk else None
        rows = _proposals(ctx, c, size, mine)
        _advance(ctx, c, rows, unit)
        _save(rows, pdf_name)
        _events(rows, staff)
        _reports(ctx, c, max(12, size // 4), mine)
        total += size
        if mine:  # a pending co-sign invitation for the demo member
            other = Proposal.objects.filter(committee=c, state=Proposal.State.DRAFT).exclude(
                lead_proposer=mine
            ).first() or Proposal.objects.create(
                committee=c,
                year=ctx.year,
                lead_proposer_id=c.members.exclude(pk=mine.pk).values_list("pk", flat=True).first(),
                title="关于推进社区嵌入式服务设施建设的建议",
                suggestions="统筹规划社区服务设施。",
                category=Category.SOCIETY,
            )
            CoSigner.objects.create(proposal=other, member=mine, deadline=timezone.localdate() + timedelta(days=5))
    ctx.say(f"proposals: {total} proposals, {OpinionReport.objects.count()} public-opinion reports")


def seed_excellent(ctx, per_committee: int = 2) -> None:
    """A couple of excellent proposals 优秀提案 per committee, rated through the service (audit trail, dates).

    Called by ``demo.assessments.seed``; the demo member's own filed proposal goes first, so their duty
    record shows the bonus.
    """
    from proposals.services import proposal_mark_excellent

    staff = ctx.logins.get("staff")
    demo_member = ctx.data.get("demo_member")
    marked = 0
    for committee in ctx.committees:
        filed = Proposal.objects.filter(committee=committee, year=ctx.year, state__in=Proposal.PUBLIC_STATES)
        mine = [p.pk for p in filed.filter(lead_proposer=demo_member)[:1]] if demo_member else []
        others = list(
            filed.exclude(pk__in=mine)
            .order_by("serial_number", "pk")
            .values_list("pk", flat=True)[: per_committee - len(mine)]
        )
        for pk in mine + others:
            proposal_mark_excellent(proposal_id=pk, actor=staff)
            marked += 1
    ctx.say(f"proposals: {marked} rated excellent")
