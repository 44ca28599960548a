"""Browser tests: headless Chromium (Debian's, driven by Python Playwright) against the whole
system running for real: the ASGI server (HTTP + WebSocket), the outbox relay and a Celery
worker, all subprocesses on the pytest test database.

Preconditions: Debian's chromium at /usr/bin/chromium (scripts/ensure-browser.sh installs it;
E2E_CHROMIUM names another) and the built frontend in static/app/ (built here when missing).
Tests are `@pytest.mark.django_db(transaction=True)`, so that the servers see what the test
commits. Screenshots of each page go to test-results/screenshots/ (and of every open page
when a test fails).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from readmodels.models import ReadModelState
from readmodels.projections import PROJECTIONS
from tests.pipeline.harness import ROOT

from .live_system import LiveSystem
from .pages import SCREENSHOTS, Tab, log_in, screenshot, watch_console

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP_BUNDLE = ROOT / "static" / "app" / "app.js"

# Generous: two cores are shared by the browser, the server, the worker, the relay, PostgreSQL.
expect.set_options(timeout=15_000)
ACTION_TIMEOUT_MS = 30_000


# ---- the frontend bundle and the browser --------------------------------------------------


@pytest.fixture(scope="session")
def built_frontend() -> Path:
    """static/app/app.js, built by `npm ci && npm run build` in frontend/ when missing."""
    if APP_BUNDLE.exists():
        return APP_BUNDLE
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            f"{APP_BUNDLE.relative_to(ROOT)} is missing and npm is not installed: build the "
            "frontend first (cd frontend && npm ci && npm run build)."
        )
    for step in (["ci", "--no-audit", "--no-fund"], ["run", "build"]):
        done = subprocess.run(
            [npm, *step], cwd=ROOT / "frontend", capture_output=True, text=True, timeout=900
        )
        if done.returncode != 0:
            pytest.fail(
                f"building the frontend failed at `npm {' '.join(step)}`:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
    if not APP_BUNDLE.exists():
        pytest.fail(f"the frontend build did not produce {APP_BUNDLE.relative_to(ROOT)}")
    return APP_BUNDLE


@pytest.fixture(scope="package")
def browser(built_frontend) -> Iterator[Browser]:
    """One headless Chromium for the e2e tests; each test opens its own contexts."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run scripts/ensure-browser.sh (Debian's chromium).")
    for old in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run
        old.unlink()
    with allow_orm_beside_playwright(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop marked as running in this thread, which
    Django takes for async code and refuses the ORM. The tests' ORM calls are plain sync code
    (the loop only waits for the browser between calls), so lift the check while the browser
    is open: for the e2e tests and their database flushes, and no other tests."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


# ---- the servers --------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"e2e_report_{report.when}", report)


def _test_failed(request) -> bool:
    report = getattr(request.node, "e2e_report_call", None)
    return report is None or report.failed


@pytest.fixture(scope="package")
def web_server(django_db_setup, tmp_path_factory) -> Iterator[LiveSystem]:
    """The ASGI server (HTTP + WebSocket) on the test database, shared by the e2e tests: it
    keeps no state of its own between requests (sessions and data live in the database)."""
    server = LiveSystem(tmp_path_factory.mktemp("web"))
    try:
        server.start_web()
        yield server
    finally:
        server.stop_all()


@pytest.fixture
def live(
    web_server, transactional_db, outbox_for_every_read_model, tmp_path, request
) -> Iterator[LiveSystem]:
    """The running web server; `live.start_pipeline()` adds a worker and the relay, which
    are stopped after the test, before the database is flushed (`transactional_db`)."""
    # Tasks an earlier test published but never consumed must not reach this test's worker.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    system = LiveSystem(tmp_path, base_url=web_server.base_url)
    try:
        yield system
    finally:
        system.stop_all()
        if _test_failed(request):
            print(f"\nlogs in {tmp_path}:\n{system.log_tails()}\n{web_server.log_tails()}")


@pytest.fixture
def projection_delay() -> Callable[[int], None]:
    """projection_delay(2000): every read model applies each event 2 s after its commit at
    the earliest (the Pipeline page's demo control; the relay holds the rows back)."""

    def set_delay(delay_ms: int) -> None:
        for name in PROJECTIONS:
            ReadModelState.objects.update_or_create(name=name, defaults={"demo_delay_ms": delay_ms})

    return set_delay


# ---- people in browsers -------------------------------------------------------------------


class Browsers:
    """Opens a browser context per person on the live server; closes them all at teardown."""

    def __init__(self, browser: Browser, base_url: str, password: str):
        self.browser = browser
        self.base_url = base_url
        self.password = password
        self.contexts: list[BrowserContext] = []

    def context(self) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.contexts.append(context)
        return context

    def logged_in(self, user, path: str = "/", shot: str | None = None) -> Tab:
        """The first tab of a new context, logged in as `user` through the login page."""
        tab = watch_console(self.context().new_page())
        log_in(tab.page, user, self.password, path, shot=shot)
        return tab

    def new_tab(self, of: Tab, path: str) -> Tab:
        """Another tab of the same browser context (same user, same session)."""
        tab = watch_console(of.page.context.new_page())
        tab.page.goto(path)
        return tab

    def close_all(self, failed: bool, test_name: str) -> None:
        for context_number, context in enumerate(self.contexts):
            if failed:
                for page_number, page in enumerate(context.pages):
                    with contextlib.suppress(PlaywrightError):  # best effort: a page may be gone
                        screenshot(page, f"FAILED-{test_name}-{context_number}-{page_number}")
            context.close()


@pytest.fixture
def browsers(browser, live, password, request) -> Iterator[Browsers]:
    opened = Browsers(browser, live.base_url, password)
    yield opened
    opened.close_all(_test_failed(request), re.sub(r"\W+", "_", request.node.name))
