"""One registry of audit verbs (core/verbs.py) and one timeline: every verb the code writes is registered with
Chinese words, an unregistered verb is refused, and every page's trail reads the same labels."""

import ast
import re

import pytest
from django.utils import translation

from core import verbs
from core.services import audit_event, record_event
from core.verbs import timeline
from tests.conftest import ROOT
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import ProposalFactory

APPS = ("core", "groups", "proposals", "consultations", "assessments", "cppcc_portal")


def _event_classes() -> set[str]:
    """The domain events (``<app>/events.py``): their ``verb`` field says what happened, it is not an audit verb."""
    names = set()
    for path in ROOT.glob("*/events.py"):
        names |= {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)}
    return names


def _verb_classes() -> dict[str, type]:
    """The registered verb enums by class name (``GroupsVerb`` …), from every app's verbs module."""
    import importlib
    import inspect

    classes = {}
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.verbs")
        except ModuleNotFoundError:
            continue
        classes.update({name: c for name, c in vars(module).items() if inspect.isclass(c) and name.endswith("Verb")})
    return classes


def _enum_member(node) -> str | None:
    """``GroupsVerb.BECAME_PROPOSAL``: the stored verb of a registered enum member (None: not such a member)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        enum = _verb_classes().get(node.value.id)
        member = getattr(enum, node.attr, None) if enum is not None else None
        if isinstance(member, str):
            return str(member.value) if hasattr(member, "value") else member
    return None


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if (member := _enum_member(node)) is not None:
        return [member]
    return []


def _static(node, params: set[str]) -> bool:
    """Whether a verb expression names its verb where the guard reads it: a string literal, a registered enum
    member, a choice between those, or a parameter/``self.verb`` passed through (whose callers are scanned in
    turn). An f-string, a concatenation, a call or a subscript computes the verb and hides it from the guard."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.IfExp):
        return _static(node.body, params) and _static(node.orelse, params)
    if _enum_member(node) is not None:
        return True
    if isinstance(node, ast.Name):
        return node.id in params or node.id == "verb"
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def computed_verbs(source: str, where: str = "") -> list[str]:
    """Every audit verb in ``source`` computed rather than named: ``verb=`` of a call (not a domain event) or
    ``verb = …`` in a function whose value is not ``_static``."""
    events, found = _event_classes(), []
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    params_of = {}
    for func in functions:
        args = func.args
        names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        for child in ast.walk(func):
            params_of.setdefault(id(child), set()).update(names)
    for node in ast.walk(tree):
        values = []
        if isinstance(node, ast.Call) and _callee(node) not in events:
            values = [k.value for k in node.keywords if k.arg == "verb"]
        elif (
            isinstance(node, ast.Assign)
            and id(node) in params_of  # in a function (a model's ``verb`` field is not a verb written)
            and any(isinstance(t, ast.Name) and t.id == "verb" for t in node.targets)
        ):
            values = [node.value]
        for value in values:
            if not _static(value, params_of.get(id(node), set())):
                found.append(f"{where}:{node.lineno} {ast.unparse(value)}")
    return found


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def verbs_written_in_code() -> dict[str, str]:
    """Every verb literal the apps write: ``verb="..."`` in a call (an audit row, a transition helper) and
    ``verb = "..."`` (a view's class attribute, a chosen verb), with a place it is written."""
    events, found = _event_classes(), {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                values = []
                if isinstance(node, ast.Call) and _callee(node) not in events:
                    values = [v for k in node.keywords if k.arg == "verb" for v in _strings(k.value)]
                elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "verb" for t in node.targets
                ):
                    values = _strings(node.value)
                for value in values:
                    found.setdefault(value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_audit_verb_is_computed_where_the_guard_cannot_read_it():
    computed = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                computed += computed_verbs(path.read_text(), str(path.relative_to(ROOT)))
    assert not computed, f"pass a literal or a registered verb constant (GroupsVerb.X), not a computed verb: {computed}"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('record_event(x, actor=a, verb=f"became_{what}")', True),
        ('record_event(x, actor=a, verb="became_" + what)', True),
        ('audit_event(x, actor=a, verb="{}_done".format(what))', True),
        ("record_event(x, actor=a, verb=VERBS[what])", True),
        ('def f(what):\n    verb = f"became_{what}"\n    record_event(x, actor=a, verb=verb)', True),
        ('record_event(x, actor=a, verb="closed" if done else f"{what}_opened")', True),
        ("record_event(x, actor=a, verb=GroupsVerb.BECAME_PROPOSAL)", False),
        ('record_event(x, actor=a, verb="closed" if done else "opened")', False),
        ("def _move(x, *, verb):\n    record_event(x, actor=None, verb=verb)", False),
    ],
)
def test_the_guard_catches_a_computed_verb(source, caught):
    assert bool(computed_verbs(source)) is caught


def test_a_registered_verb_constant_is_read_as_its_verb():
    written = verbs_written_in_code()
    assert {"became_proposal", "became_report", "became_topic"} <= set(written), written


def test_every_verb_written_in_code_is_registered():
    written = verbs_written_in_code()
    assert len(written) > 90  # the scan finds the services' verbs
    missing = {verb: where for verb, where in written.items() if not verbs.is_registered(verb)}
    assert not missing, f"declare these verbs in their app's verbs.py: {missing}"


def test_every_registered_verb_reads_in_chinese_in_every_app():
    with translation.override("zh-hans"):
        for app_label in ("core", "groups", "proposals", "consultations", "assessments"):
            for verb in verbs.registered():
                assert re.search(r"[\u4e00-\u9fff]", verbs.label(verb, app_label)), (app_label, verb)


@pytest.mark.django_db
def test_an_unregistered_verb_is_refused():
    proposal = ProposalFactory()
    with pytest.raises(ValueError, match="not registered"):
        audit_event(proposal, actor=None, verb="teleported")


@pytest.mark.django_db
def test_one_verb_reads_as_its_records_app_says():
    proposal, activity = ProposalFactory(state="filed"), ActivityFactory()
    record_event(proposal, actor=None, verb="filed", from_state="submitted", to_state="filed")
    record_event(activity, actor=None, verb="filed", from_state="held", to_state="filed")
    with translation.override("zh-hans"):
        (filed_proposal,) = timeline(proposal)
        (filed_activity,) = timeline(activity)
    assert filed_proposal.verb_label == "已立案"
    assert filed_proposal.change == "已提交 → 已立案"
    assert filed_activity.verb_label == "归档入台账"


@pytest.mark.django_db
def test_a_timeline_reads_its_rows_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    proposal = ProposalFactory()
    for _ in range(3):
        record_event(proposal, actor=None, verb="edited")
    timeline(proposal)  # the content type is cached once
    with django_assert_max_num_queries(1):
        rows = timeline(proposal)
    assert len(rows) == 3
