"""The placeholder links of before the merges are carried over to the real foreign keys."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests import factories as f
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import ProposalFactory

BEFORE = [("consultations", "0003_links_to_activities_and_proposals")]
AFTER = [("consultations", "0005_remove_placeholder_links")]


@pytest.fixture
def back_to_the_latest_schema():
    """The tests after this one on the same database need every migration applied again."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_activity_ids_and_proposal_refs_become_links(back_to_the_latest_schema):
    committee = f.CommitteeFactory()
    activity = ActivityFactory(group=f.ActivityGroupFactory(committee=committee))
    proposal = ProposalFactory(committee=committee, state="filed", serial_number=15)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Session = apps.get_model("consultations", "ConsultationSession")
    Outcome = apps.get_model("consultations", "Outcome")
    common = {
        "committee_id": committee.pk,
        "form": "grassroots",
        "level": "community",
        "place": "议事厅",
        "starts_at": timezone.now(),
        "state": "held",
    }
    linked = Session.objects.create(title="有活动", legacy_activity_id=activity.pk, **common)
    dangling = Session.objects.create(title="活动已不存在", legacy_activity_id=activity.pk + 999, **common)
    by_id = Outcome.objects.create(
        committee_id=committee.pk, session=linked, title="a", content="a", proposal_ref=str(proposal.pk)
    )
    by_number = Outcome.objects.create(
        committee_id=committee.pk, session=linked, title="b", content="b", proposal_ref="2026-015"
    )
    unknown = Outcome.objects.create(
        committee_id=committee.pk, session=linked, title="c", content="c", proposal_ref="无此提案"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Session = apps.get_model("consultations", "ConsultationSession")
    Outcome = apps.get_model("consultations", "Outcome")
    assert Session.objects.get(pk=linked.pk).activity_id == activity.pk
    assert Session.objects.get(pk=dangling.pk).activity_id is None
    assert Outcome.objects.get(pk=by_id.pk).proposal_id == proposal.pk
    assert Outcome.objects.get(pk=by_number.pk).proposal_id == proposal.pk
    assert Outcome.objects.get(pk=unknown.pk).proposal_id is None
