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

One test per page, so that xdist spreads the walk over its workers. The pages' data (the permission matrix's
``world`` and objects) is built once per module in each worker, committed for the live server's thread, and
flushed when the module is done, as a transactional test's would be; each role's browser context is opened once
and reused from page to page, as the single walk did.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.conftest import ARTIFACTS, ROOT, make_world, start_live_server
from tests.test_permission_matrix import ROLES, RULES, build_objects, page_url, url_names, users_by_role

# The module's tests only read the data of ``site``; their (empty) transactions set up the test database.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

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


def page_names() -> list[str]:
    """URL names of the matrix's pages that some role may open (no API, no POST-only endpoint)."""
    return [
        name
        for name in sorted(url_names())
        if not (RULES[name].api or RULES[name].post_only) and set(ROLES) & RULES[name].ok and name not in NOT_WALKED
    ]


def roles_for(name: str) -> list[str]:
    """The roles that open a page at 375 px: every role that may, less the "other" twins of one that may."""
    roles = [role for role in ROLES if role in RULES[name].ok]
    return [r for r in roles if TWINS.get(r) not in roles]


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
    return open_with(browser, [*session_cookie(user), *cookies], width, base)


def open_with(browser, cookies: list[dict], width: int, base: str):
    """A browser page at ``width`` with these cookies (a session: logged in), axe-core injected as above."""
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
    context.add_cookies([{**c, "domain": host} for c in cookies])
    return context.new_page()


# Pages left out of the walk, with the reason (none: the API docs, Swagger UI's own markup, are walked since #21,
# with the contrast and sizes overridden in static/css/swagger-ui.css and no deep links, whose links sat inside the
# operations' summary buttons; cppcc_portal/settings.py SPECTACULAR_SETTINGS).
NOT_WALKED: dict[str, str] = {}
# Pages a script draws after the load event, with an element that shows it has: the walk waits for it, so axe and the
# checks see the page a reader sees (Swagger UI draws the API docs once the schema has loaded; audited at the load
# event, the walk would see an empty frame).
DRAWN = {"api-docs": "#swagger-ui .opblock"}


def audit(page, url: str, *, checks: bool, drawn: str = "") -> list[str]:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    if drawn:  # a page its script draws after the load: audit what it drew, not the empty frame
        page.wait_for_selector(drawn)
    found = page.evaluate(RUN_AXE)
    if checks:
        found += page.evaluate(CHECKS)
    return found


class Site:
    """The walk's data, live server and browser pages, shared by the module's tests in one worker. The sessions
    are made here too: a test's own writes stay in its transaction, which the live server's thread cannot see."""

    def __init__(self, browser, base: str):
        self.browser = browser
        self.base = base
        self.world = make_world()
        self.objects = build_objects(self.world)
        self.users = users_by_role(self.world)
        self.sessions = {role: session_cookie(user) for role, user in self.users.items()}
        self.pages: dict[tuple[str, int], object] = {}

    def page(self, role: str, width: int):
        """The browser page of ``role`` at ``width``, opened once and reused from URL to URL."""
        if (role, width) not in self.pages:
            self.pages[role, width] = open_with(self.browser, self.sessions[role], width, self.base)
        return self.pages[role, width]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@contextmanager
def deferred_transactions():
    """On SQLite, the tests' own transactions begin DEFERRED for the module, not IMMEDIATE (settings.py): an
    IMMEDIATE one holds the write lock for the whole test, and a page that writes (an audited export, a
    session) would wait on it in the live server's thread until SQLite's timeout. The tests only read."""
    options = connection.settings_dict.get("OPTIONS", {})
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    saved = (options.get("transaction_mode"), connection.transaction_mode)
    options["transaction_mode"], connection.transaction_mode = None, None
    try:
        yield
    finally:
        options["transaction_mode"], connection.transaction_mode = saved


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, browser):
    """The permission matrix's world and objects, committed once for the live server's thread (which reads them
    on its own connection), a live server, and the browser; flushed afterwards, as after a transactional test."""
    with django_db_blocker.unblock(), deferred_transactions():
        server = start_live_server("localhost")
        server._live_server_modified_settings.enable()
        built = None
        try:
            built = Site(browser, server.url)
            yield built
        finally:
            if built is not None:
                built.close()
            server.stop()
            server._live_server_modified_settings.disable()
            call_command("flush", interactive=False, verbosity=0)
            # This fixture runs beside Playwright's greenlet, whose context holds a connection of its own (Django's
            # connections are per context): closed here, or it keeps a session that stops the test database's drop.
            connection.close()


@pytest.mark.parametrize("name", page_names())
def test_the_page_passes_axe_and_the_tap_target_checks_at_375_and_1366_px(site, name):
    """A page that answers the first role that may open it with anything but HTML (a PDF, a workbook, an image,
    a progress poll's JSON) has nothing for axe and is left out, as the single walk left it out."""
    url = site.base + page_url(name, site.world, site.objects)
    roles = roles_for(name)
    first = site.page(roles[0], 375).context.request.get(url)
    if not (first.status == 200 and first.headers.get("content-type", "").startswith("text/html")):
        return
    shots = ARTIFACTS / "a11y"
    shots.mkdir(parents=True, exist_ok=True)
    wide = min(roles, key=WIDE_ORDER.index)
    failures = []
    for width in (375, 1366):
        for role in roles if width == 375 else [wide]:
            page = site.page(role, width)
            for problem in audit(page, url, checks=width == 375, drawn=DRAWN.get(name, "")):
                failures.append(f"{width}px {name} as {role}: {problem}")
            if role == wide:
                page.screenshot(path=str(shots / f"{name.replace(':', '-')}-{width}.png"), full_page=True)
            # Parked until its next page: a page left open would keep its timers (a sign-in screen's refresh,
            # a progress poll) running between tests and could navigate under the next test's goto.
            page.goto("about:blank")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
  return {ring, what: `<${el.tagName.toLowerCase()}> ${(el.innerText || el.value || el.name || "").trim().slice(0, 20)}`};
}"""


@pytest.mark.parametrize("width", [375, 1366])
def test_every_control_reached_with_the_tab_key_shows_a_focus_ring(site, width):
    """Keyboard users (and switch devices) see where they are: the login page, the member's page and the
    notification settings (check boxes, buttons, the menu, the text-size switch), tabbed through to the end."""
    failures = []
    for role, name in (("anonymous", "login"), ("member", "groups:my_page"), ("member", "notifications:preferences")):
        page = open_with(site.browser, site.sessions[role], width, site.base)
        page.goto(site.base + reverse(name))
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
