"""An adopted topic's research block on the topic board: its linked research activities and the form linking one,
written at once.

The template it replaces rendered some thirty nodes for each of a page's adopted topics (its links, their forms,
five translations, the picker's select: about half of the board's rendering at 50,000 members, #22); the HTML is
the same (``tests/consultations/test_topic_research_tag.py`` renders both).
"""

from functools import lru_cache

from django import template
from django.template.defaultfilters import date
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

register = template.Library()


@lru_cache(maxsize=8)
def _texts(language: str) -> tuple[str, ...]:
    """The block's texts in ``language``, escaped, translated once per language (seven translations for each of a
    page's adopted topics were a sixth of the board's cards, #22). Translated outside the f-strings below, where the
    catalogues' extraction would not find them."""
    with override(language):
        return tuple(
            escape(text)
            for text in (
                _("research activities"),
                _("none yet"),
                _("Remove the link"),
                _("Type a title or its pinyin initials"),
                _("No match"),
                _("Remove this choice"),
                _("Link research"),
            )
        )


@register.simple_tag(takes_context=True)
def topic_research(context, topic, editable) -> str:
    """The research activities linked to ``topic`` (each with its unlink form when the user may edit the topic) and
    the form linking another (``topic.research_choices``, set by the view), for an adopted topic; else nothing."""
    if topic.state != "adopted":
        return ""
    linked = topic.research_activities.all()
    choices = getattr(topic, "research_choices", None)
    if not (linked or choices):
        return ""
    csrf = CsrfTokenNode().render(context)
    research, none_yet, unlink_label, placeholder, no_match, remove, link_label = _texts(get_language())
    out = [
        f'\n    <div class="small mt-1" id="topic-{topic.pk}-research"><span class="text-secondary">'
        f"{research}:</span>\n      "
    ]
    can_edit = topic.pk in editable
    unlink = escape(reverse("consultations:topic_action", args=[topic.pk, "unresearch"])) if can_edit else ""
    for a in linked:
        out.append(
            f'<span class="d-inline-flex align-items-center gap-1 me-2"><a href="'
            f'{escape(reverse("activities:activity_detail", args=[a.pk]))}">{escape(a.title)}</a> '
            f'<span class="text-secondary">{escape(date(template_localtime(a.starts_at), "Y-m-d"))}</span>\n        '
        )
        if can_edit:
            out.append(
                f'<form method="post" action="{unlink}" class="d-inline">{csrf}<input type="hidden" name="activity" '
                f'value="{a.pk}"><button class="btn btn-link btn-sm p-0 text-danger" aria-label="'
                f'{unlink_label}">×</button></form>'
            )
        out.append("</span>\n      ")
    if not linked:
        out.append(f'<span class="text-secondary">{none_yet}</span>')
    out.append("\n    </div>\n    ")
    if choices:
        link = escape(reverse("consultations:topic_action", args=[topic.pk, "research"]))
        out.append(
            f'<form method="post" action="{link}" class="d-flex gap-1 mt-1">{csrf}\n'
            f'      <select class="form-select form-select-sm" name="activity" aria-label="'
            f'{research}" data-picker data-picker-url="{escape(topic.research_picker)}"\n'
            f'        data-picker-placeholder="{placeholder}" '
            f'data-picker-no-results="{no_match}" data-picker-remove="{remove}">'
            f"{topic.research_options}</select>\n"
            f'      <button class="btn btn-outline-secondary btn-sm text-nowrap">{link_label}</button>'
            "</form>"
        )
    out.append("\n    ")
    return mark_safe("".join(out))  # noqa: S308 (every value escaped; the options escaped by the view)
