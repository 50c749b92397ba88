"""One registry of audit verbs (core/verbs.py) and one timeline: every verb the code writes is registered with
Chinese words, an unregistered verb is refused, and every page's trail reads the same labels."""

import ast
import functools
import re

import pytest
from django.utils import translation

from core import verbs
from core.services import audit_event, record_event
from core.verbs import timeline
from tests.conftest import ROOT, project_packages
from tests.groups.factories import ActivityFactory
from tests.proposals.factories import ProposalFactory

# Every package of the production code names every audit verb by its registry's constant (``CoreVerb.DELETED``,
# ``ActivitiesVerb.FILED``), never as a bare string: a typo is then an AttributeError (and a mypy error), not a new verb.
APPS = tuple(project_packages())
CONSTANT_VERB_APPS = APPS


@functools.cache
def _verb_classes() -> dict[str, type]:
    """The registries by class name (``CoreVerb``, ``GroupsVerb`` …): every ``<app>/verbs.py``."""
    from importlib import import_module

    from tests import conftest  # the real tree, even while a test points ROOT elsewhere

    classes = {}
    for path in conftest.ROOT.glob("*/verbs.py"):
        module = import_module(f"{path.parent.name}.verbs")
        classes |= {n: c for n, c in vars(module).items() if isinstance(c, type) and n.endswith("Verb")}
    return classes


def _event_classes() -> set[str]:
    """The domain events (``<app>/events.py``): their ``verb`` field says what happened, it is not an audit verb."""
    names = set()
    for path in ROOT.glob("*/events.py"):
        names |= {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)}
    return names


def _enum_member(node) -> str | None:
    """``ActivitiesVerb.BECAME_PROPOSAL``: the stored verb of a registered enum member (None: not such a member)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        enum = _verb_classes().get(node.value.id)
        member = getattr(enum, node.attr, None) if enum is not None else None
        if isinstance(member, str):
            return str(member.value) if hasattr(member, "value") else member
    return None


def _strings(node) -> list[str]:
    """The verbs an expression names: string literals and ``XVerb.NAME`` constants (their stored value; an
    unknown constant comes back as ``XVerb.NAME``, which no registry has), through ``a if c else b`` and
    ``{...}[key]`` lookups."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id.endswith("Verb"):
        member = getattr(_verb_classes().get(node.value.id), node.attr, None)
        return [member.value if member is not None else f"{node.value.id}.{node.attr}"]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _bare(node) -> list[str]:
    """The parts of a ``verb`` expression that are not registry constants: string literals, f-strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [repr(node.value)]
    if isinstance(node, ast.JoinedStr):
        return [ast.unparse(node)]
    if isinstance(node, ast.IfExp):
        return _bare(node.body) + _bare(node.orelse)
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


def _verb_expressions(app: str):
    """``(path, line, expression)`` for every verb the app's code writes: ``verb=...`` in a call (an audit row, a
    transition helper; not a domain event's ``verb``) and ``verb = ...`` (a view's class attribute, a chosen
    verb)."""
    events = _event_classes()
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts or path.name == "verbs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _callee(node) not in events:
                for k in node.keywords:
                    if k.arg == "verb":
                        yield path, node.lineno, k.value
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "verb" for t in node.targets):
                yield path, node.lineno, node.value


def verbs_written_in_code() -> dict[str, str]:
    """Every verb the apps write (a literal or a registry constant), with a place it is written."""
    found: dict[str, str] = {}
    for app in APPS:
        for path, line, expression in _verb_expressions(app):
            for value in _strings(expression):
                found.setdefault(value, f"{path.relative_to(ROOT)}:{line}")
    return found


def bare_verbs_in(app: str) -> list[str]:
    """Where the app's code writes a verb as a bare string rather than its registry's constant."""
    return [
        f"{path.relative_to(ROOT)}:{line}: verb={text}"
        for path, line, expression in _verb_expressions(app)
        for text in _bare(expression)
    ]


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
        ("record_event(x, actor=a, verb=ActivitiesVerb.BECAME_PROPOSAL)", False),
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


@pytest.mark.parametrize("app", CONSTANT_VERB_APPS)
def test_the_converted_apps_name_verbs_by_their_registry_constant(app):
    bare = bare_verbs_in(app)
    assert not bare, f"write the registry's constant (CoreVerb.X, GroupsVerb.X …), not a bare string: {bare}"


def test_the_guard_catches_a_bare_verb(tmp_path, monkeypatch):
    """A service writing ``verb="filed"`` (or an f-string) in a converted app fails the guard; the constant passes."""
    app = tmp_path / "someapp"
    app.mkdir()
    (app / "services.py").write_text(
        "def go(obj, actor, what):\n"
        "    record_event(obj, actor=actor, verb=ActivitiesVerb.FILED)\n"
        "    record_event(obj, actor=actor, verb='filed')\n"
        "    record_event(obj, actor=actor, verb=ActivitiesVerb.HELD if what else 'cancelled')\n"
        "    record_event(obj, actor=actor, verb=f'became_{what}')\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert bare_verbs_in("someapp") == [
        "someapp/services.py:3: verb='filed'",
        "someapp/services.py:4: verb='cancelled'",
        "someapp/services.py:5: verb=f'became_{what}'",
    ]


def test_an_unknown_constant_is_not_registered():
    (node,) = ast.parse("GroupsVerb.TELEPORTED").body
    assert _strings(node.value) == ["GroupsVerb.TELEPORTED"]
    (node,) = ast.parse("ActivitiesVerb.FILED").body
    assert _strings(node.value) == ["filed"]


def test_every_registered_verb_reads_in_chinese_in_every_app():
    with translation.override("zh-hans"):
        for app_label in [app for app in APPS if app != "cppcc_portal"]:
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


def test_each_apps_verbs_are_registered_for_that_app_alone():
    """A record's verbs are declared by the app that holds the record (``<app>/verbs.py``), and each registry is
    registered for its own app only: a registry lent to a second app (``GroupsVerb`` for the ledger's or the
    mailbox's records) would let one app's words stand for another's."""
    from tests import conftest

    for path in conftest.ROOT.glob("*/verbs.py"):
        app = path.parent.name
        for name, registry in _verb_classes().items():
            if registry.__module__ == f"{app}.verbs":
                assert verbs.apps_of(registry) == (app,), (name, verbs.apps_of(registry))


def test_every_app_of_the_project_with_models_reads_its_own_verbs():
    """A record's verb is read in its own app's words (``core.verbs.label(verb, app_label)``): an app with audited
    models and no verbs of its own would read another app's words for a shared verb ("filed": 已立案 for an
    activity). An app whose records are never audited is named here."""
    from core.verbs import _LABELS
    from tests.conftest import project_apps

    never_audited = {"notifications", "demo"}
    project = [config.label for config in project_apps() if list(config.get_models())]
    assert "activities" in project
    assert [label for label in project if label not in _LABELS and label not in never_audited] == []
