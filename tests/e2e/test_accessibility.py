"""Accessibility and 适老化 (GB/T 37668, WCAG 2.1 AA): axe-core on every page of the permission matrix.

Every HTML page of ``tests/test_permission_matrix.py`` is opened in headless Chromium as the roles that may
open it, and axe-core (vendored from npm under ``tests/vendor/axe-core``; ``make vendor``) must find nothing
serious or critical. ``a11y_checks.js`` adds what axe does not check and older members need: tap targets of
at least 44×44 px, button labels on one line, badges not stretched, nothing sticking out sideways.

What runs where, to keep one browser's run short (167 page loads instead of 362 for every role at both widths):
- 375 px (a phone, the members' device): every role kind that may open the page, since each role gets other
  buttons and forms (a convener's, a unit's, the secretariat's); axe and the tap-target checks.
- 1366 px (a laptop): one role per page. The wide layout moves the same markup around (the navbar opens up,
  columns sit side by side), so contrast and overflow are what can change; the markup itself was checked
  at 375 px.
- The "other" roles (``outsider``, ``oconvener``, ``ounit``, ``ostaff``) open the same templates as their
  twins (``member``, ``convener``, ``unit``, ``staff``) with another committee's (here: no) rows; they run
  only where no twin may open the page.
Screenshots of each page at both widths go to ``test-artifacts/a11y/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.views import TEXT_SIZE_COOKIE
from tests.assessments.test_secretariat_rules import rules, year  # noqa: F401  (a duty record with every kind of line)
from tests.conftest import ARTIFACTS, ROOT
from tests.test_permission_matrix import (
    ARGS,
    QUERY,
    ROLES,
    RULES,
    build_objects,
    url_kwargs,
    url_names,
    users_by_role,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text()
TWINS = {"outsider": "member", "oconvener": "convener", "ounit": "unit", "ostaff": "staff"}
# Who opens a page at 1366 px: members first (the portal's main readers), then the roles with more buttons.
WIDE_ORDER = ("member", "convener", "staff", "unit", "leader", "anonymous", "outsider", "oconvener", "ounit", "ostaff")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) =>
    `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | "));
}"""


def html_pages(world) -> list[tuple[str, str, list[str]]]:
    """(URL name, URL, roles to open it as) for every page of the matrix that answers 200 with HTML."""
    objects = build_objects(world)
    users = users_by_role(world)
    clients: dict[str, Client] = {}
    pages = []
    for name in sorted(url_names()):
        rule = RULES[name]
        roles = [role for role in ROLES if role in rule.ok]
        if rule.api or rule.post_only or not roles:
            continue
        key = ARGS.get(name)
        url = reverse(name, kwargs=url_kwargs(key, world, objects) if key else None)
        if name in QUERY:
            url += QUERY[name].format(district=world.district.pk, year=timezone.localdate().year)
        if roles[0] not in clients:
            clients[roles[0]] = Client()
            if users[roles[0]] is not None:
                clients[roles[0]].force_login(users[roles[0]])
        response = clients[roles[0]].get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append((name, url, [r for r in roles if TWINS.get(r) not in roles]))
    return pages


def session_cookie(user) -> list[dict]:
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "domain": "localhost",
            "path": "/",
        }
    ]


def open_as(browser, user, width: int, base: str, cookies: list[dict] = ()):
    """A browser page at ``width`` logged in as ``user``, with axe-core injected into every document (an init
    script runs outside the page's CSP, which forbids inline scripts)."""
    phone = width < 576
    context = browser.new_context(
        viewport={"width": width, "height": 812 if phone else 900},
        locale="zh-CN",
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    context.add_init_script(path=str(AXE))
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies([{**c, "domain": host} for c in [*session_cookie(user), *cookies]])
    return context.new_page()


def audit(page, url: str, *, checks: bool) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    found = page.evaluate(RUN_AXE)
    if checks:
        found += page.evaluate(CHECKS)
    return found


def test_every_page_passes_axe_and_the_tap_target_checks_at_375_and_1366_px(world, live_server, browser):
    pages = html_pages(world)
    users = users_by_role(world)
    shots = ARTIFACTS / "a11y"
    shots.mkdir(parents=True, exist_ok=True)
    failures = []
    for width in (375, 1366):
        by_role: dict[str, list] = {}
        for name, url, roles in pages:
            chosen = roles if width == 375 else [min(roles, key=WIDE_ORDER.index)]
            for role in chosen:
                by_role.setdefault(role, []).append((name, url))
        for role, entries in by_role.items():
            page = open_as(browser, users[role], width, live_server.url)
            for name, url in entries:
                for problem in audit(page, live_server.url + url, checks=width == 375):
                    failures.append(f"{width}px {name} as {role}: {problem}")
                if role == min((r for n, _, rs in pages if n == name for r in rs), key=WIDE_ORDER.index):
                    page.screenshot(path=str(shots / f"{name.replace(':', '-')}-{width}.png"), full_page=True)
            page.context.close()
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
  return {ring, what: `<${el.tagName.toLowerCase()}> ${(el.innerText || el.value || el.name || "").trim().slice(0, 20)}`};
}"""


@pytest.mark.parametrize("width", [375, 1366])
def test_every_control_reached_with_the_tab_key_shows_a_focus_ring(world, live_server, browser, width):
    """Keyboard users (and switch devices) see where they are: the login page, the member's page and the
    notification settings (check boxes, buttons, the menu, the text-size switch), tabbed through to the end."""
    failures = []
    for user, name in ((None, "login"), (world.member, "groups:my_page"), (world.member, "notifications:preferences")):
        page = open_as(browser, user, width, live_server.url)
        page.goto(live_server.url + reverse(name))
        seen = 0
        for _ in range(80):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS)
            if focus is None:
                break
            seen += 1
            if not focus["ring"]:
                failures.append(f"{width}px {name}: no visible focus on {focus['what']}")
        assert seen >= 3, f"{name}: tabbing reached {seen} controls"
        page.context.close()
    assert not failures, "\n".join(failures)


def test_the_duty_record_with_every_category_open_passes_axe_at_375_and_1366_px(world, live_server, browser, year):  # noqa: F811
    """The member's duty record with lines in every state (scored, capped, not scored), a minimum missed and a
    grade below its band, each category opened: axe and the tap-target checks at both widths, also in larger text."""
    failures = []
    for width, larger in ((375, False), (375, True), (1366, False)):
        cookies = [{"name": TEXT_SIZE_COOKIE, "value": "large", "path": "/"}] if larger else []
        page = open_as(browser, world.member, width, live_server.url, cookies)
        url = live_server.url + reverse("assessments:my_record") + "?year=2026&quarter=2"
        assert page.goto(url).status == 200
        for summary in page.locator("details.duty-group > summary").all():
            summary.click()
        found = page.evaluate(RUN_AXE) + page.evaluate(CHECKS)
        failures += [f"{width}px{' larger text' if larger else ''}: {problem}" for problem in found]
        page.screenshot(
            path=str(ARTIFACTS / f"duty-record-open-{width}{'-large' if larger else ''}.png"), full_page=True
        )
        page.context.close()
    assert not failures, "\n".join(failures)
