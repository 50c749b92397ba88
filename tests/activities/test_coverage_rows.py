"""``{% coverage_group_row g members_url ledger_url base %}`` (activities/templatetags/coverage_rows.py) writes what
the coverage page's group row template wrote, covered or not, names needing escapes, in both languages."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils.translation import override

ROW = (
    "{% load figures %}<tr data-row>\n"
    "    <td>{{ g.name }}</td>\n"
    "    <td>{% figure g.member_count members_url base group=g.pk %}</td>\n"
    '    <td>{% figure g.covered_count members_url base group=g.pk covered="1" cls="text-success" %}</td>\n'
    '    <td>{% figure g.uncovered_count members_url base group=g.pk covered="0" cls=g.uncovered_count|yesno:"text-danger fw-semibold," %}</td>\n'  # noqa: E501
    '    <td class="d-none d-sm-table-cell">{% figure g.held_count ledger_url base group=g.pk counted="1" %}</td>\n'
    '    <td class="d-none d-sm-table-cell"><span data-not-a-count>{{ g.six_done }}/6</span></td>\n'
    "  </tr>"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("base", ["year=2026&quarter=", "year=2025&quarter=3"])
def test_the_coverage_group_row_tag_writes_what_the_template_wrote(language, base):
    tag = Template("{% load coverage_rows %}{% coverage_group_row g members_url ledger_url base %}")
    for pk, (members, covered, held, six) in enumerate([(0, 0, 0, 0), (48, 48, 12, 6), (50, 31, 7, 3)], start=1):
        g = SimpleNamespace(
            pk=pk,
            name='东湖街道<第1>活动组 & "x"' if pk % 2 else "委员活动组",
            member_count=members,
            covered_count=covered,
            uncovered_count=members - covered,
            held_count=held,
            six_done=six,
        )
        context = Context({"g": g, "members_url": "/coverage/members/", "ledger_url": "/ledger/", "base": base})
        with override(language):
            assert tag.render(context) == Template(ROW).render(context), (members, covered)
