"""The review queue at plenary scale (#18 item 5, #22): hints written at submission and read through an index,
filters, search, percentages with the shared words marked, and "下一件" after each decision."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse

from proposals import selectors, similarity
from proposals.models import DuplicateHint

pytestmark = pytest.mark.django_db

LIFT = "关于加快老旧小区加装电梯的建议"
LIFT_TOO = "关于推进老旧小区加装电梯工作的建议"
DIGITAL = "关于发展数字经济促进产业升级的建议"


def _queue(client, **params):
    response = client.get(reverse("proposals:review"), params)
    assert response.status_code == 200
    return {p.pk: p for p in response.context["page_obj"]}


def test_submitting_writes_the_hints_both_ways_for_proposals_under_review_only(world, walk):
    filed = walk.filed(title=LIFT_TOO)
    first = walk.submitted(title=LIFT)
    second = walk.submitted(title="关于加快老旧小区加装电梯进度的建议")
    pairs = set(DuplicateHint.objects.values_list("proposal_id", "similar_id"))
    assert {(first.pk, filed.pk), (first.pk, second.pk), (second.pk, first.pk), (second.pk, filed.pk)} <= pairs
    assert not any(p == filed.pk for p, _s in pairs)  # a filed proposal is not reviewed: it needs no hints


def test_the_queue_shows_how_alike_as_a_percentage_and_drops_hints_to_merged_proposals(world, client_for, walk):
    target = walk.filed(title=LIFT_TOO)
    flagged = walk.submitted(title=LIFT)
    alone = walk.submitted(title=DIGITAL)
    client = client_for(world.staff)
    rows = _queue(client)
    assert rows[flagged.pk].duplicates == 1 and rows[alone.pk].duplicates == 0
    percent = round(100 * rows[flagged.pk].best_score)
    assert f"1 件疑似重复，最高相似 {percent}%" in client.get(reverse("proposals:review")).content.decode()
    other = walk.submitted(title="关于加快老旧小区加装电梯进度的建议")
    from proposals import services

    services.proposal_merge(proposal_id=other.pk, into_id=target.pk, actor=world.staff)
    assert _queue(client)[flagged.pk].duplicates == 1  # the merged one no longer counts


def test_the_queue_filters_by_likely_duplicates_state_category_and_search(world, client_for, walk):
    walk.filed(title=LIFT_TOO)
    flagged = walk.submitted(title=LIFT, category="urban")
    alone = walk.submitted(title=DIGITAL, category="economy")
    client = client_for(world.staff)
    assert set(_queue(client, duplicates="yes")) == {flagged.pk}
    assert set(_queue(client, duplicates="no")) == {alone.pk}
    assert set(_queue(client, category="economy")) == {alone.pk}
    assert set(_queue(client, q="数字经济")) == {alone.pk}
    assert set(_queue(client, q=flagged.lead_proposer.name)) >= {flagged.pk}
    assert set(_queue(client, state="under_review")) == set()
    ordered = list(_queue(client, order="-similarity"))
    assert ordered[0] == flagged.pk


def test_the_committee_filter_offers_only_the_staffs_own_committees(world, client_for, walk):
    walk.submitted(title=LIFT)
    response = client_for(world.staff).get(reverse("proposals:review"), {"committee": world.other.pk})
    assert response.context["page_obj"].paginator.count == 0  # refused choice: the form is invalid, no rows
    committees = list(response.context["filter"].form.fields["committee"].queryset)
    assert world.other not in committees and world.district in committees


def test_the_detail_page_marks_what_two_titles_share_and_offers_the_next_proposal_after_a_decision(
    world, client_for, walk
):
    walk.filed(title=LIFT_TOO)
    first = walk.submitted(title=LIFT)
    second = walk.submitted(title=DIGITAL)
    client = client_for(world.staff)
    body = client.get(reverse("proposals:detail", args=[first.pk])).content.decode()
    assert "<mark>老旧小区加装电梯</mark>" in body and re.search(r"相似 \d+%", body)
    response = client.post(reverse("proposals:act", args=[first.pk, "file"]), follow=True)
    assert response.redirect_chain[-1][0].endswith("?decided=1")
    assert response.context["next_in_review"] == second


def test_the_review_page_costs_the_same_queries_for_3_or_30_proposals(
    world, client_for, walk, django_assert_max_num_queries
):
    client = client_for(world.staff)
    for i in range(3):
        walk.submitted(title=f"{LIFT}{i}")
    with django_assert_max_num_queries(15) as few:  # 12, and the batch form's grounds for not filing
        _queue(client)
    for i in range(27):
        walk.submitted(title=f"{LIFT}{i + 3}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        _queue(client)


def test_the_queue_reads_hints_through_their_index(world, walk):
    """On either database the hint subquery is an index search, so a page costs the same whatever the session."""
    walk.submitted(title=LIFT)
    sql, params = selectors.with_duplicate_hints(selectors.review_queue(world.staff)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: ask whether the index can serve it
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on proposals_duplicatehint" not in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN proposals_duplicatehint" not in plan.replace("USING", "\nUSING"), plan


def test_rebuilding_a_session_gives_the_hints_submission_gave(world, walk):
    walk.filed(title=LIFT_TOO)
    walk.submitted(title=LIFT)
    walk.submitted(title="关于加快老旧小区加装电梯进度的建议")
    walk.submitted(title=DIGITAL)
    written = set(DuplicateHint.objects.values_list("proposal_id", "similar_id", "score"))
    similarity.rebuild(world.district.pk, 2026)
    assert set(DuplicateHint.objects.values_list("proposal_id", "similar_id", "score")) == written


def _all_pairs_hints(world) -> set[tuple[int, int, float]]:
    """The hints of comparing every pair of the session's proposals: each one under review, its best
    ``HINT_LIMIT`` at or above the threshold, best score first, then the lower id."""
    from proposals.models import Proposal

    session = similarity._session(world.district.pk, 2026)
    titles = dict(session.values_list("pk", "title"))
    expected = set()
    for pk in session.filter(state__in=Proposal.REVIEW_STATES).values_list("pk", flat=True):
        scored = sorted(
            (
                (round(similarity.jaccard(similarity.bigrams(titles[pk]), similarity.bigrams(t)), 4), other)
                for other, t in titles.items()
                if other != pk
            ),
            key=lambda row: (-row[0], row[1]),
        )
        expected |= {
            (pk, other, score) for score, other in scored[: similarity.HINT_LIMIT] if score >= similarity.HINT_THRESHOLD
        }
    return expected


def _hints() -> set[tuple[int, int, float]]:
    return {
        (p, s, float(score)) for p, s, score in DuplicateHint.objects.values_list("proposal_id", "similar_id", "score")
    }


def test_rebuilding_a_session_whose_titles_repeat_gives_the_hints_of_every_pair(world, walk):
    """``rebuild`` scores each distinct title once (the seed's sessions repeat 240 titles over 29,000 proposals):
    a proposal still gets its own best ``HINT_LIMIT``, never itself, its namesakes first by id, then the titles
    like its own."""
    titles = (
        [LIFT] * (similarity.HINT_LIMIT + 3) + [LIFT_TOO] * 4 + [DIGITAL] * 2 + ["关于加快老旧小区加装电梯进度的建议"]
    )
    for n, title in enumerate(titles):
        (walk.submitted if n % 3 else walk.filed)(title=title)
    similarity.rebuild(world.district.pk, 2026)
    expected = _all_pairs_hints(world)
    kept = Counter(pk for pk, _s, _score in expected)
    assert max(kept.values()) == similarity.HINT_LIMIT and {score for *_, score in expected} > {1.0}  # capped; mixed
    assert _hints() == expected


def test_rebuilding_with_prefix_filtering_finds_every_pair_a_comparison_of_all_pairs_finds(world, walk):
    """``rebuild`` indexes only each title's rarest bigrams (the step that made a 50,000-member seed quadratic
    walked the bigrams every title has): the hints are still exactly those of comparing every pair."""
    import random

    rng = random.Random(22)
    words = ["老旧小区", "加装电梯", "停车", "养老", "托育", "社区食堂", "数字经济", "产业", "医疗", "教育", "绿化"]
    for n in range(40):
        title = "关于" + "".join(rng.sample(words, rng.randint(1, 4))) + ("的建议" if n % 3 else "问题")
        (walk.submitted if n % 2 else walk.filed)(title=title)
    similarity.rebuild(world.district.pk, 2026)
    expected = _all_pairs_hints(world)
    assert expected
    assert _hints() == expected
