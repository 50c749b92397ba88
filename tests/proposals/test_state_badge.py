"""``{% state_badge p %}`` (proposals/templatetags/proposal_badges.py) writes what the included template it replaced
wrote, for every state, round, key and excellent mark, in both languages."""

import pytest
from django.template import Context, Template
from django.utils.translation import override

from proposals.models import Proposal

INCLUDED = (
    "{% load i18n %}<span class=\"badge {% if p.state == 'closed' %}text-bg-success{% elif p.state == 'not_filed' or "
    "p.state == 'merged' %}text-bg-secondary{% elif p.state == 'replied' or p.state == 'rated' %}text-bg-info"
    "{% elif p.state == 'draft' %}text-bg-light border{% else %}text-bg-primary{% endif %}\">{{ p.get_state_display }}"
    '</span>{% if p.round > 1 %} <span class="badge text-bg-warning">{% blocktranslate with n=p.round %}Round {{ n }}'
    '{% endblocktranslate %}</span>{% endif %}{% if p.is_key %} <span class="badge text-bg-danger">'
    '{% translate "Key" %}</span>{% endif %}{% if p.is_excellent %} <span class="badge text-bg-success">'
    '{% translate "Excellent" context "proposal" %}</span>{% endif %}'
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("state", Proposal.State.values)
def test_the_state_badge_tag_writes_what_the_template_wrote(language, state):
    tag = Template("{% load proposal_badges %}{% state_badge p %}")
    with override(language):
        for round_, key, excellent in [(1, False, False), (2, True, False), (3, False, True), (1, True, True)]:
            p = Proposal(state=state, round=round_, is_key=key, is_excellent=excellent)
            context = Context({"p": p})
            assert tag.render(context) == Template(INCLUDED).render(context), (state, round_, key, excellent)
