"""The demo data: every state present, and the demo member and unit have something to see."""

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse

from activities.models import Activity, Evidence
from core.models import User
from proposals.models import CoSigner, OpinionReport, Proposal

pytestmark = pytest.mark.django_db


def test_the_demo_has_proposals_in_every_state_and_work_for_the_demo_logins(client):
    call_command("seed_demo", members=120, districts=1, force=True, verbosity=0)
    assert set(Proposal.objects.values_list("state", flat=True)) == set(Proposal.State.values)
    assert not Proposal.objects.filter(state="merged", merged_into__isnull=True).exists()
    assert OpinionReport.objects.filter(adoptions__isnull=False).exists()
    member = User.objects.get(username="member")
    assert Proposal.objects.filter(lead_proposer__user=member, state="replied").exists()
    assert CoSigner.objects.filter(member__user=member, status="invited").exists()
    # the bulk load (COPY with the count triggers off on PostgreSQL) leaves every proposal's count true
    confirmed = Count("cosigners", filter=Q(cosigners__status=CoSigner.Status.CONFIRMED))
    assert Proposal.objects.filter(confirmed_cosigners__gt=0).exists()
    assert not Proposal.objects.annotate(n=confirmed).exclude(confirmed_cosigners=F("n")).exists()
    # and every activity's evidence flag (the evidence trigger off for the bulk load, one statement after it)
    documented = Activity.objects.filter(has_evidence=True)
    assert documented.exists()
    assert (
        not Activity.objects.annotate(n=Exists(Evidence.objects.filter(activity=OuterRef("pk"))))
        .exclude(has_evidence=F("n"))
        .exists()
    )
    # and every activity's kept counts (the count triggers on for the load: once per statement on PostgreSQL)
    counted = Activity.objects.annotate(
        invited=Count("attendances", distinct=True),
        present=Count("attendances", filter=Q(attendances__status="present"), distinct=True),
        photos=Count("evidence", distinct=True),
    )
    assert Activity.objects.filter(invited_count__gt=0, present_count__gt=0, evidence_count__gt=0).exists()
    assert not counted.exclude(
        invited_count=F("invited"), present_count=F("present"), evidence_count=F("photos")
    ).exists()
    client.force_login(member)
    assert client.get(reverse("proposals:mine")).context["own"].paginator.count  # a page of the lead proposals
    client.force_login(User.objects.get(username="unit"))
    assert client.get(reverse("proposals:unit")).context["page_obj"].paginator.count > 0
    client.force_login(User.objects.get(username="staff"))
    assert client.get(reverse("proposals:figures")).context["totals"]["submitted"] > 50


def test_merged_proposals_find_their_target_in_one_pass_over_the_rows():
    """``seed_demo --members 50000`` merges thousands of proposals into tens of thousands of filed ones: each
    merged one used to scan every filed one (minutes). Reads of ``category`` count the work."""
    from demo.proposals import merge_targets

    reads = 0

    class Row:
        def __init__(self, n: int, state: str):
            self._category, self.state, self.merged_into = ("urban", "society", "culture")[n % 3], state, None
            self.serial_number = n if state == "filed" else None

        @property
        def category(self):
            nonlocal reads
            reads += 1
            return self._category

    rows = [Row(n, "merged" if n % 20 == 0 else "filed") for n in range(4000)]
    merge_targets(rows)
    merged = [r for r in rows if r.state == "merged"]
    assert len(merged) == 200 and all(r.merged_into.state == "filed" for r in merged)
    assert all(r.merged_into.category == r.category for r in merged)
    assert reads < 3 * len(rows)  # linear: the scan made 200 x 3800


def test_a_merged_proposal_with_nothing_filed_yet_stays_under_review():
    from types import SimpleNamespace

    from demo.proposals import merge_targets

    row = SimpleNamespace(category="urban", state="merged", serial_number=None, merged_into=None)
    merge_targets([row])
    assert row.state == "under_review" and row.merged_into is None
