"""``{% session_row s %}`` (consultations/templatetags/session_rows.py) writes what the session list's card template
wrote: every state, level and form, with and without a platform and a brand, published or not, texts needing
escapes, counts of zero and more, in both languages."""

from datetime import UTC, datetime
from itertools import product

import pytest
from django.template import Context, Template
from django.utils.translation import override

from consultations.models import ConsultationSession
from groups.models import Platform

# the card as consultations/session_list.html wrote it before the tag
CARD = (
    "{% load i18n figures %}"
    '<div class="card shadow-sm mb-2">\n'
    '  <div class="card-body py-2">\n'
    '    <div class="d-flex justify-content-between gap-2"><a class="fw-semibold text-decoration-none" href="{% url \'consultations:session\' s.pk %}">{{ s.title }}</a><span class="badge text-bg-light border align-self-start">{{ s.get_state_display }}</span></div>\n'
    '    <div class="small text-secondary">{{ s.starts_at|date:"Y-m-d H:i" }} · {{ s.get_level_display }} · {{ s.display_form }}{% if s.platform %} · {{ s.platform }}{% endif %}</div>\n'
    '    {% url \'consultations:session_rows\' s.pk as rows %}{% figure s.present_count rows figure="present" as p %}{% figure s.participant_count rows figure="participants" as o %}{% figure s.outcome_count rows figure="outcomes" as n %}\n'
    '    <div class="small" data-figures>{% blocktranslate %}{{ p }} members present · {{ o }} other participants · {{ n }} outcomes{% endblocktranslate %}{% if s.is_published %} · <span class="text-success">{% translate "published" %}</span>{% endif %}</div>\n'
    "  </div>\n"
    "</div>"
)


def sessions():
    field = ConsultationSession._meta.get_field
    states, levels, forms = ([value for value, _label in field(name).choices] for name in ("state", "level", "form"))
    for n, (state, level, form, platform, published) in enumerate(
        product(states, levels, forms, [False, True], [False, True]), start=1
    ):
        s = ConsultationSession(
            pk=n,
            title='协商<议题> & "民生"' if n % 2 else "请你来协商",
            state=state,
            level=level,
            form=form,
            brand="请你来协商" if n % 3 == 0 else "",
            starts_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),  # the local day is the 2nd
            is_published=published,
        )
        if platform:
            s.platform = Platform(pk=n, name="委员工作室 <A&B>")
        s.present_count, s.participant_count, s.outcome_count = n % 4, 0, n
        yield s


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_session_row_tag_writes_what_the_template_wrote(language):
    tag, card = Template("{% load session_rows %}{% session_row s %}"), Template(CARD)
    with override(language):
        for s in sessions():
            context = Context({"s": s})
            assert tag.render(context) == card.render(context), s
