"""What issue 15 asked of the UI, in Chromium against the running system: a placed order is
listed at once; a dead letter turns the spinner into a plain message within a second, which
the replay clears; the Pipeline page is not OK while a read model holds an order; one
order's dead letter leaves other orders' rows and the read model's freshness alone; and the
order page's journey shows where each event's time went (docs/per-order-freshness.md)."""

import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from readmodels.models import DeadLetter, OrderSummary, ReadModelState

from .pages import detail_status, expect_live_updates, list_row, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAILURE_TEXT = "This order in the order list could not be updated; staff have been notified."


def record_first_appearance(page: Page, selector: str) -> None:
    """Note (browser clock, ms since the epoch) when `selector` first exists in the page."""
    page.evaluate(
        """(selector) => {
            window.__firstSeen ??= {};
            const check = () => {
                if (!window.__firstSeen[selector] && document.querySelector(selector)) {
                    window.__firstSeen[selector] = Date.now();
                }
            };
            check();
            new MutationObserver(check).observe(document.body, {subtree: true, childList: true});
        }""",
        selector,
    )


def first_appearance_ms(page: Page, selector: str) -> float:
    return page.evaluate("(selector) => window.__firstSeen[selector]", selector)


def lag_row(page: Page, read_model: str):
    return page.locator(".lag-table tbody tr").filter(has=page.locator("code", has_text=read_model))


def test_a_placed_order_is_listed_at_once_while_order_summaries_lags_5_s(
    live, browsers, alice, catalogue, projection_delay
):
    """Given every read model projects 5 s late, when alice places an order and goes back to
    the list, then the list shows it at once, marked as not yet in order_summaries (the read
    model does not have it), and the mark goes once the read model lists it."""
    projection_delay(5000)  # before the worker starts
    live.start_pipeline()
    tab = browsers.logged_in(alice, "/orders/new")
    page = tab.page
    page.get_by_role("textbox", name="Widget", exact=True).fill("2")
    page.get_by_role("button", name="Place order", exact=True).click()
    expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    order_id = page.url.rsplit("/", 1)[1]

    page.get_by_role("link", name="Orders", exact=True).first.click()
    row = list_row(page, order_id)
    expect(row).to_be_visible(timeout=2_000)
    expect(row.locator(".status-note")).to_have_text(
        "from your command; not yet in order_summaries", timeout=1_000
    )
    # Plain words for customers; the read models' names are in the tooltip
    badge = row.locator(".updating-badge")
    expect(badge).to_have_text("Updating…")
    expect(badge).to_have_attribute("title", re.compile(r"order_summaries \(the order list\)"))
    assert not OrderSummary.objects.filter(order_id=order_id).exists(), (
        "order_summaries should still lag: the row must come from the command's answer"
    )
    screenshot(page, "list-placed-order-not-yet-listed")

    expect(row.locator(".status-note")).to_have_count(0, timeout=30_000)
    assert OrderSummary.objects.filter(order_id=order_id).exists()
    expect(row.locator(".status-badge")).to_have_text("pending")
    tab.assert_no_console_errors()


def test_a_dead_letter_becomes_a_message_at_once_and_the_replay_clears_it(
    live, browsers, alice, staff_user, place_order_as
):
    """Given alice's two orders projected, her first order's page open and staff on the
    Pipeline page; when order_summaries dead-letters her confirmation of the first order, then
    within a second her spinner becomes a plain message; the Pipeline page's state for
    order_summaries is not OK; her other order's row is unmarked and the list is not stale,
    even past the 5 s threshold. When staff replay it, the message goes, and the journey shows
    the retries, the dead letter and its replay."""
    live.start_pipeline()
    held_id = place_order_as(alice).order.order_id
    other_id = place_order_as(alice).order.order_id
    tab = browsers.logged_in(alice, "/")
    page = tab.page
    staff = browsers.logged_in(staff_user, "/pipeline").page
    live.projected()
    page.goto(f"/orders/{held_id}")
    expect(detail_status(page)).to_have_text("pending")
    expect_live_updates(page)
    expect(lag_row(staff, "order_summaries").locator("[data-label=State]")).to_have_text("OK")

    # When: order_summaries fails every attempt at the confirmation
    ReadModelState.objects.update_or_create(
        name="order_summaries", defaults={"fail_next_event": True}
    )
    record_first_appearance(page, ".projection-failed")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".order-status .updating-badge")).to_contain_text("Updating…")

    # Then: the spinner's place takes the message, within a second of the dead letter
    failure = page.locator(".order-status .projection-failed")
    expect(failure).to_have_text(FAILURE_TEXT, timeout=30_000)
    dead = DeadLetter.objects.get(order_id=held_id, read_model="order_summaries")
    shown_after_ms = first_appearance_ms(page, ".projection-failed") - (
        dead.last_failed_at.timestamp() * 1000
    )
    assert shown_after_ms < 1000, f"the message came {shown_after_ms:.0f} ms after the dead letter"
    print(f"\nthe message came {shown_after_ms:.0f} ms after the dead letter")
    expect(page.locator(".order-status .updating-badge")).to_have_count(0)
    expect(detail_status(page)).to_have_text("confirmed")
    screenshot(page, "order-dead-lettered")

    # ...the Pipeline page does not call order_summaries OK
    state = lag_row(staff, "order_summaries").locator("[data-label=State]")
    expect(state).to_have_text("Dead letter: 1 order held")
    expect(lag_row(staff, "order_details").locator("[data-label=State]")).to_have_text("OK")
    screenshot(staff, "pipeline-held-order")

    # ...and past the threshold, the list is not stale and the other row is unmarked
    time.sleep(max(0.0, 6 - (timezone.now() - dead.last_failed_at).total_seconds()))
    page.get_by_role("link", name="Orders", exact=True).first.click()
    expect(list_row(page, held_id).locator(".projection-failed")).to_have_text("Not updated")
    other_row = list_row(page, other_id)
    expect(other_row.locator(".status-badge")).to_have_text("pending")
    expect(other_row.locator(".projection-failed, .updating-badge")).to_have_count(0)
    expect(page.locator(".list-status .stale-badge")).to_have_count(0)
    for session in (page, staff):  # the customer's answers and staff's alike
        body = session.request.get("/api/orders/").json()
        assert body["metadata"]["stale"] is False
        rows = {row["orderId"]: row for row in body["results"]}
        assert rows[str(held_id)]["behind"] == {"seq": 2, "reason": "dead_lettered"}
        assert "behind" not in rows[str(other_id)]

    # When: staff replay the dead letter
    page.goto(f"/orders/{held_id}")
    expect(failure).to_be_visible()
    staff.get_by_role("button", name="Replay OrderConfirmed seq 2 for order_summaries").click()

    # Then: the message goes, the state is OK again, and the journey tells the story
    expect(failure).to_have_count(0, timeout=10_000)
    expect(state).to_have_text("OK")
    journey = page.locator(".journey-table").filter(has_text="OrderConfirmed (version 2)")
    summaries = journey.locator("tbody tr").filter(
        has=page.locator("code", has_text="order_summaries")
    )
    expect(summaries.locator("[data-label='What happened']")).to_contain_text(
        "applied, after 5 failed attempts, dead-lettered, replayed at +"
    )
    details = journey.locator("tbody tr").filter(has=page.locator("code", has_text="order_details"))
    expect(details.locator("[data-label='What happened']")).to_have_text("applied")
    expect(details.locator("[data-label='Applied and pushed']")).to_have_text(re.compile(r"^\+\d"))
    page.locator(".journey").scroll_into_view_if_needed()
    screenshot(page, "order-journey")
    tab.assert_no_console_errors()
