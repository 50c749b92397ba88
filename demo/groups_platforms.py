"""Demo platform work 履职平台工作: activities held at the duty platforms (reception days, consultations, research at a
member studio, a consultation room or station, a sector hub), attended by the platform's members, a few coming up;
and the evidence of the six haves 六有 (photos of the venue and the sign, the rules) of the established platforms.

Attending an activity at a platform is ``platform_work`` in a member's duty record (``assessments.sources``); the demo
rule sets price it (``demo.assessments``), so the demo member's record shows their work at their street's studio.
Bulk inserts, like the rest of the demo.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from activities.models import Activity, Attendance
from groups.models import Platform, PlatformDocument, PlatformMembership

PAST_PER_PLATFORM = 5
KINDS = [
    ("reception", "委员接待日"),
    ("consultation", "“{brand}”议事协商会"),
    ("research", "群众关切问题调研座谈"),
    ("service", "委员进平台·便民服务"),
]
REASONS = ["出差", "单位有紧急工作", "参加上级会议"]
# The smallest valid PDF: the demo's rules document of every platform (the upload checks do not run on demo rows).
RULES_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _past_days(today: date, year: int, n: int) -> list[date]:
    """``n`` days spread between 1 January of ``year`` and yesterday (fewer early in January)."""
    start = date(year, 1, 1)
    span = (today - start).days
    if span < 1:
        return []
    return sorted({start + timedelta(days=span * (i + 1) // (n + 1)) for i in range(n)})


def _title(kind_title: str, platform: Platform) -> str:
    return kind_title.format(brand=platform.brand or "请你来协商")


def seed(ctx) -> None:
    """Activities at every established platform this year (held and coming up) and at the wound-up ones before they
    closed, each attended by the platform's members of that day; the demo member is present at their studio's."""
    rng, year, now = ctx.rng, ctx.year, timezone.now()
    today = timezone.localdate()
    demo_member = ctx.data.get("demo_member")
    platforms = list(Platform.objects.exclude(state=Platform.State.PROPOSED).order_by("pk"))
    places: dict[int, list[PlatformMembership]] = {}
    for m in PlatformMembership.objects.filter(platform__in=platforms).order_by("pk"):
        places.setdefault(m.platform_id, []).append(m)
    activities, invited = [], []
    for p in platforms:
        if p.state == Platform.State.WOUND_UP:
            closed = p.wound_up_on or today
            days, upcoming = [closed - timedelta(days=d) for d in (90, 45)], []
        else:
            days = _past_days(today, year, PAST_PER_PLATFORM)
            # coming up within the demo year (late December: fewer), as the rest of the demo's activities
            upcoming = [d for d in (today + timedelta(days=n) for n in (3, 17)) if d.year == year]
        for day in days + upcoming:
            kind, title = rng.choice(KINDS)
            starts = _at(day, rng.choice([9, 14, 15]))
            past = starts + timedelta(hours=2) < now
            state = rng.choice(["filed", "held"]) if past else "announced"
            activities.append(
                Activity(
                    committee_id=p.committee_id,
                    platform=p,
                    kind=kind,
                    title=_title(title, p),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    place=p.address or p.name,
                    summary="委员在平台接待群众、听取意见，形成建议若干条。" if past else "",
                    suggestions="建议相关部门加快解决群众反映的问题。" if state == "filed" else "",
                    state=state,
                )
            )
            invited.append(
                [
                    m.member_id
                    for m in places.get(p.pk, [])
                    if m.joined_on <= day and (m.left_on is None or m.left_on >= day)
                ]
            )
    activities = Activity.objects.bulk_create(activities, batch_size=2000)
    rows = []
    for activity, member_ids in zip(activities, invited, strict=True):
        held = activity.state in ("held", "filed")
        for member_id in member_ids:
            roll = 0.0 if demo_member and member_id == demo_member.pk else rng.random()
            if not held:
                rows.append(Attendance(activity=activity, member_id=member_id))
            elif roll < 0.85:
                signed_in = activity.starts_at - timedelta(minutes=rng.randrange(0, 30))
                rows.append(
                    Attendance(
                        activity=activity,
                        member_id=member_id,
                        status="present",
                        signed_in_at=signed_in,
                        sign_in_method="on_site",
                    )
                )
            elif roll < 0.95:
                rows.append(
                    Attendance(
                        activity=activity,
                        member_id=member_id,
                        status="excused",
                        leave="approved",
                        leave_reason=rng.choice(REASONS),
                    )
                )
            else:
                rows.append(Attendance(activity=activity, member_id=member_id, status="absent"))
    Attendance.objects.bulk_create(rows, batch_size=5000)
    documents = _evidence([p for p in platforms if p.state == Platform.State.ESTABLISHED])
    ctx.say(f"platforms: {len(activities)} activities at {len(platforms)} platforms, {documents} documents")


def _evidence(platforms: list[Platform]) -> int:
    """Photos of the venue and the sign and the rules of every established platform (one stored file of each)."""
    from demo.groups_activities import _photo

    photo = _photo()
    rules = default_storage.save("platforms/demo/rules.pdf", ContentFile(RULES_PDF))
    sizes = {photo: default_storage.size(photo), rules: len(RULES_PDF)}
    kinds = [
        (PlatformDocument.Kind.VENUE_PHOTO, photo, "image/jpeg", "平台场地.jpg", "议事场地"),
        (PlatformDocument.Kind.SIGN_PHOTO, photo, "image/jpeg", "平台标识.jpg", "门牌标识"),
        (PlatformDocument.Kind.RULES, rules, "application/pdf", "议事规则.pdf", "平台议事规则"),
    ]
    rows = [
        PlatformDocument(
            platform=p,
            kind=kind,
            file=name,
            content_type=content_type,
            size=sizes[name],
            original_name=original,
            caption=caption,
        )
        for p in platforms
        for kind, name, content_type, original, caption in kinds
    ]
    PlatformDocument.objects.bulk_create(rows)
    return len(rows)
