"""``{% figure n url base figure="filed" %}``: a number that links to the rows behind it.

Every figure a page shows is rendered by this tag, so it carries ``data-figure`` (the number), ``data-figure-name`` (which figure) and the
link to the list of exactly those rows; tests/test_figures_drilldown.py follows every such link and
counts the rows. A rate links to its numerator's rows: ``rate=`` gives the text shown, ``whole=`` the
denominator shown on hover (``filed/submitted``), ``testid`` a ``data-testid`` for the browser tests.
"""

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

register = template.Library()

OPTIONS = ("rate", "whole", "text", "cls", "testid")


@register.simple_tag
def figure(value, url, base="", **params):
    """A figure linking to ``url?base&params``; ``rate``, ``whole``, ``text`` and ``cls`` shape the display."""
    shown = {k: params.pop(k) for k in OPTIONS if k in params}
    query = "&".join(p for p in (base, urlencode({k: v for k, v in params.items() if v not in (None, "")})) if p)
    href = f"{url}?{query}" if query else url
    value = value or 0
    if "rate" in shown:
        rate = shown["rate"]
        text = "—" if rate is None else f"{rate}%"
    else:
        text = shown.get("text", value)
    title = f"{value}/{shown['whole'] or 0}" if "whole" in shown else ""
    return format_html(
        '<a href="{}" class="{}" data-figure="{}" data-figure-name="{}"{}{}>{}</a>',
        href,
        shown.get("cls", ""),
        value,
        params.get("figure", ""),
        format_html(' title="{}"', title) if title else "",
        format_html(' data-testid="{}"', shown["testid"]) if shown.get("testid") else "",
        text,
    )
