"""Every projection's `when_` methods, as pure folds of an order's events into its read row:
no database, the events straight from the aggregate."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from orders.domain.events import LineItem
from orders.domain.order import Order
from readmodels.projections import PROJECTIONS

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ITEMS = (
    LineItem(product_id="widget", name="Widget", quantity=2, unit_price=Decimal("19.90")),
    LineItem(product_id="gadget", name="Gadget", quantity=1, unit_price=Decimal("5.25")),
)


def history(*steps: str):
    """The events of an order placed at T0 and then taken through `steps`, a minute apart."""
    order = Order.place(
        order_id=uuid4(), customer_id=7, customer_name="Alice Archer", items=ITEMS, now=T0
    )
    for minute, step in enumerate(steps, start=1):
        now = T0 + timedelta(minutes=minute)
        if step == "ship":
            order.ship(tracking_number="TRACK-42", now=now)
        elif step == "cancel":
            order.cancel(reason="changed my mind", now=now)
        else:
            getattr(order, step)(now=now)
    return order.pending_events


def fold(read_model: str, events) -> dict:
    row = None
    for event in events:
        row = PROJECTIONS[read_model].apply(row, event)
    return row


def test_summaries_follow_the_status_and_keep_what_the_list_shows():
    row = fold("order_summaries", history("confirm", "ship"))

    assert row["status"] == "shipped"
    assert (row["item_count"], row["total"], row["customer_name"]) == (
        2,
        Decimal("45.05"),
        "Alice Archer",
    )
    assert (row["created_at"], row["updated_at"]) == (T0, T0 + timedelta(minutes=2))
    assert row["seq"] == 3


def test_details_hold_the_order_view_with_its_timeline():
    row = fold("order_details", history("confirm", "ship", "deliver"))
    view = row["view"]

    assert view["status"] == "delivered"
    assert view["trackingNumber"] == "TRACK-42"
    assert [step["status"] for step in view["timeline"]] == [
        "pending",
        "confirmed",
        "shipped",
        "delivered",
    ]
    assert view["items"][0]["productId"] == "widget"
    assert (view["total"], view["itemCount"], view["seq"]) == ("45.05", 2, 4)


def test_details_keep_the_cancel_reason():
    view = fold("order_details", history("cancel"))["view"]
    assert (view["status"], view["cancelReason"]) == ("cancelled", "changed my mind")


def test_search_documents_name_the_customer_the_products_and_the_tracking_number():
    events = history("confirm", "ship")
    row = fold("order_search", events)

    for word in (str(events[0].order_id), "Alice Archer", "Widget", "Gadget", "TRACK-42"):
        assert word in row["document"]
    assert row["status"] == "shipped"


def test_analytics_rows_carry_what_the_counters_add_up():
    row = fold("order_analytics", history("confirm", "cancel"))
    assert (row["status"], row["total"], row["placed_on"]) == (
        "cancelled",
        Decimal("45.05"),
        T0.date(),
    )


@pytest.mark.parametrize("read_model", list(PROJECTIONS))
def test_every_event_moves_the_row_seq_and_nothing_else_is_lost(read_model):
    """A fold step keeps the order id and records the event's seq (the projector's guard)."""
    events = history("confirm", "ship", "deliver")
    row = None
    for event in events:
        row = PROJECTIONS[read_model].apply(row, event)
        assert (row["order_id"], row["seq"]) == (event.order_id, event.seq)


def test_a_fold_step_never_applies_over_a_gap():
    """The one fold step (pipeline/fold.py) every path uses: seq 3 cannot follow seq 1."""
    from readmodels.pipeline.fold import Gap, fold_event

    placed, _confirmed, shipped = history("confirm", "ship")
    row = fold_event(PROJECTIONS["order_summaries"], None, placed)

    with pytest.raises(Gap) as gap:
        fold_event(PROJECTIONS["order_summaries"], row, shipped)
    assert (gap.value.applied_seq, gap.value.seq) == (1, 3)


def test_a_fold_step_names_the_event_a_projection_could_not_apply():
    from readmodels.pipeline.fold import FoldFailed, fold_event

    class Broken:
        def apply(self, row, event):
            raise KeyError("total")

    (placed,) = history()
    with pytest.raises(FoldFailed) as failed:
        fold_event(Broken(), None, placed)
    assert failed.value.event is placed
    assert isinstance(failed.value.error, KeyError)
