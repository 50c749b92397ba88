"""The form renderer: Django's own widget templates, with the select and the plain inputs written in Python.

A select renders ``select.html``, then ``select_option.html`` and ``attrs.html`` once per option through the template
engine: about 0.1–0.3 ms an option, so a list page's filter form of a few dozen options or a session's form of
selects cost 5–40 ms of rendering at 50,000 members (#22). ``FastRenderer`` writes the same HTML with string
operations for ``select.html`` (when its options use Django's ``select_option.html``) and for the widgets whose
template only includes ``input.html`` (text, number, hidden, checkbox, date …): byte for byte what the templates
give (``tests/core/test_form_renderer.py`` renders both ways), each value escaped and localised as the template
engine does. Every other template goes through the engine; so do these whenever a template of the same name
overrides Django's (an app's ``templates/django/forms/widgets/…``): the renderer checks where each one is loaded from.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
OWN = Path(django.forms.__file__).parent / "templates"
SELECT, OPTION, ATTRS, INPUT = (WIDGETS + n for n in ("select.html", "select_option.html", "attrs.html", "input.html"))
INCLUDES_INPUT = '{% include "django/forms/widgets/input.html" %}'

_CONTEXT = Context(autoescape=True)  # render_value_in_context reads autoescape, use_l10n and use_tz only


def _text(value) -> str:
    """``{{ value }}``: localised and escaped as the template engine renders a variable."""
    return render_value_in_context(value, _CONTEXT)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: ``str`` of it (a tuple too), still safe if it was, then escaped."""
    text = str(value)
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308 (safe already)


def _attrs(attrs: dict) -> str:
    """``attrs.html``: `` name="value"`` each, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(out)


class FastRenderer(DjangoTemplates):
    """Django's template renderer; the select and the plain inputs without the template engine (same HTML)."""

    @cached_property
    def _own(self) -> frozenset[str]:
        """The widget templates written here whose loaded template is Django's own (not overridden)."""
        names = [SELECT, OPTION, ATTRS, INPUT] + [
            WIDGETS + path.name for path in (OWN / WIDGETS).glob("*.html") if path.read_text().strip() == INCLUDES_INPUT
        ]
        own = set()
        for name in names:
            origin = Path(self.get_template(name).origin.name)
            if origin == OWN / name:
                own.add(name)
        if not {ATTRS, INPUT} <= own:
            return frozenset()
        return frozenset(own - {ATTRS})

    def render(self, template_name, context, request=None):
        if template_name in self._own:
            widget = context["widget"]
            if template_name == SELECT:
                if OPTION in self._own and all(
                    option["template_name"] == OPTION
                    for _name, options, _i in widget["optgroups"]
                    for option in options
                ):
                    return self._select(widget)
            elif template_name != OPTION:
                return self._input(widget)
        return super().render(template_name, context, request=request)

    @staticmethod
    def _input(widget: dict) -> str:
        value = f' value="{_formatted(widget["value"])}"' if widget["value"] != None else ""  # noqa: E711 (as the template)
        return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'

    @staticmethod
    def _select(widget: dict) -> str:
        out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in options:
                out.append(
                    f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                    f"{_text(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return "".join(out)
