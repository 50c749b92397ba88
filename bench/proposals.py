"""Timing of the proposal figures and the duplicate search at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cppcc_bench .venv/bin/python bench/proposals.py \
        [--per-year 5000] [--total 200000] [--keep]

Builds (once) one committee holding ``--total`` proposals, ``--per-year`` in each session year, with
replies, ratings and units, then times the figures of one committee-year (selector and the whole
page through the test client), the API stats endpoint, and the likely-duplicate search. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cppcc_portal.settings")
os.environ.setdefault("DEBUG", "true")  # a development database: DEBUG is off unless asked for

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.models import User  # noqa: E402
from demo.proposals import TOPICS, VERBS  # noqa: E402
from groups.models import Committee, CommitteeStaff, HandlingUnit, Member, Sector, Term  # noqa: E402
from proposals import selectors  # noqa: E402
from proposals.models import OpinionReport, Proposal  # noqa: E402

CODE = "bench"
PLACES = ["东湖街道", "湖滨街道", "望江街道", "新桥镇", "柳林镇", "青石镇", "西山街道", "云岭街道", "白沙镇", "桃源镇"]


def build(per_year: int, total: int) -> Committee:
    call_command("migrate", verbosity=0)
    committee = Committee.objects.filter(code=CODE).first()
    if committee and committee.proposals.count() >= total:
        return committee
    committee = committee or Committee.objects.create(name="基准测试区政协", level="district", code=CODE)
    term = Term.objects.get_or_create(
        committee=committee,
        number=1,
        defaults={"start_date": date(1980, 1, 1), "end_date": date(2030, 1, 1), "is_current": True},
    )[0]
    sector = Sector.objects.get_or_create(committee=committee, name="经济界")[0]
    if not committee.members.exists():
        Member.objects.bulk_create(
            Member(committee=committee, term=term, name=f"委员{i}", sector=sector, party="nonparty") for i in range(800)
        )
        HandlingUnit.objects.bulk_create(HandlingUnit(committee=committee, name=f"单位{i}") for i in range(40))
    staff = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})[0]
    CommitteeStaff.objects.get_or_create(user=staff, committee=committee, role="secretariat")
    members = list(committee.members.values_list("pk", flat=True))
    units = list(committee.handling_units.values_list("pk", flat=True))
    rng = random.Random(7)
    done = committee.proposals.count()
    years = total // per_year
    started = time.monotonic()
    batch = []
    for n in range(done, total):
        year = 2026 - years + 1 + n // per_year
        cat, topic, detail = TOPICS[rng.randrange(len(TOPICS))]
        title = f"{rng.choice(VERBS)}{rng.choice(PLACES)}{topic}{rng.choice(['', '中' + detail, '和' + detail])}的建议"
        state = rng.choice(["closed"] * 6 + ["rated", "replied", "handling", "assigned", "not_filed", "submitted"])
        filed = state not in ("not_filed", "submitted")
        late = rng.random() < 0.2
        due = date(year, 6, 30)
        batch.append(
            Proposal(
                committee=committee,
                year=year,
                lead_proposer_id=rng.choice(members),
                title=title,
                category=cat,
                suggestions="建议",
                state=state,
                serial_number=(n % per_year) + 1 if filed else None,
                not_filed_reason="不具体" if state == "not_filed" else "",
                lead_unit_id=rng.choice(units) if filed else None,
                reply_due=due if filed else None,
                replied_on_time=(not late) if state in ("replied", "rated", "closed") else None,
                result_code=rng.choice("AABBCD") if state in ("replied", "rated", "closed") else "",
                rating=rng.choice(["satisfied"] * 7 + ["basic", "basic", "unsatisfied"])
                if state in ("rated", "closed")
                else "",
                first_rating=rng.choice(["satisfied"] * 6 + ["basic", "unsatisfied"])
                if state in ("rated", "closed")
                else "",
                implemented_on=due + timedelta(days=90) if state == "closed" and rng.random() < 0.5 else None,
            )
        )
        if len(batch) == 5000:
            Proposal.objects.bulk_create(batch)
            batch = []
            print(f"  inserted {n + 1} proposals ({time.monotonic() - started:.0f}s)", flush=True)
    Proposal.objects.bulk_create(batch)
    OpinionReport.objects.bulk_create(
        OpinionReport(committee=committee, year=2026, author_id=rng.choice(members), title="情况反映", content="内容")
        for _ in range(500)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE proposals_proposal")
    return committee


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-year", type=int, default=5000)
    parser.add_argument("--total", type=int, default=200000)
    args = parser.parse_args()
    committee = build(args.per_year, args.total)
    year = 2026
    client = Client()
    client.force_login(User.objects.get(username="bench-staff"))
    probe = Proposal.objects.filter(committee=committee, year=year, state="submitted").order_by("pk")[10]
    rows = []

    def figures():
        return selectors.figures(
            Proposal.objects.filter(committee=committee, year=year),
            OpinionReport.objects.filter(committee=committee, year=year),
            [committee.pk],
        )

    for label, fn in [
        ("figures selector, one committee-year", figures),
        (
            "figures page (GET /proposals/figures/)",
            lambda: client.get(f"/proposals/figures/?year={year}&committee={committee.pk}"),
        ),
        (
            "stats API (GET /api/v1/proposal-stats/)",
            lambda: client.get(f"/api/v1/proposal-stats/?year={year}&committee={committee.pk}"),
        ),
        ("figures Excel export", lambda: client.get(f"/proposals/figures.xlsx?year={year}&committee={committee.pk}")),
        ("duplicate search, top 5 of the session", lambda: selectors.similar_proposals(probe)),
        ("review page with duplicates (GET detail)", lambda: client.get(f"/proposals/{probe.pk}/")),
        ("review queue page (50 rows, duplicate badges)", lambda: client.get("/proposals/review/")),
        ("overdue list, first page", lambda: client.get("/proposals/overdue/")),
    ]:
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            fn()
        median, worst = timed(fn)
        rows.append((label, median, worst, len(queries)))
    total = Proposal.objects.filter(committee=committee).count()
    in_year = Proposal.objects.filter(committee=committee, year=year).count()
    print(f"\n{connection.vendor}: {total} proposals in all, {in_year} in {year}")
    print(f"{'what':47} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for label, median, worst, q in rows:
        print(f"{label:47} {median:10.1f} {worst:8.1f} {q:8d}")
    print("\nduplicates of:", probe.title)
    for s in selectors.similar_proposals(probe):
        print(f"  {s.score:.2f} {s.proposal.title}")


if __name__ == "__main__":
    main()
