"""Browser tests: Playwright driving the distribution's Chromium.

Nothing is downloaded: the browser is the one installed on the machine,
found through ``CHROMIUM_PATH`` or on the ``PATH``. Without it these tests
skip, except under CI, where a missing browser fails the run.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from tests.e2e import axe

# Playwright's sync API runs an event loop in the test's thread, so Django
# takes every ORM call made there for one made from async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The machine may have no route out: without the background-networking flags
# Chromium keeps dialling Google's services and its connections are refused.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A step that waits longer than this has found a bug, not a slow machine.
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Let fixtures know, as they tear down, how the test itself went."""
    report = yield
    if report.when == "call":
        item.journey_report = report
    return report


def find_chromium():
    """The Chromium to drive, or None; ``CHROMIUM_PATH`` wins when set."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    if os.access(DEFAULT_CHROMIUM, os.X_OK):
        return DEFAULT_CHROMIUM
    return next(filter(None, map(shutil.which, BROWSER_NAMES)), None)


def _missing(reason):
    """Skip on a developer's machine; fail under CI, which must run these."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI runs the browser tests)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(django_db_setup, django_db_blocker):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed; pip install -r requirements.txt")

    executable = find_chromium()
    if executable is None and os.environ.get("CHROMIUM_PATH"):
        _missing(f"CHROMIUM_PATH names no program: {os.environ['CHROMIUM_PATH']}")
    if executable is None:
        _missing(
            "No Chromium found: install the distribution's chromium package "
            "or set CHROMIUM_PATH"
        )

    with django_db_blocker.unblock():
        test_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        _keep_connections(test_connections)
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _keep_connections(test_connections):
    """Keep the test thread on the test database's own connections.

    Playwright's sync API leaves its event loop visible to the thread that
    drives it, so Django takes the tests for async code and hands them fresh
    connections: ones that the live server does not share and that lack the
    saved contents with which a flushed database gets its role groups back.
    """
    for alias, connection in test_connections.items():
        connections[alias] = connection


@pytest.fixture(autouse=True)
def _groups_survive_flush(django_db_serialized_rollback):
    """Bring back the role groups that the migrations made.

    A live server needs a transactional database, which is flushed after
    each test; the groups made by a data migration would go with it.
    """


@pytest.fixture
def open_page(request, browser, live_server):
    """Make a page in a context of its own: one person, one set of cookies.

    A journey that shows a page it never audits fails at teardown, as does
    one whose pages raise a script error or have something refused by the
    Content Security Policy.
    """
    contexts = []
    errors = []

    def open_page(**options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=axe.DESKTOP,
            locale="en-US",
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        axe.attach(page)
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: _note_refusal(page, message, errors))
        return page

    yield open_page

    unaudited = [url for context in contexts for url in axe.unaudited(context)]
    for context in contexts:
        context.close()
    journey = getattr(request.node, "journey_report", None)
    if journey is None or not journey.passed:
        return  # The journey's own failure says what went wrong.
    assert not errors, "Scripts failed or were refused:\n" + "\n".join(errors)
    assert not unaudited, "Pages shown but never audited: " + ", ".join(unaudited)


def _note_refusal(page, message, errors):
    """Keep a refusal by the Content Security Policy, unless axe caused it.

    axe reads the page's style sheets; the admin's, which @import another,
    it copies into an inline style that the policy rightly refuses.
    """
    if message.type != "error" or "Content Security Policy" not in message.text:
        return
    if message.location.get("url") == str(axe.AXE_JS):
        return
    errors.append(f"{page.url}: {message.text}")


@pytest.fixture
def screenshot():
    """Save what a page shows now under docs/screenshots, for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def screenshot(page, name, *, viewport=None, full_page=False):
        previous = page.viewport_size
        if viewport:
            page.set_viewport_size(viewport)
        page.screenshot(
            path=SCREENSHOTS / f"{name}.png", full_page=full_page, animations="disabled"
        )
        if viewport:
            page.set_viewport_size(previous)

    return screenshot
