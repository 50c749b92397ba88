"""factory_boy factories for proposals and public-opinion reports."""

from datetime import date

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals.models import Category, OpinionReport, Proposal
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "reply.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    committee = factory.SubFactory(f.CommitteeFactory)
    lead_proposer = factory.SubFactory(f.MemberFactory, committee=factory.SelfAttribute("..committee"))
    year = 2026
    title = factory.Sequence(lambda n: f"关于推进老旧小区改造第{n}项工作的建议")
    analysis = "老旧小区基础设施落后，居民反映强烈。"
    suggestions = "一、加大财政投入；二、引入社会资本；三、完善长效管理机制。"
    category = Category.URBAN
    state = Proposal.State.DRAFT
    submitted_at = None


class OpinionReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpinionReport

    committee = factory.SubFactory(f.CommitteeFactory)
    author = factory.SubFactory(f.MemberFactory, committee=factory.SelfAttribute("..committee"))
    year = 2026
    title = factory.Sequence(lambda n: f"关于社区养老服务第{n}条情况的反映")
    content = "部分社区养老服务站利用率不高，建议整合资源。"


TODAY = date(2026, 3, 2)  # a Monday


def ground(text: str = "", *, explained: bool = False) -> int:
    """The id of a national ground for not filing (the first, or the one whose text contains ``text``; ``explained``:
    one that needs an explanation)."""
    from proposals.models import NotFilingGround

    NotFilingGround.objects.ensure_national()
    rows = NotFilingGround.objects.filter(
        committee__isnull=True, is_active=True, needs_explanation=explained, text__contains=text
    ).order_by("order", "pk")
    return rows.values_list("pk", flat=True).first()
