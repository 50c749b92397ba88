"""Demo volume: two years of activities and attendance in the proportions of a real committee.

``demo.groups_activities`` gives every group a readable year; this step tops the activities up to
``ACTIVITIES_PER_MEMBER`` per member over the previous and the current year, each with about
``INVITED`` invited members, so ``seed_demo --members 50000`` gives a city's scale (about
500,000 activities and 5,000,000 attendance rows). Rows are generated from the seeded generator and
written with ``demo.bulk`` (COPY on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from activities.models import Activity, Attendance, Evidence
from demo.bulk import (
    foreign_keys_checked_at_end,
    indexes_built_at_end,
    insert_rows,
    next_pk,
    reset_sequences,
    triggers_off,
)
from demo.groups_activities import ATTENDANCE_COLUMNS, ENTER_TITLES, REASONS, SIX_FOR_KIND, TITLES
from groups.models import ActivityGroup, ContactPoint, GroupMembership

ACTIVITIES_PER_MEMBER = 10
INVITED = (8, 12)  # invited members per activity: about ten
CHUNK = 20_000  # activities generated and written at a time

# An activity's counts of its rows, kept by the database (activities 0007 and 0009), in this order.
KEPT_COUNTS = ("has_evidence", "invited_count", "present_count", "evidence_count")
ACTIVITY_COLUMNS = (
    "id",
    "committee_id",
    "group_id",
    "kind",
    "target",
    "contact_point_id",
    "six_item",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "summary",
    "suggestions",
    "state",
    "version",
    "created_at",
    "updated_at",
    *KEPT_COUNTS,
)
EVIDENCE_COLUMNS = (
    "activity_id",
    "kind",
    "file",
    "thumbnail",
    "content_type",
    "size",
    "original_name",
    "caption",
    "uploaded_at",
)
KINDS = list(TITLES) + ["three_enters"] * 3


def _share(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), deterministically."""
    whole = sum(weights) or 1
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))[: total - sum(counts)]:
        counts[i] += 1
    return counts


def seed(ctx) -> None:
    with (
        foreign_keys_checked_at_end(Activity, Attendance, Evidence),
        indexes_built_at_end(Activity, Attendance, Evidence),
        triggers_off(ROW_COUNT_TRIGGERS) as written_with_rows,
    ):
        _seed(ctx, counts=written_with_rows)


# The triggers of activities 0007 and 0009 that keep an activity's counts of its rows (``activities.kept_columns``:
# has_evidence, the invited, present and evidence counts). A bulk load would fire them per COPY: every activity of
# a chunk updated again after its attendance (20 indexes each), and the filed ones after their evidence, half a
# million activities written twice or three times at 50k. This step writes the attendance and evidence itself, so
# it writes each activity with their counts, and the triggers that would count them (or, on an activity inserted
# claiming counts, count its rows: none yet) are off for the load.
ROW_COUNT_TRIGGERS = (
    ("groups_activity", "activity_has_evidence_insert"),
    ("groups_activity", "activity_counts_insert"),
    ("groups_attendance", "attendance_count_insert"),
    ("groups_evidence", "evidence_count_insert"),
    ("groups_evidence", "evidence_has_insert"),
)


