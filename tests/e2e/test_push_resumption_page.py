"""Gap-free push in Chromium against the running system (docs/push-resumption.md): pushes the
worker loses on their way to Redis still reach the page, and a page whose socket was cut for
30 s resumes from its last position and says "caught up, N changes"."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.pipeline.harness import wait_for_projection

from .live_system import OUTBOX_EVERYWHERE
from .pages import detail_status, expect_live_updates, list_row, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def record_push_frames(page) -> list[dict]:
    """Every frame the page's push sockets receive, parsed."""
    frames: list[dict] = []

    def on_socket(socket) -> None:
        if "/ws/orders/" in socket.url:
            socket.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return frames


def test_pushes_the_worker_loses_still_reach_the_page_and_clear_the_badge(
    live, browsers, alice, place_order_as
):
    """Given a worker whose every order.projected is lost on its way to Redis (the sender's
    test hook), when alice confirms her order, then all four read models' order.projected
    still reach her page, replayed from the database, and "Updating…" clears."""
    live.relay = live.start_relay(**OUTBOX_EVERYWHERE)
    live.worker = live.start_worker(concurrency=4, PUSH_TEST_DROP_ONE_IN="1", **OUTBOX_EVERYWHERE)
    order_id = place_order_as(alice).order.order_id
    wait_for_projection()
    tab = browsers.logged_in(alice, f"/orders/{order_id}")
    page = tab.page
    frames = record_push_frames(page)
    page.reload()
    expect_live_updates(page)
    expect(detail_status(page)).to_have_text("pending")

    # When: she confirms
    page.get_by_role("button", name="Confirm").click()
    expect(detail_status(page)).to_have_text("confirmed")

    # Then: every read model's projection reaches the page, and the badge clears
    expect(page.locator(".order-status .updating-badge")).to_have_count(0, timeout=20_000)
    deadline = time.monotonic() + 15
    projected = set()
    while time.monotonic() < deadline and len(projected) < 4:
        projected = {
            f["readModel"]
            for f in frames
            if f.get("type") == "order.projected" and f.get("orderId") == str(order_id)
        }
        page.wait_for_timeout(200)
    assert len(projected) == 4, f"only {sorted(projected)} reached the page"
    positions = [f["position"] for f in frames if "position" in f and f["type"] != "caught_up"]
    assert positions == list(range(positions[0], positions[0] + len(positions))), positions
    screenshot(page, "order-confirmed-pushes-replayed")
    tab.assert_no_console_errors()


def test_a_page_cut_off_for_30_s_resumes_and_says_what_it_caught_up(
    live, browsers, alice, place_order_as, confirm_order_as
):
    """Given alice's list open with two orders, when her push socket is cut for 30 s while
    both are confirmed, then it reconnects from its last position, says "caught up, N
    changes", and both rows show confirmed with no badge."""
    live.start_pipeline()
    orders = [place_order_as(alice).order.order_id for _ in range(2)]
    live.projected()
    cut = {"on": False}
    urls: list[str] = []
    sockets: list[WebSocketRoute] = []

    def route(socket: WebSocketRoute) -> None:
        """Pass the page's push socket through, or, while cut, end each attempt at once."""
        urls.append(socket.url)
        if cut["on"]:
            socket.close(code=1011)
            return
        sockets.append(socket)
        socket.connect_to_server()

    tab = browsers.logged_in(alice, "/")
    page = tab.page
    page.route_web_socket(re.compile(r".*/ws/orders/.*"), route)
    page.reload()
    expect_live_updates(page)
    for order_id in orders:
        expect(list_row(page, order_id).locator(".status-badge")).to_have_text("pending")

    # When: the socket is cut, and stays cut for 30 s while both orders are confirmed
    cut["on"] = True
    sockets[-1].close(code=1011)
    for order_id in orders:
        confirm_order_as(alice, order_id)
    live.projected()
    time.sleep(30)
    cut["on"] = False

    # Then: it resumes from its position and says how much it caught up
    header = page.locator(".site-header .connection")
    expect(header).to_have_text(
        re.compile(r"Live updates on · caught up, \d+ changes"), timeout=40_000
    )
    assert "since=" in urls[-1], urls[-1]
    # each confirmation: order.pending and one order.projected per read model
    caught_up = int(re.search(r"caught up, (\d+)", header.inner_text()).group(1))
    assert caught_up >= 2 * 5, header.inner_text()
    for order_id in orders:
        row = list_row(page, order_id)
        expect(row.locator(".status-badge")).to_have_text("confirmed")
        expect(row.locator(".updating-badge")).to_have_count(0)
    screenshot(page, "list-caught-up-after-30-s")
