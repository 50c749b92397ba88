"""``{% activity_state a %}``, ``{% ledger_cells a %}``, ``{% ledger_row a %}`` and ``{% activity_row a %}``
(activities/templatetags/activity_rows.py) write what the templates they replaced wrote (``activities/_state.html``,
included per row; the ledger's row; the convener's dashboard's ``activities/_activity_row.html``), for every state,
kind and target, with and without a contact point or attendance, names needing escapes, in both languages."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils.translation import override

from activities.models import Activity

INCLUDED = "<span class=\"badge {% if a.state == 'filed' %}text-bg-success{% elif a.state == 'held' %}text-bg-primary{% elif a.state == 'announced' %}text-bg-warning{% elif a.state == 'cancelled' %}text-bg-secondary{% else %}text-bg-light border{% endif %}\">{{ a.get_state_display }}</span>\n"

LEDGER_CELLS = (
    '<td class="text-nowrap small">{{ a.starts_at|date:"Y-m-d" }}</td>\n'
    '    <td><a href="{% url \'activities:activity_detail\' a.pk %}">{{ a.title }}</a><div class="small text-secondary d-md-none">{{ a.organiser_name }}</div></td>\n'
    '    <td class="d-none d-md-table-cell small">{{ a.organiser_name }}<div class="text-secondary">{{ a.committee_label }}</div></td>\n'
    '    <td class="d-none d-sm-table-cell small">{{ a.get_kind_display }}{% if a.target %}<div class="text-secondary">{{ a.get_target_display }}{% if a.contact_point_id %} · {{ a.contact_point_name }}{% endif %}</div>{% endif %}</td>'
)

# the convener's dashboard row's head (the head of activities/_activity_row.html), its state badge the tag tested above
ROW_HEAD = "{% load activity_rows %}" + (
    '<div class="list-group-item">\n'
    '  <div class="d-flex justify-content-between align-items-start gap-2">\n'
    '    <a class="fw-semibold text-break" href="{% url \'activities:activity_detail\' a.pk %}">{{ a.title }}</a>\n'
    "    {% activity_state a %}\n"
    "  </div>\n"
    '  <div class="small text-secondary">{{ a.starts_at|date:"Y-m-d H:i" }} · {{ a.get_kind_display }}{% if a.target %}（{{ a.get_target_display }}）{% endif %}{% if a.place %} · {{ a.place }}{% endif %}</div>'
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("state", Activity.State.values)
def test_the_activity_state_tag_writes_what_the_template_wrote(language, state):
    context = Context({"a": Activity(state=state)})
    with override(language):
        tag = Template("{% load activity_rows %}{% activity_state a %}").render(context)
        assert tag == Template(INCLUDED).render(context)


def ledger_row(pk, *, kind, target, point):
    a = Activity(
        pk=pk,
        title='走访<社区> & "议事"' if pk % 2 else "三进活动",
        kind=kind,
        target=target,
        contact_point_id=7 if point else None,
        starts_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),  # the local day is the 2nd
    )
    a.organiser_name = "东湖街道第1活动组 <A&B>"
    a.committee_label = "东湖区 'x'"
    a.contact_point_name = "委员工作室 <1>" if point else None
    return a


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ledger_cells_tag_writes_what_the_template_wrote(language):
    tag = Template("{% load activity_rows %}{% ledger_cells a %}")
    with override(language):
        for pk, kind in enumerate(Activity.Kind.values, start=1):
            for target in ["", *Activity.Target.values]:
                for point in (False, True):
                    context = Context({"a": ledger_row(pk, kind=kind, target=target, point=point)})
                    assert tag.render(context) == Template(LEDGER_CELLS).render(context), (kind, target, point)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_row_head_tag_writes_what_the_template_wrote(language):
    tag = Template("{% load activity_rows %}{% activity_row_head a %}")
    with override(language):
        for pk, kind in enumerate(Activity.Kind.values, start=1):
            for target in ["", *Activity.Target.values]:
                for place in ("", "社区<活动>中心 & 'x'"):
                    a = ledger_row(pk, kind=kind, target=target, point=False)
                    a.place, a.state = place, Activity.State.values[pk % len(Activity.State.values)]
                    context = Context({"a": a})
                    assert tag.render(context) == Template(ROW_HEAD).render(context), (kind, target, place)


# the ledger's row as its template wrote it (activities/ledger.html), its first cells and badge the tags tested above
LEDGER_ROW = "{% load i18n figures activity_rows %}" + (
    "<tr data-row>\n"
    "    {% ledger_cells a %}\n"
    '    <td class="small text-nowrap" data-figures>{% url \'activities:attendance_rows\' a.pk as rows_url %}{% figure a.present_count rows_url status="present" %}/{% figure a.invited_count rows_url %}{% if a.present_count %}<div class="text-secondary" data-testid="sign-in-methods">{% figure a.scanned_count rows_url method="on_site" cls="link-secondary" as s %}{% figure a.convener_count rows_url method="convener" cls="link-secondary" as c %}{% figure a.corrected_count rows_url method="correction" cls="link-secondary" as r %}{% blocktranslate %}scan {{ s }} · convener {{ c }} · corrected {{ r }}{% endblocktranslate %}</div>{% endif %}</td>\n'  # noqa: E501
    '    <td class="d-none d-md-table-cell small">{{ a.evidence_count }}</td>\n'
    "    <td>{% activity_state a %}</td>\n"
    "  </tr>"
)

# the convener's dashboard's row as activities/_activity_row.html wrote it
DASHBOARD_ROW = "{% load i18n figures activity_rows %}{% activity_row_head a %}\n" + (
    '  {% if a.invited_count %}{% url \'activities:attendance_rows\' a.pk as rows_url %}<div class="small text-secondary" data-figures>{% translate "Present" %} {% figure a.present_count rows_url status="present" %} / {% translate "Invited" %} {% figure a.invited_count rows_url %}</div>{% endif %}\n'  # noqa: E501
    "</div>\n"
)

ATTENDANCE = [(0, 0, 0, 0, 0), (12, 0, 0, 0, 0), (12, 9, 5, 3, 1), (30, 30, 0, 30, 0)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ledger_row_tag_writes_what_the_template_wrote(language):
    tag = Template("{% load activity_rows %}{% ledger_row a %}")
    with override(language):
        for pk, kind in enumerate(Activity.Kind.values, start=1):
            for invited, present, scanned, convener, corrected in ATTENDANCE:
                a = ledger_row(pk, kind=kind, target="", point=False)
                a.state = Activity.State.values[pk % len(Activity.State.values)]
                a.invited_count, a.present_count, a.evidence_count = invited, present, pk % 3
                a.scanned_count, a.convener_count, a.corrected_count = scanned, convener, corrected
                context = Context({"a": a})
                assert tag.render(context) == Template(LEDGER_ROW).render(context), (kind, invited, present)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_row_tag_writes_what_the_template_wrote(language):
    tag = Template("{% load activity_rows %}{% activity_row a %}")
    with override(language):
        for pk, kind in enumerate(Activity.Kind.values, start=1):
            for invited, present, *_methods in ATTENDANCE:
                for place in ("", "社区<活动>中心"):
                    a = ledger_row(pk, kind=kind, target="", point=False)
                    a.place, a.state = place, Activity.State.values[pk % len(Activity.State.values)]
                    a.invited_count, a.present_count = invited, present
                    context = Context({"a": a})
                    assert tag.render(context) == Template(DASHBOARD_ROW).render(context), (kind, invited, place)
