"""Helpers to walk a proposal through its states with the real services."""

from dataclasses import dataclass

import pytest

from proposals import services
from proposals.models import Assignment, Proposal
from tests.proposals.factories import TODAY, ProposalFactory, pdf_upload


@dataclass
class Walker:
    world: object
    today: object = TODAY

    def draft(self, **kw) -> Proposal:
        kw.setdefault("committee", self.world.district)
        kw.setdefault("lead_proposer", self.world.member_record)
        return ProposalFactory(**kw)

    def submitted(self, **kw) -> Proposal:
        p = self.draft(**kw)
        return services.proposal_submit(proposal_id=p.pk, actor=p.lead_proposer.user, today=self.today)

    def filed(self, **kw) -> Proposal:
        p = self.submitted(**kw)
        return services.proposal_file(proposal_id=p.pk, actor=self.world.staff)

    def assigned(self, co=(), **kw) -> Proposal:
        p = self.filed(**kw)
        return services.proposal_assign(
            proposal_id=p.pk,
            actor=self.world.staff,
            lead_unit_id=self.world.unit.pk,
            co_unit_ids=[u.pk for u in co],
            today=self.today,
        )

    def replied(self, code="A", **kw) -> Proposal:
        p = self.assigned(**kw)
        services.proposal_reply(
            proposal_id=p.pk,
            actor=self.world.unit_user,
            text="已会同有关部门落实。",
            result_code=code,
            signed_pdf=pdf_upload(),
            today=self.today,
        )
        return Proposal.objects.get(pk=p.pk)

    def rated(self, rating="satisfied", **kw) -> Proposal:
        p = self.replied(**kw)
        services.proposal_rate(
            proposal_id=p.pk, actor=p.lead_proposer.user, rating=rating, comment="很好", today=self.today
        )
        return Proposal.objects.get(pk=p.pk)

    def closed(self, **kw) -> Proposal:
        p = self.rated(**kw)
        return services.proposal_close(proposal_id=p.pk, actor=self.world.staff, today=self.today)

    def lead(self, p) -> Assignment:
        return p.assignments.get(role="lead", is_active=True)


@pytest.fixture
def walk(world) -> Walker:
    return Walker(world)
