"""A topic's card on the topic board, written at once (``{% topic_card topic editable %}``).

The card was some thirty template nodes: the badges and their conditions, five lookups of the topic's display
values, a truncating filter, and for a candidate the editor can decide three forms with three ``{% url %}``, three
``{% csrf_token %}`` and six translations, 30 cards a page (#22: the board was at 2.9 times a minimal page for the
city's staff at 50,000 members). The HTML is the same (``tests/consultations/test_topic_cards.py`` renders both, in
both languages); the research block is still ``topic_research``'s.
"""

from django import template
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import truncatechars
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from .topic_research import topic_research

register = template.Library()

_CONTEXT = Context(autoescape=True)  # render_value_in_context reads autoescape, use_l10n and use_tz only
_STATE_BADGE = {"adopted": "text-bg-success", "declined": "text-bg-secondary"}


def _v(value) -> str:
    """``{{ value }}``: localised and escaped as the template engine renders a variable (a ``{% translate %}`` of a
    literal is not escaped: the template's literals are safe, and so are their translations)."""
    return render_value_in_context(value, _CONTEXT)


@register.simple_tag(takes_context=True)
def topic_card(context, topic, editable) -> str:
    """The card of ``topic`` (``selectors.topic_board``'s row: its committee, platform and group joined; ``editable``
    the page's topics the user may decide)."""
    rank = f" · #{_v(topic.rank)}" if topic.rank else ""
    front_line = gettext("annual front-line topic")
    annual = f' <span class="badge text-bg-warning">{front_line}</span>' if topic.is_annual_front_line else ""
    where = _v(topic.committee)
    if topic.platform:
        where += f" · {_v(topic.platform)}"
    if topic.group:
        where += f" · {_v(topic.group)}"
    resident = f"（{_v(topic.resident_name)}）" if topic.resident_name else ""
    out = [
        f'<div class="card shadow-sm mb-2" id="topic-{_v(topic.pk)}">\n'
        '  <div class="card-body py-2">\n'
        '    <div class="d-flex justify-content-between gap-2">\n'
        f'      <div><span class="badge text-bg-light border me-1">{_v(topic.year)}{rank}</span>\n'
        f"        <strong>{_v(topic.title)}</strong>{annual}</div>\n"
        f'      <span class="badge {_STATE_BADGE.get(topic.state, "text-bg-info")}">{_v(topic.get_state_display())}'
        "</span>\n"
        "    </div>\n"
        f'    <div class="small text-secondary">{where}\n'
        f"      · {_v(topic.get_source_display())} · {_v(topic.get_proposer_kind_display())}{resident}</div>\n"
        f'    <div class="small mt-1">{_v(truncatechars(topic.reasons, 160))}</div>\n    ',
        _heard_from(topic),
        "\n    ",
        topic_research(context, topic, editable),
        "\n    ",
    ]
    if topic.decline_reason:
        declining = gettext("reason for declining")
        out.append(f'<div class="small text-secondary">{declining}: {_v(topic.decline_reason)}</div>')
    out.append("\n    ")
    if topic.pk in editable and topic.state == "candidate":
        out.append(_decision_forms(context, topic))
    out.append("\n  </div>\n</div>")
    return mark_safe("".join(out))  # noqa: S308 (every value escaped; the research block is topic_research's HTML)


def _heard_from(topic) -> str:
    """Where a topic heard from residents came from (a lead, a message or a contact), else nothing."""
    if topic.source_lead_id:
        source = gettext("From a lead of what residents raised")
    elif topic.source_message_id:
        source = gettext("From a resident's message")
    elif topic.source_contact_id:
        source = gettext("From a contact with constituents")
    else:
        return ""
    return f'<div class="small text-secondary" data-testid="topic-heard-source">{source}</div>'


def _decision_forms(context, topic) -> str:
    """A candidate's rank, adopt and decline forms."""
    csrf = CsrfTokenNode().render(context)
    rank, reason, rank_button, adopt = gettext("rank"), gettext("reason"), gettext("Rank"), gettext("Adopt")
    front_line, decline = gettext("annual front-line topic"), pgettext("consultation", "Decline")
    action = {name: escape(reverse("consultations:topic_action", args=[topic.pk, name])) for name in _ACTIONS}
    return (
        "\n"
        '    <div class="d-flex flex-wrap gap-2 mt-2">\n'
        f'      <form method="post" action="{action["rank"]}" class="d-flex gap-1">{csrf}\n'
        '        <input class="form-control form-control-sm" style="width:5rem" name="rank" '
        f'value="{_v(topic.rank or "")}" inputmode="numeric" aria-label="{rank}">\n'
        f'        <button class="btn btn-outline-secondary btn-sm">{rank_button}</button></form>\n'
        f'      <form method="post" action="{action["adopt"]}" class="d-flex gap-1 align-items-center">{csrf}\n'
        '        <label class="small"><input type="checkbox" name="annual" value="1" class="form-check-input"> '
        f"{front_line}</label>\n"
        f'        <button class="btn btn-success btn-sm" name="adopt">{adopt}</button></form>\n'
        f'      <form method="post" action="{action["decline"]}" class="d-flex gap-1">{csrf}\n'
        f'        <input class="form-control form-control-sm" name="reason" placeholder="{reason}" '
        f'aria-label="{reason}">\n'
        f'        <button class="btn btn-outline-danger btn-sm">{decline}</button></form>\n'
        "    </div>\n"
        "    "
    )


_ACTIONS = ("rank", "adopt", "decline")
