"""What a newcomer meets (issue 15, points 6 to 8): a styled login page naming the demo
accounts, a "What to try" panel, the "UX patterns: on/off" switch, demo controls a customer
can reach (read-only), and the smaller points: titles, favicon, empty filters, one list
fetch on first load, visible demo confirmations, a phone header that leaves room."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Route, expect

from readmodels.models import ReadModelState

from .pages import expect_live_updates, log_in, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_finds_accounts_patterns_and_demo_controls(
    live, browsers, alice, place_order_as
):
    """Given the demo's customer accounts exist, the login page lists them; after logging
    in, the landing page names the four patterns with an action and a docs page each, the
    switch says what it does, and the header leads a customer to the demo controls, which
    they can see but not change."""
    get_user_model().objects.create_user(username="bob", password="x", first_name="Bob")
    order_id = place_order_as(alice).order.order_id
    page = browsers.context().new_page()
    page.goto("/")
    accounts = page.locator(".demo-accounts")
    expect(accounts.get_by_role("heading", name="Demo accounts")).to_be_visible()
    expect(accounts.locator("tbody tr")).to_have_count(2)  # alice and bob exist; no staff user
    expect(accounts).to_contain_text("alice-demo-pass")
    background = page.locator(".login-card").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 255, 255)", "the login page should be styled"
    screenshot(page, "login")

    log_in(page, alice, browsers.password)
    expect(page).to_have_title("Orders")
    panel = page.locator(".what-to-try")
    expect(panel.locator(".pattern-list > li")).to_have_count(4)
    for name, docs in (
        ("Optimistic update.", "/docs/ux-optimistic-update"),
        ("The command’s answer.", "/docs/ux-command-response"),
        ("Polling with “Updated N s ago”.", "/docs/ux-polling-data-as-of"),
        ("“Updating…” badges.", "/docs/ux-updating-badges"),
    ):
        item = panel.locator("li").filter(has_text=name)
        expect(item.get_by_role("link", name="how it works")).to_have_attribute("href", docs)
        assert page.request.get(docs).ok, docs
    switch = page.get_by_role("switch")
    expect(page.locator(".patterns-switch")).to_have_text("UX patterns: on")
    expect(switch).to_be_checked()
    switch.click()
    expect(page.locator(".patterns-switch")).to_have_text("UX patterns: off")
    expect(page.locator(".patterns-off-banner")).to_contain_text("UX patterns off.")
    switch.click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Demo controls").click()
    expect(page.get_by_role("heading", name="Demo controls", level=1)).to_be_visible()
    expect(page.get_by_label("Fail the next event").first).to_be_disabled()
    expect(page.locator("#delay-order_details")).to_be_disabled()

    page.goto(f"/orders/{order_id}")
    expect(page).to_have_title(f"Order #{str(order_id)[:8]} · Orders")
    page.goto("/?status=shipped")
    expect(page.locator(".empty")).to_have_text("No shipped orders.")
    assert page.request.get("/favicon.ico").ok


def test_the_list_loads_once_and_the_phone_header_leaves_room(live, browsers, alice):
    """The first load asks order_summaries once (the push channel's first open does not
    repeat it), and on a 390 × 844 phone the header stays under 90 px with 32 px targets."""
    context = browsers.browser.new_context(
        base_url=browsers.base_url, viewport={"width": 390, "height": 844}
    )
    browsers.contexts.append(context)
    page = context.new_page()
    list_requests = []
    page.on(
        "request",
        lambda request: (
            list_requests.append(request.url) if "/api/orders/?" in request.url else None
        ),
    )
    log_in(page, alice, browsers.password)
    expect_live_updates(page)
    page.wait_for_timeout(1000)
    assert len(list_requests) == 1, list_requests

    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 90, header
    for target in page.locator(".nav-list a, .patterns-switch, .logout-form button").all():
        assert target.bounding_box()["height"] >= 32, target.inner_text()
    screenshot(page, "phone-landing")


def test_staff_see_demo_changes_confirmed_on_screen_and_the_box_ticks_at_once(
    live, browsers, staff_user
):
    """A demo control change is confirmed on screen (not only to screen readers), and "Fail
    the next event" ticks as soon as it is clicked, before the server has answered."""
    page = browsers.logged_in(staff_user, "/pipeline").page
    fail_next = page.locator("#fail-order_search")
    expect(fail_next).not_to_be_checked()
    held: list[Route] = []
    page.route(
        re.compile(r"/api/ops/demo$"),
        lambda route: held.append(route) if route.request.method == "PUT" else route.continue_(),
    )
    fail_next.click()
    expect(fail_next).to_be_checked()  # while the PUT is still held
    assert held, "the change should be on its way"
    held[0].continue_()
    expect(page.locator(".demo-saved")).to_have_text(
        "Saved: The next event for order_search will fail."
    )
    assert ReadModelState.objects.get(name="order_search").fail_next_event
