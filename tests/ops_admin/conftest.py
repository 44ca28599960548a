"""Fixtures for the staff admin and the structured logs: admin clients and a real dead letter."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from orders.models import OutboxMessage
from readmodels.models import DeadLetter, ReadModelState
from readmodels.pipeline.projector import project_messages
from readmodels.pipeline.retry_policy import MAX_ATTEMPTS


@pytest.fixture
def staff_browser(staff_user) -> Client:
    """A logged-in staff user (is_staff, no superuser flag, no model permissions)."""
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def customer_browser(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def deliver_until_dead(read_model: str, order_id) -> DeadLetter:
    """Deliver the order's first event to `read_model` as the worker would, once per retry,
    until the retry policy gives up. Precondition: the read model fails that event."""
    message = OutboxMessage.objects.get(read_model=read_model, event__order_id=order_id)
    for _ in range(MAX_ATTEMPTS):
        # The retry is due now rather than after its backoff delay.
        OutboxMessage.objects.filter(pk=message.pk).update(
            available_at=timezone.now() - timedelta(seconds=1)
        )
        project_messages(read_model, [message.pk])
    return DeadLetter.objects.get(read_model=read_model, order_id=order_id)


@pytest.fixture
def dead_letter_for(alice, place_order_as) -> Callable[[str], DeadLetter]:
    """dead_letter_for("order_summaries") → a real dead letter: alice's new order's
    OrderPlaced, refused by that read model's "fail the next event" fault on every attempt."""

    def make(read_model: str) -> DeadLetter:
        ReadModelState.objects.update_or_create(name=read_model, defaults={"fail_next_event": True})
        order_id = place_order_as(alice).order.order_id
        return deliver_until_dead(read_model, order_id)

    return make


from tests.pipeline.conftest import processes  # noqa: E402, F401  (real worker and relay)
