"""Demo volume: two years of proposals (about four per member), co-signers and public-opinion reports.

``demo.proposals`` gives each committee a readable plenary; this step tops the proposals up to
``PROPOSALS_PER_MEMBER`` per member over the previous and the current year (the previous year's are
mostly answered and closed), with confirmed co-signers on about a third, and adds a report for about
every ``MEMBERS_PER_REPORT`` members with adoptions and leaders' instructions. Same state logic as
``demo.proposals``; written with ``demo.bulk`` (COPY on PostgreSQL).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from demo.bulk import (
    assign_pks,
    foreign_keys_checked_at_end,
    indexes_built_at_end,
    insert_objects,
    insert_rows,
    reset_sequences,
    triggers_off,
)
from demo.proposals import MIX, PDF, TOPICS, _advance, _proposals, merge_targets
from groups.models import Committee, Member
from proposals import deadlines_tally, similarity, tally
from proposals.models import (
    Adoption,
    Assignment,
    CoAuthorInvitation,
    CoSigner,
    Feedback,
    ImplementationEntry,
    Instruction,
    OpinionReport,
    Proposal,
    Reply,
    ReportIssue,
)

PROPOSALS_PER_MEMBER = 4
MEMBERS_PER_REPORT = 5
# Last year's proposals have been through the whole cycle.
LAST_YEAR_MIX = (
    [Proposal.State.CLOSED] * 14
    + [Proposal.State.RATED] * 3
    + [Proposal.State.NOT_FILED] * 3
    + [Proposal.State.MERGED] * 2
    + [Proposal.State.REPLIED]
)
LEVELS = ["district", "city", "city", "provincial", "national"]
LEADERS = ["王市长", "李书记", "张副市长", "刘主席"]


def _at(d: date) -> datetime:
    return datetime.combine(d, time(9, 30), tzinfo=timezone.get_current_timezone())


def _save(c: Committee, rows: list[Proposal], pdf_name: str) -> None:
    """Keys first (merged proposals point at filed ones), then every table in one COPY each."""
    assign_pks(Proposal, rows)
    merge_targets(rows)
    for p in rows:
        p.created_at = p.submitted_at or _at(date(p.year, 1, 5))
        p.updated_at = p.closed_at or p.filed_at or p.created_at
    insert_objects(Proposal, rows)
    related = {Assignment: [], Reply: [], Feedback: [], ImplementationEntry: []}
    for p in rows:
        for model, attr in (
            (Assignment, "_assignments"),
            (Reply, "_replies"),
            (Feedback, "_feedback"),
            (ImplementationEntry, "_implementation"),
        ):
            for obj in getattr(p, attr, []):
                obj.proposal = p
                if model is Reply:
                    obj.signed_pdf = pdf_name
                if model is Feedback:
                    obj.created_at = _at(p._replies[obj.round - 1].replied_on + timedelta(days=7))
                related[model].append(obj)
    for model, objs in related.items():
        insert_objects(model, objs)
    for committee_id, year in {(p.committee_id, p.year) for p in rows}:
        similarity.rebuild(committee_id, year)  # the review queue's hints, as submission writes them


def _cosigners(ctx, rows: list[Proposal], members: list[int]) -> int:
    rng, now = ctx.rng, timezone.now()
    out = []
    for p in rows:
        if p.submitted_at is None or p.kind == Proposal.Kind.COLLECTIVE or rng.random() > 0.35:
            continue
        invited = p.submitted_at - timedelta(days=rng.randrange(2, 10))
        for m in set(rng.sample(members, rng.randint(1, 4))) - {p.lead_proposer_id}:
            roll = rng.random()
            status = "confirmed" if roll < 0.85 else ("declined" if roll < 0.95 else "expired")
            out.append(
                (
                    p.pk,
                    m,
                    status,
                    (invited + timedelta(days=7)).date(),
                    invited,
                    None if status == "expired" else min(invited + timedelta(days=rng.randrange(1, 6)), now),
                )
            )
    return insert_rows(CoSigner, ("proposal_id", "member_id", "status", "deadline", "invited_at", "responded_at"), out)


def _reports(ctx, c: Committee, year: int, count: int, members: list[int]) -> int:
    rng, today = ctx.rng, timezone.localdate()
    issues = list(ReportIssue.objects.filter(committee=c, year=year).order_by("number"))
    if not issues:
        issues = [
            ReportIssue(committee=c, year=year, number=n + 1, published_on=date(year, 2 + n, 15)) for n in range(6)
        ]
        insert_objects(ReportIssue, issues)
    last = date(year, 12, 31) if year < today.year else today - timedelta(days=1)
    span = (last - date(year, 1, 1)).days + 1
    if span < 1:  # 1 January: nothing reported this year yet
        return 0
    reports, adoptions, instructions, co_authors, invitations = [], [], [], [], []
    for _ in range(count):
        _cat, topic, detail = TOPICS[rng.randrange(len(TOPICS))]
        state = rng.choice(["submitted", "accepted", "declined", "compiled", "compiled", "compiled"])
        submitted = _at(date(year, 1, 1) + timedelta(days=rng.randrange(span)))
        issue = rng.choice(issues) if state == "compiled" else None
        reports.append(
            OpinionReport(
                committee=c,
                year=year,
                author_id=rng.choice(members),
                state=state,
                title=f"关于{topic}中{detail}问题的情况反映",
                content=f"近期调研发现，{topic}工作中{detail}方面群众反映较多，主要表现为……建议有关部门加强统筹、及时回应。",
                decline_reason="内容与已编发信息重复" if state == "declined" else "",
                issue=issue,
                created_at=submitted,
                updated_at=submitted + timedelta(days=rng.randrange(3, 20)) if state != "submitted" else submitted,
            )
        )
    assign_pks(OpinionReport, reports)
    for r in reports:
        if rng.random() < 0.2:
            named = sorted(set(rng.sample(members, 2)) - {r.author_id})
            co_authors += [(r.pk, m) for m in named]
            # every co-author confirmed an invitation (``co_authors`` holds exactly the confirmed ones)
            invitations += [
                (r.pk, m, "confirmed", timezone.localdate(r.created_at), r.created_at, r.created_at) for m in named
            ]
        if r.state != "compiled":
            continue
        on = min(timezone.localdate(r.created_at) + timedelta(days=rng.randrange(20, 90)), last)
        if rng.random() < 0.5:
            adoptions.append(Adoption(report=r, level=rng.choice(LEVELS), date=on, adopted_by=""))
        if rng.random() < 0.25:
            instructions.append(
                Instruction(
                    report=r,
                    leader=rng.choice(LEADERS),
                    level=rng.choice(LEVELS[:3]),
                    date=on,
                    text="请有关部门认真研究，抓好落实。",
                )
            )
    insert_objects(OpinionReport, reports)
    insert_objects(Adoption, adoptions)
    insert_objects(Instruction, instructions)
    insert_rows(OpinionReport.co_authors.through, ("opinionreport_id", "member_id"), co_authors)
    insert_rows(
        CoAuthorInvitation, ("report_id", "member_id", "status", "deadline", "invited_at", "responded_at"), invitations
    )
    return len(reports)


VOLUME_MODELS = [
    Proposal,
    Assignment,
    Reply,
    Feedback,
    ImplementationEntry,
    CoSigner,
    ReportIssue,
    OpinionReport,
    Adoption,
    Instruction,
    OpinionReport.co_authors.through,
    CoAuthorInvitation,
]


def seed(ctx) -> None:
    with (
        foreign_keys_checked_at_end(*VOLUME_MODELS),
        indexes_built_at_end(*VOLUME_MODELS),
        _cosigners_counted_at_end(),
    ):
        _seed(ctx)


# The triggers of migration 0006 a bulk load would fire per row: the co-signers' insert, and the
# proposal's own insert and update (the final recount would otherwise count every proposal again); and the
# figure cells' of migration 0020 (an upsert per proposal written: counted once at the end instead).
COUNT_TRIGGERS = (
    ("proposals_cosigner", "cosigner_count_insert"),
    ("proposals_proposal", "proposal_cosigner_count_insert"),
    ("proposals_proposal", "proposal_cosigner_count_update"),
    ("proposals_proposal", "figure_tally_insert_delete"),
    ("proposals_proposal", "figure_tally_update"),
    # the open deadlines' of migration 0029: an upsert per assignment written, counted once at the end instead
    ("proposals_assignment", "deadline_tally_insert_delete"),
    ("proposals_assignment", "deadline_tally_update"),
    ("proposals_proposal", "deadline_tally_proposal_update"),
    ("proposals_proposal", "deadline_tally_proposal_delete"),
    # the assignment's kept proposal state of migration 0030: a look-up per assignment written, set once at the end
    ("proposals_assignment", "assignment_state_write"),
    ("proposals_proposal", "assignment_state_follow"),
    # the reports' cells of migration 0035: an upsert per report, a delta per adoption and instruction statement
    ("proposals_opinionreport", "report_tally_insert_delete"),
    ("proposals_opinionreport", "report_tally_update"),
    ("proposals_adoption", "report_tally_adoption_insert"),
    ("proposals_instruction", "report_tally_instruction_insert"),
)


RECOUNT_COSIGNERS = (
    "UPDATE proposals_proposal p SET confirmed_cosigners = c.n FROM (SELECT proposal_id, COUNT(*) AS n "
    "FROM proposals_cosigner WHERE status = 'confirmed' GROUP BY proposal_id) c "
    "WHERE c.proposal_id = p.id AND p.confirmed_cosigners <> c.n"
)
SET_ASSIGNMENT_STATES = (
    "UPDATE proposals_assignment a SET proposal_state = p.state FROM proposals_proposal p "
    "WHERE p.id = a.proposal_id AND a.proposal_state IS DISTINCT FROM p.state"
)


@contextmanager
def _cosigners_counted_at_end():
    """On PostgreSQL, the database's co-signer count (proposals/0006), figure cells (proposals/0020) and the reports' (proposals/0035), open
    deadlines (proposals/0029) and the assignments' kept proposal state (proposals/0030) are switched off for the
    bulk load, then every proposal recounted and every assignment's state set by one statement each and the cells
    rebuilt (a trigger per row would update a proposal row per confirmed co-signer, a cell per
    proposal and a committee-year per assignment written: seconds at 200,000 proposals). Elsewhere the triggers
    count."""
    with triggers_off(COUNT_TRIGGERS, then=[RECOUNT_COSIGNERS, SET_ASSIGNMENT_STATES]):
        yield
    if connection.vendor == "postgresql":
        tally.rebuild()
        deadlines_tally.rebuild()


def _seed(ctx) -> None:
    todo = ctx.members_total * PROPOSALS_PER_MEMBER - Proposal.objects.count()
    if todo <= 0:
        return
    pdf_name = Reply.objects.order_by("pk").values_list("signed_pdf", flat=True).first()
    if not pdf_name:
        from django.core.files.base import ContentFile

        pdf_name = default_storage.save("proposals/replies/demo-signed-reply.pdf", ContentFile(PDF))
    sizes = {c.pk: c.members.count() for c in ctx.committees}
    whole = sum(sizes.values()) or 1
    made = cosigned = reported = 0
    left = todo
    for i, c in enumerate(ctx.committees):
        members = list(Member.objects.filter(committee=c).order_by("pk").values_list("pk", flat=True))
        share = left if i == len(ctx.committees) - 1 else todo * sizes[c.pk] // whole
        left -= share
        for year, mix, n in ((ctx.year - 1, LAST_YEAR_MIX, share // 2), (ctx.year, MIX, share - share // 2)):
            serial = Proposal.objects.filter(committee=c, year=year).aggregate(m=Max("serial_number"))["m"] or 0
            rows = _proposals(ctx, c, n, None, year=year, mix=mix)
            _advance(ctx, c, rows, None, serial=serial)
            _save(c, rows, pdf_name)
            cosigned += _cosigners(ctx, rows, members)
            made += len(rows)
            count = len(members) // MEMBERS_PER_REPORT // 2
            reported += _reports(ctx, c, year, count, members)
    reset_sequences(*VOLUME_MODELS)
    ctx.say(f"proposals (volume): {made} more proposals, {cosigned} co-signers, {reported} more reports")
