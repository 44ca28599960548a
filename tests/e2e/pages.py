"""What the tests do in a page: log in, watch the console, read what the UI shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.pipeline.harness import ROOT

SCREENSHOTS = ROOT / "test-results" / "screenshots"


@dataclass
class Tab:
    """A page and the console errors it logged, except Chromium's own "Failed to load
    resource" lines, which report answers such as a deliberate 404 or 409."""

    page: Page
    console_errors: list[str] = field(default_factory=list)

    def assert_no_console_errors(self) -> None:
        assert not self.console_errors, f"console errors on {self.page.url}: {self.console_errors}"


def watch_console(page: Page) -> Tab:
    tab = Tab(page)

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            tab.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
    return tab


def log_in(page: Page, user, password: str, path: str = "/", shot: str | None = None) -> None:
    """Through the real login form: the app shell sends an anonymous visitor there first."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator(".site-header .user")).to_contain_text(user.first_name)


def expect_live_updates(page: Page) -> None:
    """The push WebSocket is open: pushes from now on reach this tab."""
    expect(page.locator(".site-header .connection")).to_have_text("Live updates on")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def short_id(order_id) -> str:
    return str(order_id)[:8]


# ---- the order page -----------------------------------------------------------------------


def detail_status(page: Page) -> Locator:
    return page.locator(".order-status .status-badge")


def detail_updating(page: Page) -> Locator:
    return page.locator(".order-status .updating-badge")


# ---- the order list -----------------------------------------------------------------------


def list_row(page: Page, order_id) -> Locator:
    return page.locator(".order-table tbody tr").filter(
        has=page.get_by_role("link", name=f"#{short_id(order_id)}", exact=True)
    )


def freshness_text(page: Page) -> Locator:
    return page.locator(".list-status .freshness-line strong")


def updated_seconds_ago(text: str) -> int:
    """ "Updated 7 s ago" → 7, "Updated 2 min 5 s ago" → 125."""
    match = re.fullmatch(r"Updated (?:(\d+) h ?)?(?:(\d+) min ?)?(?:(\d+) s )?ago", text)
    assert match, f"not an 'Updated … ago' text: {text!r}"
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


# ---- recording what an element showed over time ---------------------------------------------


def record_texts(page: Page, selector: str) -> None:
    """Record every text `selector` shows from now on (None while it is absent), so a test can
    check afterwards that something never appeared, however briefly."""
    page.evaluate(
        """(selector) => {
            const seen = (window.__seenTexts ??= {});
            const history = (seen[selector] = []);
            const read = () => {
                const element = document.querySelector(selector);
                const text = element ? element.textContent : null;
                if (history[history.length - 1] !== text) history.push(text);
            };
            read();
            new MutationObserver(read).observe(document.body, {
                subtree: true, childList: true, characterData: true, attributes: true,
            });
        }""",
        selector,
    )


def recorded_texts(page: Page, selector: str) -> list[str | None]:
    return page.evaluate("(selector) => window.__seenTexts[selector]", selector)