def _seed(ctx, counts: bool) -> None:
    """Write the activities, attendance and evidence; ``counts``: each activity with its rows' counts (the triggers
    that count them are off), else with none (the triggers count as the rows are written)."""
    rng, year, now = ctx.rng, ctx.year, timezone.now()
    todo = ctx.members_total * ACTIVITIES_PER_MEMBER - Activity.objects.count()
    if todo <= 0:
        return
    tz = timezone.get_current_timezone()
    groups = list(ActivityGroup.objects.order_by("pk").values_list("pk", "committee_id", "street", "name"))
    members: dict[int, list[int]] = {}
    for group_id, member_id in (
        GroupMembership.objects.active().order_by("group_id", "member_id").values_list("group_id", "member_id")
    ):
        members.setdefault(group_id, []).append(member_id)
    points: dict[int, list[tuple[int, str]]] = {}
    for group_id, pk, kind in (
        ContactPoint.objects.filter(groups__isnull=False, kind__in=["community", "village"])
        .order_by("pk")
        .values_list("groups", "pk", "kind")
    ):
        points.setdefault(group_id, []).append((pk, kind))
    parks: dict[int, list[int]] = {}
    for pk, committee_id in ContactPoint.objects.filter(kind="park").order_by("pk").values_list("pk", "committee_id"):
        parks.setdefault(committee_id, []).append(pk)
    photo = Evidence.objects.order_by("pk").values_list("file", "size").first()

    groups = [g for g in groups if members.get(g[0])]
    counts = _share(todo, [len(members[g[0]]) for g in groups])
    first_day = date(year - 1, 1, 1)
    days = (date(year, 12, 31) - first_day).days + 1
    activity_pk = next_pk(Activity)
    plan = [(g, n) for g, n in zip(groups, counts, strict=True) for _ in range(n)]
    written = attended = 0
    for start in range(0, len(plan), CHUNK):
        activities, attendance, evidence = [], [], []
        for (group_id, committee_id, street, name), _n in plan[start : start + CHUNK]:
            pk = activity_pk
            activity_pk += 1
            day = first_day + timedelta(days=rng.randrange(days))
            starts = datetime.combine(day, time(rng.choice((9, 10, 14, 15)), 0), tzinfo=tz)
            ends = starts + timedelta(hours=2)
            kind = rng.choice(KINDS)
            point_id, target = None, ""
            if kind == "three_enters":
                choices = points.get(group_id, []) + [(p, "park") for p in parks.get(committee_id, [])]
                point_id, target = rng.choice(choices) if choices else (None, "community")
            past = ends < now
            if rng.random() < 0.03:
                state = "cancelled"
            elif past:
                state = "filed" if rng.random() < 0.65 else "held"
            else:
                state = "announced" if starts < now + timedelta(days=30) else "planned"
            taken_place = state in ("held", "filed")
            six = SIX_FOR_KIND.get(kind, "") if rng.random() < 0.4 else ""
            title = ENTER_TITLES[target] if target else rng.choice(TITLES[kind])
            pool, invited = members[group_id], []
            for m in rng.sample(pool, min(rng.randint(*INVITED), len(pool))):
                if not taken_place:
                    asked = not past and rng.random() < 0.05
                    invited.append(
                        (
                            pk,
                            m,
                            "invited",
                            "requested" if asked else "",
                            rng.choice(REASONS) if asked else "",
                            starts - timedelta(days=2) if asked else None,
                            None,
                            "",
                        )
                    )
                    continue
                roll = rng.random()
                if roll < 0.8:
                    invited.append(
                        (
                            pk,
                            m,
                            "present",
                            "",
                            "",
                            None,
                            starts - timedelta(minutes=rng.randrange(30)),
                            "on_site" if roll < 0.6 else "convener",
                        )
                    )
                elif roll < 0.9:
                    invited.append(
                        (pk, m, "excused", "approved", rng.choice(REASONS), starts - timedelta(days=2), None, "")
                    )
                else:
                    invited.append((pk, m, "absent", "", "", None, None, ""))
            photos = 1 if state == "filed" and photo else 0
            if photos:
                evidence.append(
                    (
                        pk,
                        "photo",
                        photo[0],
                        photo[0],
                        "image/jpeg",
                        photo[1],
                        "活动现场.jpg",
                        "活动现场",
                        ends + timedelta(hours=3),
                    )
                )
            attendance += invited
            # the counts of the rows just made, where the triggers that would count them are off (``seed``)
            present = sum(1 for row in invited if row[2] == "present")
            kept = (photos > 0, len(invited), present, photos) if counts else (False, 0, 0, 0)
            activities.append(
                (
                    pk,
                    committee_id,
                    group_id,
                    kind,
                    target,
                    point_id,
                    six,
                    title,
                    starts,
                    ends,
                    f"{street or name}委员之家",
                    "委员们深入一线听取意见，形成建议若干条。" if taken_place else "",
                    "建议加快推进相关工作。" if state == "filed" else "",
                    state,
                    1,
                    starts - timedelta(days=14),
                    ends + timedelta(days=1) if past else starts - timedelta(days=14),
                    *kept,
                )
            )
        written += insert_rows(Activity, ACTIVITY_COLUMNS, activities)
        attended += insert_rows(Attendance, ATTENDANCE_COLUMNS, attendance)
        insert_rows(Evidence, EVIDENCE_COLUMNS, evidence)
        if len(plan) > CHUNK:
            ctx.say(f"  activities: {written}/{len(plan)}")
    reset_sequences(Activity, Attendance, Evidence)
    ctx.say(f"activities (volume): {written} more activities over {year - 1}-{year}, {attended} attendance rows")
