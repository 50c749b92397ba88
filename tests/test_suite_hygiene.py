"""The suite itself: what a test may not do, because it would hide a defect or disturb another test."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SOURCES = {p: p.read_text() for p in TESTS.rglob("*.py") if p.name != "test_suite_hygiene.py"}


def test_no_test_flushes_a_cache_or_redis_database_that_other_tests_and_the_broker_share():
    """``cache.clear()`` on the Redis cache is FLUSHDB of the database that also holds the Celery queues of the
    other xdist worker; a test makes its cache entries stale through the portal's own versioning instead."""
    offenders = [
        f"{p.relative_to(TESTS)}:{n}"
        for p, text in SOURCES.items()
        for n, line in enumerate(text.splitlines(), 1)
        if re.search(r"\bcache\.clear\(|\.flushdb\(|\.flushall\(|FLUSHDB|FLUSHALL", line)
    ]
    assert offenders == []


def test_every_browser_test_is_marked_e2e():
    """``-m "not e2e"`` must leave no browser behind: a module that starts Chromium carries the e2e marker."""
    unmarked = [
        str(p.relative_to(TESTS))
        for p, text in SOURCES.items()
        if p.name.startswith("test_")
        and re.search(r"\bchromium\b|sync_playwright|\bpage\.goto\(", text)
        and "mark.e2e" not in text
    ]
    assert unmarked == []


def test_worker_tests_wait_on_conditions_not_on_fixed_sleeps():
    """A fixed sleep after the work is done can hide a late duplicate (it passes when the duplicate is slower
    than the sleep): tests that run a real worker wait on a condition (``_wait``/``wait_for``) or a sentinel task.
    Sleeps inside a polling loop are the condition's own step and are allowed."""
    offenders = []
    for path, text in SOURCES.items():
        if "mark.worker" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and ast.unparse(node.value.func) == "time.sleep"
                and not _inside_loop(node, text)
            ):
                offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert offenders == []


def _inside_loop(node: ast.AST, text: str) -> bool:
    tree = ast.parse(text)
    for loop in ast.walk(tree):
        if isinstance(loop, ast.While | ast.For) and any(
            getattr(child, "lineno", None) == node.lineno for child in ast.walk(loop)
        ):
            return True
    return False
