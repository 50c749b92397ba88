"""Demo volume: two years of consultation sessions with attendance, one for about every
``MEMBERS_PER_SESSION`` members, on the committees' platforms and adopted topics (``demo.bulk``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from consultations.models import Attendance, ConsultationSession, Topic
from demo.bulk import assign_pks, foreign_keys_checked_at_end, insert_objects, insert_rows, reset_sequences
from demo.consultations import FORMS_BY_LEVEL
from groups.models import GroupMembership, Member, Platform

MEMBERS_PER_SESSION = 25
PRESENT = (10, 20)


def seed(ctx) -> None:
    with foreign_keys_checked_at_end(ConsultationSession, Attendance):
        _seed(ctx)


def _seed(ctx) -> None:
    rng, year, now = ctx.rng, ctx.year, timezone.now()
    tz = timezone.get_current_timezone()
    first_day = date(year - 1, 1, 1)
    # Up to a month ahead, but within the demo year: the topics are last year's and this year's.
    days = (min(timezone.localdate() + timedelta(days=30), date(year, 12, 31)) - first_day).days + 1
    sessions_made = attended = 0
    for c in ctx.committees:
        count = c.members.count() // MEMBERS_PER_SESSION - ConsultationSession.objects.filter(committee=c).count()
        platforms = list(
            Platform.objects.filter(committee=c)
            .filter(Q(kind=Platform.Kind.CONSULTATION) | Q(kind=Platform.Kind.STUDIO, level=Platform.Level.STREET))
            .order_by("level", "pk")
        )
        topics = {
            y: list(Topic.objects.filter(committee=c, year=y, state="adopted").order_by("pk")) for y in (year - 1, year)
        }
        if count <= 0 or not platforms or not all(topics.values()):
            continue
        pools: dict[int, list[int]] = {}
        for gid, mid in (
            GroupMembership.objects.filter(group__committee=c, left_on__isnull=True)
            .order_by("group_id", "member_id")
            .values_list("group_id", "member_id")
        ):
            pools.setdefault(gid, []).append(mid)
        everyone = list(Member.objects.filter(committee=c).order_by("pk").values_list("pk", flat=True))
        sessions = []
        for _ in range(count):
            platform = rng.choice(platforms)
            day = first_day + timedelta(days=rng.randrange(days))
            starts = datetime.combine(day, time(rng.choice((9, 14, 15)), 0), tzinfo=tz)
            topic = rng.choice(topics[day.year])
            form = rng.choice(FORMS_BY_LEVEL[platform.level])
            brand = platform.brand or {"district": "请你来协商", "street": "协商在一线"}.get(platform.level, "")
            held = starts + timedelta(hours=2) < now
            state = "cancelled" if rng.random() < 0.03 else ("held" if held else "planned")
            published = state == "held" and rng.random() < 0.7
            sessions.append(
                ConsultationSession(
                    committee=c,
                    topic=topic,
                    platform=platform,
                    group_id=platform.host_group_id,
                    title=f"{brand}·{topic.title}" if brand else f"{topic.title}{form.label}会",
                    form=form,
                    brand=brand,
                    level=platform.level,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    place=platform.address or platform.name,
                    state=state,
                    summary=f"围绕“{topic.title}”开展协商，委员、居民代表和职能部门面对面沟通。",
                    minutes=f"会议由{platform.name}召集，与会人员围绕{topic.title}充分讨论，形成协商意见。"
                    if state == "held"
                    else "",
                    is_published=published,
                    published_at=min(now, starts + timedelta(days=3)) if published else None,
                    created_at=starts - timedelta(days=10),
                    updated_at=starts + timedelta(days=3) if held else starts,
                )
            )
        assign_pks(ConsultationSession, sessions)
        rows = []
        for s in sessions:
            if s.state != "held":
                continue
            pool = pools.get(s.group_id) or everyone
            for m in rng.sample(pool, min(rng.randint(*PRESENT), len(pool))):
                roll = rng.random()
                status = "present" if roll < 0.85 else ("excused" if roll < 0.95 else "absent")
                rows.append((s.pk, m, status, "外出参加培训" if status == "excused" else ""))
        insert_objects(ConsultationSession, sessions)
        attended += insert_rows(Attendance, ("session_id", "member_id", "status", "reason"), rows)
        sessions_made += len(sessions)
    reset_sequences(ConsultationSession, Attendance)
    if sessions_made:
        ctx.say(f"consultations (volume): {sessions_made} more sessions, {attended} attendance rows")
