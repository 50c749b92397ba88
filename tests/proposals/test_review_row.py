"""``{% review_row p picked %}`` (proposals/templatetags/review_rows.py) writes what the review queue's loop body it
replaced wrote: ticked or not, with and without a number, likely duplicates and co-signers (one and several), titles
and names needing escapes, in both languages. The counts it writes (co-signers, likely duplicates) are no figures:
``tests/test_figures_drilldown.py``'s NOT_FIGURES said so of the template's, and the proposal's page names them."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils.translation import override

from groups.models import Committee, Member
from proposals.models import Proposal
from proposals.models.proposal import Category

REPLACED = "{% load i18n proposal_badges %}" + (
    '  <div class="list-group-item d-flex align-items-start gap-2">\n'
    '    <label class="form-check flex-shrink-0 m-0 px-2 py-0 justify-content-center portal-pick" for="pick-{{ p.pk }}"><input class="form-check-input" type="checkbox" name="proposals" value="{{ p.pk }}" id="pick-{{ p.pk }}"{% if p.pk in picked %} checked{% endif %}><span class="visually-hidden">{{ p.pick_label }}</span></label>\n'
    '    <a class="flex-grow-1 text-body text-decoration-none text-break" href="{% url \'proposals:detail\' p.pk %}">\n'
    '      <span class="d-flex flex-wrap justify-content-between gap-2"><span class="fw-semibold text-primary">{% if p.serial_number %}{{ p.number_display }} {% endif %}{{ p.title }}</span><span>{% if p.duplicates %}<span class="badge text-bg-warning text-wrap" data-testid="duplicate-hint">{% widthratio p.best_score 1 100 as percent %}{% blocktranslate count n=p.duplicates %}{{ n }} likely duplicate, up to {{ percent }}% alike{% plural %}{{ n }} likely duplicates, up to {{ percent }}% alike{% endblocktranslate %}</span> {% endif %}{% state_badge p %}</span></span>\n'
    '      <span class="d-block small text-secondary">{{ p.committee.name }} · {{ p.lead_proposer.name }}{% if p.confirmed_cosigners %} {% blocktranslate count n=p.confirmed_cosigners %}and {{ n }} co-signer{% plural %}and {{ n }} co-signers{% endblocktranslate %}{% endif %} · {{ p.get_category_display }} · {{ p.submitted_at|date:"Y-m-d" }}</span>\n'
    "    </a>\n"
    "  </div>\n"
)


def proposal(pk, *, serial=None, duplicates=0, score=0.0, cosigners=0, title="关于加强社区养老服务的提案"):
    p = Proposal(
        pk=pk,
        title=title,
        serial_number=serial,
        state=Proposal.State.SUBMITTED if pk % 2 else Proposal.State.UNDER_REVIEW,
        round=1 + pk % 3,
        is_key=pk % 4 == 0,
        category=Category.values[pk % len(Category.values)],
        confirmed_cosigners=cosigners,
        submitted_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC) if pk % 5 else None,  # the local day is the 2nd
    )
    p.committee = Committee(name="东湖区政协 <&>")
    p.lead_proposer = Member(name='张三 "丰"')
    p.duplicates = duplicates
    p.best_score = score
    p.pick_label = f"Select “{title}”"
    return p


ROWS = [
    proposal(1),
    proposal(2, serial=58, duplicates=1, score=0.834, cosigners=1),
    proposal(3, serial=7, duplicates=3, score=0.5, cosigners=4, title="<b>A & B</b> 'quoted'"),
    proposal(4, duplicates=2, score=0.996),
    proposal(5, cosigners=2),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_review_row_tag_writes_what_the_template_wrote(language):
    tag = Template("{% load review_rows %}{% review_row p picked %}")
    with override(language):
        for p in ROWS:
            for picked in (set(), {p.pk}):
                context = Context({"p": p, "picked": picked})
                assert tag.render(context) == Template(REPLACED).render(context), (language, p.pk, picked)
