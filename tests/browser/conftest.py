"""Real-browser fixtures: Debian's chromium driven by Playwright (never `playwright install`), the explorer
served from a thread on a free port over real bounties on Ape's Anvil (``explorer_world.build_trained``:
a bounty scored by real Keras training whose false score for the organizer's sock was challenged and
corrected by a RerunJury, one taking submissions, one whose spec name is HTML).

Without chromium the tests are skipped with the one line saying what to install, except under
``CI=true``, where they fail instead: CI must run them (`make test` installs chromium as root).
"""

from __future__ import annotations

import os

import pytest
from browser_support import CHROMIUM_ARGS, INSTALL_HINT, chromium_path


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return path


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page; any script error or dialog (an XSS firing) fails the test."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    yield page
    context.close()
    assert problems == []


@pytest.fixture(scope="module")
def world(tmp_path_factory, chromium):
    from explorer_world import XSS_NAME, build_trained, world_in

    home = tmp_path_factory.mktemp("browser-home")
    with world_in(home, lambda store: build_trained(store, home, xss_name=XSS_NAME)) as built:
        yield built


@pytest.fixture(scope="module")
def server(world):
    from bounty_client.explorer import create_app, serve_in_thread

    app = create_app(store=world["store"], factory=world["factory"])
    handle = serve_in_thread(app)
    handle.app = app
    yield handle
    handle.stop()
