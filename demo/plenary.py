"""Demo plenary attendance: the demo year's plenary session of every committee, in half-days.

Called by ``demo.assessments.seed`` (after the organisation and proposals exist). Bulk-inserted: one
row per member in office, so ``seed_demo --members 300`` adds 300 rows. Its own random generator,
so the other demo steps draw the same numbers with or without it.
"""

from __future__ import annotations

import random

from django.utils import timezone

from groups.models import Member, PlenarySession
from plenary.models import PlenaryAttendance

HALF_DAYS = 5  # two and a half days: opening, group discussions, closing
LEAVE_REASONS = ["因公出差", "病假", "参加上级会议"]


def _counts(rng: random.Random) -> tuple[int, int, int, str]:
    roll = rng.random()
    if roll < 0.85:
        return HALF_DAYS, 0, 0, ""
    if roll < 0.96:
        excused = rng.randint(1, HALF_DAYS)
        return HALF_DAYS - excused, excused, 0, rng.choice(LEAVE_REASONS)
    absent = rng.randint(1, 2)
    return HALF_DAYS - absent, 0, absent, ""


def seed(ctx) -> None:
    """Attendance of every member in office at their committee's plenary session of ``ctx.year``, once it is
    over (in the first days of January the year's session has not met yet)."""
    rng = random.Random(ctx.year)
    today = timezone.localdate()
    demo_member = ctx.data.get("demo_member")
    staff = ctx.logins.get("staff")
    rows = []
    for committee in ctx.committees:
        session = PlenarySession.objects.filter(term__committee=committee, year=ctx.year).first()
        if session is None or session.end_date >= today:
            continue
        PlenarySession.objects.filter(pk=session.pk).update(half_days=HALF_DAYS)
        members = Member.objects.filter(committee=committee, status=Member.Status.ACTIVE).values_list("pk", flat=True)
        for member_id in members:
            present, excused, absent, reason = _counts(rng)
            if demo_member is not None and member_id == demo_member.pk:
                present, excused, absent, reason = HALF_DAYS - 1, 1, 0, "因公出差"  # something to see on their record
            rows.append(
                PlenaryAttendance(
                    session=session,
                    member_id=member_id,
                    present=present,
                    excused=excused,
                    absent=absent,
                    leave_reason=reason,
                    recorded_by=staff,
                )
            )
    PlenaryAttendance.objects.bulk_create(rows, batch_size=2000)
    ctx.say(f"plenary sessions: {len(rows)} members' attendance in half-days")
