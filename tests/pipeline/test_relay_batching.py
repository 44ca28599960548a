"""The relay batches steady traffic (OUTBOX_RELAY_LINGER_MS): commits that arrive soon after
a claim wait for the linger and then share one claim, while the first command after a quiet
spell is claimed on its own, at once."""

import pytest

from orders.models import OutboxMessage

from .harness import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def claim_moments(order_ids) -> list:
    """When each order's outbox rows were claimed (a claim's rows share its sent_at)."""
    sent = dict(
        OutboxMessage.objects.filter(event__order_id__in=order_ids).values_list(
            "event__order_id", "sent_at"
        )
    )
    return [sent.get(order_id) for order_id in order_ids]


def test_commits_during_the_linger_share_one_claim(processes, place_order_as, alice):
    # Given: a relay that lingers a long while after each claim, and no worker
    processes.start_relay(OUTBOX_RELAY_LINGER_MS="1500")

    # When: one order is placed, and two more right after it
    first = place_order_as(alice).order.order_id
    wait_until(lambda: claim_moments([first])[0], what="the first order to be claimed")
    second, third = (place_order_as(alice).order.order_id for _ in range(2))
    wait_until(lambda: all(claim_moments([second, third])), what="the others to be claimed")

    # Then: the first was claimed on its own; the two others waited and went together
    first_claim, second_claim, third_claim = claim_moments([first, second, third])
    assert second_claim == third_claim
    assert second_claim > first_claim
