"""The staff Pipeline page: read models and thresholds, demo controls, dead letters, replay."""

import pytest
from playwright.sync_api import Page, expect

from orders.models import OutboxMessage, OutboxState
from readmodels.models import DeadLetter, OrderSearchEntry
from tests.pipeline.harness import wait_until

from .pages import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

THRESHOLDS = {
    "order_summaries": "5 s",
    "order_details": "5 s",
    "order_search": "30 s",
    "order_analytics": "5 min",
}


def demo_card(page: Page, read_model: str):
    return page.locator("#demo-controls fieldset").filter(
        has=page.locator("legend", has_text=read_model)
    )


def test_pipeline_page_fail_next_event_then_replay_the_dead_letter(
    live, browsers, staff_user, alice, place_order_as
):
    """Given staff on the Pipeline page, it lists the four read models with their thresholds
    and a demo card for each; when "Fail the next event" is ticked for order_search and a
    command follows, that event lands in the dead letters on the page, and replaying it
    applies it and empties the list."""
    live.start_pipeline()
    tab = browsers.logged_in(staff_user, "/pipeline")
    page = tab.page
    expect(page.get_by_role("heading", name="Pipeline", exact=True)).to_be_visible()

    lag_rows = page.locator(".lag-table tbody tr")
    expect(lag_rows).to_have_count(4)
    for read_model, threshold in THRESHOLDS.items():
        row = lag_rows.filter(has=page.locator("code", has_text=read_model))
        expect(row.locator("[data-label=Threshold]")).to_have_text(threshold)
        expect(row.locator("[data-label=State]")).to_have_text("OK")
        card = demo_card(page, read_model)
        expect(card.get_by_label("Projection delay")).to_be_visible()
        expect(card.get_by_label("Fail the next event")).not_to_be_checked()
    expect(page.get_by_text("No dead letters: every event was applied.")).to_be_visible()

    fail_next = demo_card(page, "order_search").get_by_label("Fail the next event")
    # A controlled checkbox: it shows the server's state, so it ticks when the PUT has answered.
    with page.expect_response(lambda r: "/api/ops/demo" in r.url and r.request.method == "PUT"):
        fail_next.click()
    expect(fail_next).to_be_checked()

    order_id = place_order_as(alice).order.order_id
    letters = page.locator(".dead-letter-table tbody tr")
    expect(letters).to_have_count(1, timeout=30_000)
    expect(letters.locator("[data-label='Read model']")).to_have_text("order_search")
    expect(letters.locator("[data-label=Event]")).to_have_text("OrderPlaced (seq 1)")
    expect(letters.locator("[data-label=Order]")).to_have_text(f"#{str(order_id)[:8]}")
    expect(letters.locator("[data-label=Error]")).to_contain_text("injected fault")
    expect(letters.locator("[data-label=Attempts]")).to_have_text("5")
    expect(fail_next).not_to_be_checked()  # it fired once and reset itself
    search_row = lag_rows.filter(has=page.locator("code", has_text="order_search"))
    expect(search_row.locator("[data-label='Dead letters']")).to_have_text("1")
    screenshot(page, "pipeline")
    assert not OrderSearchEntry.objects.filter(order_id=order_id).exists()

    page.get_by_role("button", name="Replay OrderPlaced seq 1 for order_search").click()
    expect(page.locator("#dead-letters-heading + .result, .result")).to_have_text(
        "Replay: 1 succeeded, 0 failed, 0 skipped."
    )
    expect(page.get_by_text("No dead letters: every event was applied.")).to_be_visible()
    expect(letters).to_have_count(0)
    live.projected()
    wait_until(
        lambda: OrderSearchEntry.objects.filter(order_id=order_id, seq=1).exists(),
        what="order_search to hold the replayed order",
    )
    assert not DeadLetter.objects.filter(resolved_at__isnull=True).exists()
    assert not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists()
    expect(search_row.locator("[data-label='Dead letters']")).to_have_text("0")
    tab.assert_no_console_errors()
