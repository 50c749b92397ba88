"""Every irreversible action in the portal is behind the one confirmation step (templates/includes/
confirm_button.html): a <details> whose summary reads as the button and whose body holds the warning and the real
submit button, so it works with no JavaScript (the CSP forbids inline scripts anyway).

The scan covers every template of the project: a POST form whose action is one of IRREVERSIBLE must hold the
include and no other submit button; the proposals' shared action include must get ``confirm=True`` for those
actions. A new template that posts to one of these actions without the step fails here, whichever page it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CONFIRM = "includes/confirm_button.html"

# URL name -> the literal action arguments that cannot be undone (None: every form posting to the URL)
IRREVERSIBLE: dict[str, set | None] = {
    "proposals:act": {"merge", "reject", "file", "close", "mark_excellent", "publish"},
    "activities:activity_transition": {"cancel", "file"},
    "activities:evidence_delete": None,
    "activities:contact_delete": None,
    "activities:lead_close": None,  # closed without action: never taken up, its items frozen
    "activities:platform_establish": None,
    "activities:platform_wind_up": None,
    "consultations:session_action": {"cancel", "publish"},
    "consultations:outcome_action": {"publish", "close"},
    "proposals:review_bulk": None,  # the review queue's batch: not file or assign many at once
}
SHARED_ACTION_INCLUDE = "proposals/includes/action.html"  # posts to proposals:act with its ``name`` argument

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
ACTION_URL = re.compile(r"""action="\{%\s*url\s+['"]([\w:]+)['"]([^%]*)%\}""")
LITERAL = re.compile(r"""['"](\w+)['"]""")
INCLUDE_CALL = re.compile(
    r"""\{%\s*include\s+["']""" + re.escape(SHARED_ACTION_INCLUDE) + r"""["']\s+with\s+([^%]*)%\}"""
)
SUBMIT = re.compile(r"<button\b(?![^>]*type=\"button\")[^>]*>|<input\b[^>]*type=\"submit\"", re.I)


def _templates(root: Path = ROOT):
    for path in sorted(root.glob("**/templates/**/*.html")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        yield path


def _irreversible_forms(root: Path = ROOT):
    for path in _templates(root):
        text = path.read_text(encoding="utf-8")
        for match in FORM.finditer(text):
            form = match.group(0)
            url = ACTION_URL.search(form)
            if not url or url.group(1) not in IRREVERSIBLE:
                continue
            wanted = IRREVERSIBLE[url.group(1)]
            literals = set(LITERAL.findall(url.group(2)))
            if wanted is None or literals & wanted:
                yield path.relative_to(root), url.group(1), sorted(literals & wanted) if wanted else [], form


def _shared_include_calls():
    for path in _templates():
        for match in INCLUDE_CALL.finditer(path.read_text(encoding="utf-8")):
            args = match.group(1)
            name = re.search(r'\bname="(\w+)"', args)
            if name and name.group(1) in IRREVERSIBLE["proposals:act"]:
                yield path.relative_to(ROOT), name.group(1), args


def _offenders(root: Path = ROOT) -> list[str]:
    offenders = []
    for path, url, actions, form in _irreversible_forms(root):
        outside = form.replace(form[form.find("{% include") :], "") if CONFIRM in form else form
        if CONFIRM not in form or SUBMIT.search(outside) or SUBMIT.search(form.split(CONFIRM, 1)[1]):
            offenders.append(f"{path}: {url} {actions}")
    return offenders


def test_every_form_posting_an_irreversible_action_confirms_first():
    offenders = _offenders()
    assert not offenders, "irreversible actions posted without the confirmation step:\n" + "\n".join(offenders)


def test_every_irreversible_proposal_action_through_the_shared_include_confirms_first():
    offenders = [f"{path}: {name}" for path, name, args in _shared_include_calls() if "confirm=True" not in args]
    assert not offenders, "pass confirm=True for: " + ", ".join(offenders)
    shared = (ROOT / "proposals/templates" / SHARED_ACTION_INCLUDE).read_text(encoding="utf-8")
    assert "{% if confirm %}" in shared and CONFIRM in shared


def test_the_scan_finds_the_irreversible_actions_it_guards():
    """The scan must not pass by finding nothing (a renamed URL or a changed markup would hide every form)."""
    found = {(url, a) for _path, url, actions, _form in _irreversible_forms() for a in actions or [None]}
    found |= {("proposals:act", name) for _path, name, _args in _shared_include_calls()}
    expected = {("proposals:act", a) for a in ("merge", "reject", "file", "close", "mark_excellent")} | {
        ("activities:activity_transition", "cancel"),
        ("activities:activity_transition", "file"),
        ("activities:evidence_delete", None),
        ("activities:lead_close", None),
        ("consultations:session_action", "cancel"),
        ("consultations:session_action", "publish"),
        ("consultations:outcome_action", "publish"),
        ("consultations:outcome_action", "close"),
        ("proposals:review_bulk", None),
    }
    assert expected <= found, expected - found


INCLUDE = '{% include "includes/confirm_button.html" with name="file" label="x" %}'
FILE_URL = """action="{% url 'activities:activity_transition' a.pk 'file' %}\""""


@pytest.mark.parametrize(
    ("form", "caught"),
    [
        (f'<form method="post" {FILE_URL}><button class="btn">归档</button></form>', True),
        (f'<form method="post" {FILE_URL}><button class="btn">归档</button>{INCLUDE}</form>', True),
        (f'<form method="post" {FILE_URL}>{INCLUDE}<input type="submit" value="归档"></form>', True),
        (f'<form method="post" {FILE_URL}><input name="reason">{INCLUDE}</form>', False),
        (
            """<form method="post" action="{% url 'activities:activity_transition' a.pk 'hold' %}"><button>x</button></form>""",
            False,
        ),
    ],
)
def test_the_scan_catches_a_submit_button_outside_the_step(form, caught, tmp_path):
    page = tmp_path / "app" / "templates" / "x.html"
    page.parent.mkdir(parents=True)
    page.write_text(form, encoding="utf-8")
    assert bool(_offenders(tmp_path)) is caught


def test_the_confirmation_step_renders_the_warning_and_the_real_button_inside_a_disclosure():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("zh-hans"):
        html = render_to_string(
            CONFIRM, {"name": "file", "label": "归档", "css": "btn-success", "warning": "归档后不能修改。"}
        )
    assert re.search(
        r'<details class="portal-confirm" data-confirm="file">\s*<summary class="btn btn-success">归档'
        r"</summary>",
        html,
    )
    body = html.split("</summary>", 1)[1]
    assert "确定要归档吗？" in body and "此操作不可撤销。" in body and "归档后不能修改。" in body
    assert re.search(r'<button type="submit" class="btn btn-danger" data-action="file">确定归档</button>', body)
    assert "<script" not in html


# --- the admin: an irreversible action asks first, on an intermediate page (core.admin_confirm) ------------------

# Admin actions whose name starts with one of these verbs cannot be undone (``unmark_…``, ``hold_…``, ``copy_…``,
# ``run_again``, ``create_logins_…`` can be: they are not here). Django's ``delete_selected`` has its own page.
IRREVERSIBLE_ADMIN_VERBS = (
    "lock",
    "file",
    "mark_excellent",
    "close",
    "cancel",
    "publish",
    "adopt",
    "deactivate",
    "merge",
    "reject",
)


def _admin_actions():
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        for entry in model_admin.actions or ():
            func = getattr(model_admin, entry) if isinstance(entry, str) else entry
            name = entry if isinstance(entry, str) else entry.__name__
            yield f"{model._meta.label}.{name}", name, func


def test_every_irreversible_admin_action_asks_on_an_intermediate_page_first():
    offenders = [
        label
        for label, name, func in _admin_actions()
        if name.startswith(IRREVERSIBLE_ADMIN_VERBS) and not getattr(func, "confirmed_first", False)
    ]
    assert not offenders, "irreversible admin actions without core.admin_confirm.confirm_first: " + ", ".join(offenders)


def test_the_admin_scan_finds_the_lock_actions_it_guards():
    found = {label for label, name, _func in _admin_actions() if name.startswith(IRREVERSIBLE_ADMIN_VERBS)}
    assert {
        "assessments.RuleSet.lock_selected",
        "proposals.Proposal.file_selected",
        "groups.Member.deactivate_logins",
    } <= found, found


def test_an_admin_action_without_the_confirmation_is_caught():
    from django.contrib import admin

    class Unguarded(admin.ModelAdmin):
        actions = ["lock_everything"]

        @admin.action(description="lock")
        def lock_everything(self, request, queryset):
            queryset.update(is_locked=True)

    func = Unguarded.lock_everything
    assert not getattr(func, "confirmed_first", False)


def test_enter_in_a_field_cannot_send_a_confirmed_action_past_its_confirmation():
    """HTML's implicit submission (Enter in a text field) presses the form's first submit button: the step puts a
    disabled one first, so Enter sends nothing and only the button behind the confirmation does."""
    import re

    from django.template.loader import render_to_string

    html = render_to_string("includes/confirm_button.html", {"label": "不予立案", "name": "reject"})
    buttons = re.findall(r"<button[^>]*type=\"submit\"[^>]*>", html)
    assert len(buttons) == 2 and "disabled" in buttons[0] and "disabled" not in buttons[1]
    assert html.index(buttons[0]) < html.index("<details")
