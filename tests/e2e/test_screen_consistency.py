"""One consistent point per screen, in Chromium against the running system
(docs/screen-consistency.md): a panel whose read model lags says it is behind, next to a
panel that is not; and an order that order_details dead-lettered is shown folded from its
events, labelled provisional, until staff replay it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from readmodels.models import ReadModelState

from .pages import detail_status, expect_live_updates, list_row, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEHIND_LABEL = "Behind: changes on their way"


def test_the_panel_that_lags_5_s_says_it_is_behind_and_the_other_does_not(
    live, browsers, alice, place_order_as
):
    """Given order_summaries projects 5 s late and order_details at once, when alice confirms
    her order, then its page (order_details) shows confirmed with no label, while the list
    (order_summaries) labels itself behind until it has the confirmation."""
    ReadModelState.objects.update_or_create(
        name="order_summaries", defaults={"demo_delay_ms": 5000}
    )
    live.start_pipeline()
    order_id = place_order_as(alice).order.order_id
    live.projected()
    tab = browsers.logged_in(alice, f"/orders/{order_id}")
    page = tab.page
    expect_live_updates(page)

    # When: she confirms, and order_details has applied it
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".order-status .updating-badge")).to_contain_text("Updating…")
    page.reload()
    expect(detail_status(page)).to_have_text("confirmed")
    expect(page.locator(".completeness-badge")).to_have_count(0, timeout=5_000)

    # Then: the list, still without the confirmation, says it is behind
    page.get_by_role("link", name="Orders", exact=True).first.click()
    label = page.locator(".list-status .completeness-badge")
    expect(label).to_have_text(BEHIND_LABEL, timeout=3_000)
    screenshot(page, "list-behind-while-order-summaries-lags")
    # ...until order_summaries has it: the label goes and the row says confirmed
    expect(label).to_have_count(0, timeout=20_000)
    expect(list_row(page, order_id).locator(".status-badge")).to_have_text("confirmed")


def test_a_dead_lettered_order_is_shown_provisionally_until_replayed(
    live, browsers, alice, staff_user, place_order_as
):
    """Given order_details fails every attempt at alice's confirmation (a dead letter), when
    she opens the order, then she sees it confirmed, labelled provisional and why; when staff
    replay the dead letter, the label goes."""
    live.start_pipeline()
    order_id = place_order_as(alice).order.order_id
    live.projected()
    tab = browsers.logged_in(alice, f"/orders/{order_id}")
    page = tab.page
    staff = browsers.logged_in(staff_user, "/pipeline").page
    expect_live_updates(page)

    # When: order_details dead-letters her confirmation, and she opens the order again
    ReadModelState.objects.update_or_create(
        name="order_details", defaults={"fail_next_event": True}
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".order-status .projection-failed")).to_be_visible(timeout=30_000)
    page.reload()

    # Then: her confirmation shows, from the order's events, labelled provisional
    note = page.locator(".provisional-note")
    expect(note).to_contain_text("Provisional")
    expect(note).to_contain_text(re.compile(r"order_details\s*has only version 1"))
    expect(detail_status(page)).to_have_text("confirmed")
    expect(page.locator(".completeness-badge")).to_have_text("Degraded: held behind a failure")
    screenshot(page, "order-provisional-dead-lettered")

    # When: staff replay it / Then: the read model's own row replaces the provisional one
    staff.get_by_role(
        "button", name=re.compile("Replay OrderConfirmed seq 2 for order_details")
    ).click()
    expect(note).to_have_count(0, timeout=15_000)
    expect(detail_status(page)).to_have_text("confirmed")
