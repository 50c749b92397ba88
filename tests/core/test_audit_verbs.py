"""One registry of audit verbs (core/verbs.py) and one timeline: every verb the code writes is registered with
Chinese words, an unregistered verb is refused, and every page's trail reads the same labels."""

import ast
import functools
import importlib
import re

import pytest
from django.db import models
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


@functools.cache
def _verb_classes() -> dict[str, type[models.TextChoices]]:
    """The registered verb classes by name (``ProposalVerb``...): a constant ``ProposalVerb.FILED`` reads as its
    stored value."""
    found = {}
    for app in APPS:
        if (ROOT / app / "verbs.py").exists():
            module = importlib.import_module(f"{app}.verbs")
            found |= {
                name: value
                for name, value in vars(module).items()
                if isinstance(value, type) and issubclass(value, models.TextChoices) and value is not models.TextChoices
            }
    return found


def _strings(node, constants: bool = True) -> list[str]:
    """The verbs an expression writes: string literals and (with ``constants``) registered constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, constants) + _strings(node.orelse, constants)
    if constants and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        verb_class = _verb_classes().get(node.value.id)
        if verb_class is not None:
            return [verb_class[node.attr].value]
    return []


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def verbs_written_in_code(apps: tuple[str, ...] = APPS, constants: bool = True) -> dict[str, str]:
    """Every verb the apps write: ``verb=...`` in a call (an audit row, a transition helper, a query of the trail)
    and ``verb = ...`` (a view's class attribute, a chosen verb), a literal or a registered constant
    (``ProposalVerb.FILED``; literals only without ``constants``), with a place it is written."""
    events, found = _event_classes(), {}
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                values = []
                if isinstance(node, ast.Call) and _callee(node) not in events:
                    values = [v for k in node.keywords if k.arg == "verb" for v in _strings(k.value, constants)]
                elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "verb" for t in node.targets
                ):
                    values = _strings(node.value, constants)
                for value in values:
                    found.setdefault(value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_verb_written_in_code_is_registered():
    written = verbs_written_in_code()
    assert len(written) > 90  # the scan finds the services' verbs
    missing = {verb: where for verb, where in written.items() if not verbs.is_registered(verb)}
    assert not missing, f"declare these verbs in their app's verbs.py: {missing}"


def test_proposals_consultations_and_assessments_write_verb_constants():
    """These apps write the registered constant (``ProposalVerb.FILED``, ``ConsultationVerb.HELD``,
    ``AssessmentVerb.LOCKED``, ``CoreVerb.CREATED``...), never a bare string: a typo fails at import and in mypy."""
    bare = verbs_written_in_code(("proposals", "consultations", "assessments"), constants=False)
    assert not bare, f"write these verbs as their verbs.py constants: {bare}"


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
