"""``{% figure n url base figure="filed" %}``: a number that links to the rows behind it.

Every figure a page shows is rendered by this tag, so it carries ``data-figure`` (the number), ``data-figure-name`` (which figure) and the
link to the list of exactly those rows; tests/test_figures_drilldown.py follows every such link and
counts the rows. A rate links to its numerator's rows: ``rate=`` gives the text shown, ``whole=`` the
denominator shown on hover (``filed/submitted``), ``testid`` a ``data-testid`` for the browser tests.

``{% figure_cells row url base "submitted on_time satisfied:satisfaction_rate/rated" unit=row.lead_unit %}``: a
table row's figures, each in its ``<td>``, the same links as one ``{% figure %}`` per cell (``row[name]`` linking to
``url?base&unit=…&figure=name``; ``name:rate/whole`` shows ``row[rate]`` over ``row[whole]``) built from one prefix.
A page's table of 69 units × 5 figures was 345 tags, each resolving its six arguments through the template
engine: most of the figures page's rendering (#22).
"""

import html
import re
from functools import lru_cache
from urllib.parse import quote_plus

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

OPTIONS = ("rate", "whole", "text", "cls", "testid")
UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")  # what ``quote_plus`` leaves as it is


def _escaped(value) -> str:
    """``conditional_escape`` without its lazy-argument wrapper: a page such as coverage draws ~5,000 figures, and
    ``format_html``'s nine wrapped escapes per figure were most of the tag's time."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _encoded(params: dict) -> str:
    """``urlencode(params)`` (keys are the tag's keyword names): a figure's values are mostly ids, years and codes,
    which are written as they are instead of through ``quote_plus`` (most of ``urlencode``'s time)."""
    pairs = []
    for key, value in params.items():
        text = str(value)
        pairs.append(f"{key}={text if UNQUOTED.fullmatch(text) else quote_plus(text)}")
    return "&".join(pairs)


@register.simple_tag
def figure(value, url, base="", **params):
    """A figure linking to ``url?base&params``; ``rate``, ``whole``, ``text`` and ``cls`` shape the display."""
    shown = {k: params.pop(k) for k in OPTIONS if k in params}
    query = "&".join(p for p in (base, _encoded({k: v for k, v in params.items() if v not in (None, "")})) if p)
    href = f"{url}?{query}" if query else url
    return _anchor(value, _escaped(href), shown, params.get("figure", ""))


def _anchor(value, href: str, shown: dict, name) -> str:
    """The figure's link (``href`` escaped already)."""
    value = value or 0
    if "rate" in shown:
        rate = shown["rate"]
        text = "—" if rate is None else f"{rate}%"
    else:
        text = shown.get("text", value)
    whole = f"{value}/{shown['whole'] or 0}" if "whole" in shown else ""
    title = f' title="{_escaped(whole)}"' if whole else ""
    testid = f' data-testid="{_escaped(shown["testid"])}"' if shown.get("testid") else ""
    return mark_safe(  # noqa: S308 (every value in it is escaped above or here)
        f'<a href="{href}" class="{_escaped(shown.get("cls", ""))}" data-figure="{_escaped(value)}"'
        f' data-figure-name="{_escaped(name)}"{title}{testid}>{_escaped(text)}</a>'
    )


@lru_cache(maxsize=64)
def _cells(spec: str) -> tuple[tuple[str, str, str], ...]:
    """``"submitted satisfied:satisfaction_rate/rated"`` as (figure, rate key, whole key) per cell ("" for none)."""
    cells = []
    for part in spec.split():
        name, _sep, shape = part.partition(":")
        rate, _sep, whole = shape.partition("/")
        cells.append((name, rate, whole))
    return tuple(cells)


@register.simple_tag
def figure_cells(row, url, base, spec, **params):
    """``row``'s figures named in ``spec`` as table cells, each ``{% figure row.name url base **params figure=name %}``
    (with ``rate=row.rate whole=row.whole`` where the spec says ``name:rate/whole``)."""
    query = "&".join(p for p in (base, _encoded({k: v for k, v in params.items() if v not in (None, "")})) if p)
    prefix = _escaped(f"{url}?{query}&figure=" if query else f"{url}?figure=")
    tds = []
    for name, rate, whole in _cells(spec):
        shown = {"rate": row[rate], "whole": row[whole]} if rate else {}
        tds.append(f"<td>{_anchor(row[name], prefix + _escaped(name), shown, name)}</td>")
    return mark_safe("".join(tds))  # noqa: S308 (each cell escaped by ``_anchor``)
