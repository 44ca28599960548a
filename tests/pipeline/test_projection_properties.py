"""Property: however deliveries are duplicated, reordered or dropped and redelivered, every
read model ends equal to a fold of the event log, and order_summaries to the domain's fold."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.domain.events import event_from_json
from orders.domain.order import Order
from orders.models import Event, OutboxMessage
from readmodels.models import OrderSummary
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.tables import empty_pipeline_tables
from readmodels.projections import PROJECTIONS

from .harness import assert_read_models_match_event_log
from .random_commands import place_and_command_at_random


def outbox_rows() -> list[tuple[str, int]]:
    return list(OutboxMessage.objects.order_by("id").values_list("read_model", "id"))


def deliver(data, pending: list[tuple[str, int]]) -> None:
    """Deliver a random batch of outbox rows: some twice, in random order, some held back."""
    if not pending:
        return
    batch = data.draw(st.lists(st.sampled_from(pending), max_size=12), label="batch")
    by_model: dict[str, list[int]] = {}
    for read_model, message_id in batch:
        by_model.setdefault(read_model, []).append(message_id)
    for read_model in data.draw(st.permutations(sorted(by_model)), label="model order"):
        project_messages(read_model, by_model[read_model])


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_delivery_schedule_converges_to_the_event_log(
    data, alice, bob, staff_user, place_order_as
):
    # Given: several customers' orders receiving random commands
    empty_pipeline_tables()
    # When: deliveries interleave with commands, duplicated, reordered and partial
    order_ids = place_and_command_at_random(
        data,
        customers=[alice, bob],
        staff=staff_user,
        place_order_as=place_order_as,
        orders=(1, 4),
        commands=(0, 8),
        after_each=lambda: deliver(data, outbox_rows()),
    )

    # ...and finally every dropped delivery is redelivered, in a random order
    everything = outbox_rows()
    for read_model in PROJECTIONS:
        ids = [i for m, i in everything if m == read_model]
        project_messages(read_model, data.draw(st.permutations(ids), label="redelivery"))

    # Then: every read model equals a fold of the event log
    assert_read_models_match_event_log()
    # ...and each summary equals the domain's own fold of that order's events
    for order_id in order_ids:
        events = [e.to_json() for e in Event.objects.filter(order_id=order_id).order_by("seq")]
        order = Order.replay(event_from_json(e) for e in events)
        summary = OrderSummary.objects.get(pk=order_id)
        assert (summary.status, summary.seq) == (order.status.value, order.version)
        assert (summary.total, summary.item_count) == (order.total, order.item_count)
        assert summary.total == sum(Decimal(i.unit_price) * i.quantity for i in order.items)
