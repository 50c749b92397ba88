"""A row of the review queue, written at once.

The queue's 50 rows were the template's loop: a checkbox, a link reversed per row, the number, title, likely
duplicates, state badge, proposer, co-signers, category and day, each a node resolved per row, two counted
translations among them (#22: most of the queue's rendering at 50,000 members). The HTML is the same
(``tests/proposals/test_review_row.py`` compares it with the template it replaced, in both languages).
"""

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from .proposal_badges import escaped, state_badge

register = template.Library()


def _day(value) -> str:
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, "Y-m-d")


def _duplicates(p) -> str:
    n = getattr(p, "duplicates", 0)
    if not n:
        return ""
    percent = str(round(float(p.best_score) * 100))  # ``{% widthratio p.best_score 1 100 %}``
    sentence = ngettext(
        "%(n)s likely duplicate, up to %(percent)s%% alike", "%(n)s likely duplicates, up to %(percent)s%% alike", n
    ) % {"n": n, "percent": percent}
    return f'<span class="badge text-bg-warning text-wrap" data-testid="duplicate-hint">{escaped(sentence)}</span> '


def _cosigners(p) -> str:
    n = p.confirmed_cosigners
    if not n:
        return ""
    return " " + escaped(ngettext("and %(n)s co-signer", "and %(n)s co-signers", n) % {"n": n})


@register.simple_tag
def review_row(p, picked) -> str:
    """``p``'s row of the review queue: ticked when its id is in ``picked``."""
    pk = int(p.pk)
    checked = " checked" if pk in picked else ""
    number = f"{escaped(p.number_display)} " if p.serial_number else ""
    href = escaped(reverse("proposals:detail", args=[pk]))
    return mark_safe(  # noqa: S308 (every value escaped)
        '  <div class="list-group-item d-flex align-items-start gap-2">\n'
        '    <label class="form-check flex-shrink-0 m-0 px-2 py-0 justify-content-center portal-pick" '
        f'for="pick-{pk}"><input class="form-check-input" type="checkbox" name="proposals" value="{pk}" '
        f'id="pick-{pk}"{checked}><span class="visually-hidden">{escaped(p.pick_label)}</span></label>\n'
        f'    <a class="flex-grow-1 text-body text-decoration-none text-break" href="{href}">\n'
        '      <span class="d-flex flex-wrap justify-content-between gap-2"><span class="fw-semibold text-primary">'
        f"{number}{escaped(p.title)}</span><span>{_duplicates(p)}{state_badge(p)}</span></span>\n"
        f'      <span class="d-block small text-secondary">{escaped(p.committee.name)} · '
        f"{escaped(p.lead_proposer.name)}{_cosigners(p)} · {escaped(p.get_category_display())} · "
        f"{_day(p.submitted_at)}</span>\n"
        "    </a>\n  </div>\n"
    )
