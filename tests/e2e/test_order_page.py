"""The order page after Confirm: optimistic update and rollback (docs/ux-optimistic-update.md),
the command response (docs/ux-command-response.md) and "Updating…" badges, also in a second tab
(docs/ux-updating-badges.md)."""

import re

import pytest
from playwright.sync_api import Route, expect

from orders import services
from orders.domain.commands import CancelOrder
from readmodels.projections import PROJECTIONS

from .pages import (
    detail_status,
    detail_updating,
    expect_live_updates,
    list_row,
    record_texts,
    recorded_texts,
    screenshot,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STATUS = ".order-status .status-badge"
CONFIRM_URL = re.compile(r"/api/orders/[0-9a-f-]+/confirm/?$")


def read_model_seqs(order_id) -> dict[str, int | None]:
    """The seq each read model has applied for this order (None: not projected yet)."""
    seqs = {}
    for name, projection in PROJECTIONS.items():
        row = projection.row_model.objects.filter(order_id=order_id).values("seq").first()
        seqs[name] = row["seq"] if row else None
    return seqs


class HeldRequests:
    """A route handler that holds requests until the test releases them, so that the test can
    look at the page while the command is on its way."""

    def __init__(self):
        self.routes: list[Route] = []

    def __call__(self, route: Route) -> None:
        self.routes.append(route)

    def release(self, **changes) -> None:
        assert self.routes, "no request was held"
        for route in self.routes:
            route.continue_(**changes)
        self.routes.clear()


def test_confirm_shows_confirmed_at_once_then_updating_until_projected(
    live, browsers, alice, place_order_as, projection_delay
):
    """Given every read model projects 2 s late, when alice confirms her order, then the page
    shows "confirmed" before the server has answered, then "confirmed" with "Updating…" until
    all four read models have applied the change, and never "pending" again meanwhile."""
    projection_delay(2000)  # before the worker starts
    live.start_pipeline()
    order_id = place_order_as(alice).order.order_id
    tab = browsers.logged_in(alice, "/")
    page = tab.page
    live.projected()
    page.goto(f"/orders/{order_id}")
    expect(detail_status(page)).to_have_text("pending")
    expect_live_updates(page)
    record_texts(page, STATUS)

    held = HeldRequests()
    page.route(CONFIRM_URL, held)
    page.get_by_role("button", name="Confirm").click()

    expect(detail_status(page)).to_have_text("confirmed")  # the server has not seen it yet
    expect(page.locator(".order-status .status-note")).to_have_text("sending…")
    held.release()

    expect(detail_updating(page)).to_contain_text("Updating…")
    expect(detail_status(page)).to_have_text("confirmed")
    assert read_model_seqs(order_id)["order_details"] == 1, "order_details should still lag"
    screenshot(page, "order-detail-updating")

    expect(detail_updating(page)).to_be_hidden(timeout=20_000)
    assert read_model_seqs(order_id) == dict.fromkeys(PROJECTIONS, 2), (
        "the badge cleared before every read model had applied the confirmation"
    )
    expect(detail_status(page)).to_have_text("confirmed")
    # Ship is a staff action (API.md): a customer is offered Cancel only
    expect(page.get_by_role("button", name="Cancel order")).to_be_visible()
    expect(page.get_by_role("button", name="Ship")).to_have_count(0)
    assert recorded_texts(page, STATUS) == ["pending", "confirmed"]
    screenshot(page, "order-detail")
    tab.assert_no_console_errors()


def test_a_refused_confirm_rolls_back_says_why_and_offers_nothing_until_current(
    live, browsers, alice, place_order_as
):
    """Given alice's page shows her order pending while another session has just cancelled it
    (order_details has not caught up: the relay is stopped), when she clicks Confirm, then the
    guess "confirmed" is dropped, the page shows the order as it was with the server's reason,
    and offers no action (no Confirm inviting another 409) until a read shows the order's
    current state; once the pipeline catches up, the server's truth: cancelled.

    The page sends expectedVersion, so the server answers 409 version_conflict. (A client
    that sends none gets 409 invalid_transition with currentStatus; the reducer's unit tests
    cover the page's answer to that.)"""
    live.start_pipeline()
    order_id = place_order_as(alice).order.order_id
    tab = browsers.logged_in(alice, "/")
    page = tab.page
    live.projected()
    page.goto(f"/orders/{order_id}")
    expect(detail_status(page)).to_have_text("pending")
    record_texts(page, STATUS)
    failure = page.locator(".command-failure")

    live.stop_relay()
    services.cancel_order(
        command=CancelOrder(order_id=order_id, reason="Ordered twice"), actor=alice
    )
    held = HeldRequests()
    page.route(CONFIRM_URL, held)

    page.get_by_role("button", name="Confirm").click()
    expect(detail_status(page)).to_have_text("confirmed")
    held.release()
    expect(failure).to_contain_text(
        "Confirm failed: someone changed this order first. "
        "The order changed: you saw version 1, it is now 2."
    )
    expect(failure).to_contain_text("The page shows the order as it was before you clicked.")
    expect(detail_status(page)).to_have_text("pending")
    # No action while the page shows a state the server has said is gone
    expect(page.locator(".awaiting-current")).to_contain_text(
        "The order has changed since this page showed it (version 2)."
    )
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    page.wait_for_timeout(1500)  # a read of the lagging order_details does not bring it back
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    screenshot(page, "order-detail-refused")

    # The pipeline catches up: the page shows what the server holds.
    live.start_pipeline_relay()
    expect(detail_status(page)).to_have_text("cancelled", timeout=30_000)
    expect(page.get_by_text("No further actions: the order is cancelled.")).to_be_visible()
    expect(page.locator(".awaiting-current")).to_have_count(0)
    assert recorded_texts(page, STATUS) == ["pending", "confirmed", "pending", "cancelled"]
    tab.assert_no_console_errors()


def test_a_second_tab_shows_updating_by_push_until_projected(
    live, browsers, alice, place_order_as, projection_delay
):
    """Given every read model projects 2 s late and alice has her order list open in a second
    tab, when she confirms the order in the first tab, then the list in the second tab (which
    sent no command) marks the order "Updating…" through the push channel, and clears the mark
    once the read models have applied the change, showing the order confirmed."""
    projection_delay(2000)  # before the worker starts
    live.start_pipeline()
    order_id = place_order_as(alice).order.order_id
    first = browsers.logged_in(alice, "/")
    live.projected()
    first.page.goto(f"/orders/{order_id}")
    expect(detail_status(first.page)).to_have_text("pending")

    second = browsers.new_tab(first, "/")
    row = list_row(second.page, order_id)
    expect(row.locator(".status-badge")).to_have_text("pending")
    expect(row.locator(".updating-badge")).to_have_count(0)
    expect_live_updates(second.page)
    expect_live_updates(first.page)

    first.page.get_by_role("button", name="Confirm").click()

    expect(row.locator(".updating-badge")).to_contain_text("Updating…")
    expect(row.locator(".updating-badge")).to_be_hidden(timeout=20_000)
    assert read_model_seqs(order_id) == dict.fromkeys(PROJECTIONS, 2), (
        "the second tab's badge cleared before every read model had applied the confirmation"
    )
    expect(row.locator(".status-badge")).to_have_text("confirmed")
    first.assert_no_console_errors()
    second.assert_no_console_errors()


def test_ship_is_offered_to_staff_and_never_to_the_customer(
    live, browsers, alice, staff_user, place_order_as, confirm_order_as
):
    """Given alice's confirmed order, staff's order page offers Ship (a staff action: API.md),
    while alice's own page offers only Cancel: the server would refuse her a Ship (403)."""
    live.start_pipeline()
    order_id = place_order_as(alice).order.order_id
    confirm_order_as(alice, order_id)
    live.projected()

    staff_page = browsers.logged_in(staff_user, f"/orders/{order_id}").page
    alice_page = browsers.logged_in(alice, f"/orders/{order_id}").page

    expect(detail_status(staff_page)).to_have_text("confirmed")
    expect(staff_page.get_by_role("button", name="Ship")).to_be_visible()
    expect(detail_status(alice_page)).to_have_text("confirmed")
    expect(alice_page.get_by_role("button", name="Cancel order")).to_be_visible()
    expect(alice_page.get_by_role("button", name="Ship")).to_have_count(0)
