"""The order list: "Updated … ago" from the server's dataAsOf (docs/ux-polling-data-as-of.md),
and what a customer may see."""

import re
from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from orders.models import OutboxMessage, OutboxState

from .pages import (
    expect_live_updates,
    freshness_text,
    list_row,
    screenshot,
    short_id,
    updated_seconds_ago,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FRESHNESS = ".list-status .freshness-line strong"


def refresh_list(page: Page) -> None:
    """Click "Refresh now" and wait for the answer of order_summaries."""
    with page.expect_response(lambda r: "/api/orders/?" in r.url and r.status == 200):
        page.get_by_role("button", name="Refresh now").click()


def wait_for_freshness(page: Page, text: str, timeout_ms: float = 15_000) -> None:
    """Wait until the indicator says exactly `text`, checking every animation frame: "Updated
    0 s ago" lasts less than a second between the answer and the next tick."""
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent === text",
        arg=[FRESHNESS, text],
        timeout=timeout_ms,
    )


def shown_age(page: Page) -> int:
    return updated_seconds_ago(freshness_text(page).inner_text())


def test_updated_ago_follows_the_servers_data_as_of(live, browsers, alice, place_order_as):
    """With nothing owed, the list says "Updated 0 s ago". Given no relay or worker running and
    an order waiting in the outbox, the age keeps growing across re-reads (it is the server's
    dataAsOf, the commit time of the oldest unapplied event, not the time of the last poll);
    once that event is older than order_summaries' 5 s threshold the list is marked Stale,
    saying how far behind; and when the pipeline has drained the outbox, the list shows the
    order and "Updated 0 s ago" again."""
    tab = browsers.logged_in(alice, "/")
    page = tab.page
    stale_badge = page.locator(".list-status .stale-badge")
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    refresh_list(page)
    wait_for_freshness(page, "Updated 0 s ago")  # nothing owed: as of now

    # An order waits in the outbox: no relay or worker runs to project it.
    waiting_order = place_order_as(alice).order.order_id
    refresh_list(page)
    expect(stale_badge).to_have_count(0)  # behind, but within the threshold
    page.wait_for_function(
        "(selector) => /^Updated [2-9] s ago$/.test(document.querySelector(selector)?.textContent)",
        arg=FRESHNESS,
    )
    before = shown_age(page)
    refresh_list(page)
    assert shown_age(page) >= before, "a re-read reset the age although nothing was applied"
    expect(page.get_by_text("No orders yet.")).to_be_visible()

    # Past the threshold (backdated rather than waited for): Stale, and how far behind.
    OutboxMessage.objects.filter(state=OutboxState.PENDING).update(
        created_at=F("created_at") - timedelta(minutes=2)
    )
    refresh_list(page)
    expect(freshness_text(page)).to_have_text(re.compile(r"^Updated 2 min( \d+ s)? ago$"))
    expect(stale_badge).to_have_text("Stale")
    stale_text = page.locator(".list-status .stale-text")
    expect(stale_text).to_contain_text("order_summaries is 2 min")
    expect(stale_text).to_contain_text("over its 5 s threshold")
    screenshot(page, "orders-list-stale")

    # The pipeline runs and drains the outbox: the order appears, the list is fresh again.
    live.start_pipeline()
    live.projected()  # the worker's start-up alone can take half a minute on a busy machine
    expect(list_row(page, waiting_order)).to_be_visible()  # a push or a poll, no reload
    refresh_list(page)
    wait_for_freshness(page, "Updated 0 s ago")
    expect(stale_badge).to_have_count(0)
    screenshot(page, "orders-list")


def test_a_customer_never_sees_another_customers_orders(live, browsers, alice, bob, place_order_as):
    """Given orders of alice and bob, projected into every read model, then bob's list shows
    his order and not alice's, and alice's order URL tells bob there is no such order."""
    live.start_pipeline()
    alices_order = place_order_as(alice).order.order_id
    bobs_order = place_order_as(bob, {"gizmo": 2}).order.order_id
    alice_tab = browsers.logged_in(alice, "/")
    live.projected()
    expect(list_row(alice_tab.page, alices_order)).to_be_visible()  # it is there to be seen

    bob_tab = browsers.logged_in(bob, "/", shot="login")
    page = bob_tab.page
    expect(list_row(page, bobs_order)).to_be_visible()
    expect_live_updates(page)
    expect(page.locator(".order-table tbody tr")).to_have_count(1)
    expect(page.get_by_text(f"#{short_id(alices_order)}")).to_have_count(0)
    expect(page.locator(".order-table")).not_to_contain_text("Alice")

    page.goto(f"/orders/{alices_order}")
    expect(page.get_by_role("alert")).to_have_text(
        "No such order (or the order_details read model has not caught up with it yet)."
    )
    expect(page.locator(".order-status")).to_have_count(0)
    expect(page.get_by_text("Archer")).to_have_count(0)
    screenshot(page, "order-not-found")

    alice_tab.assert_no_console_errors()
    bob_tab.assert_no_console_errors()
