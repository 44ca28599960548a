"""An Idempotency-Key outlives a COMMIT that failed with a connection error.

When COMMIT fails that way, the client cannot know whether the command happened, and neither
can the server at that instant: the acknowledgement may have been lost after the commit. The
key must survive, so that the client's retry gets the stored answer (the commit happened) or
`request_in_progress` until the claim is abandoned (it did not), and never runs the command a
second time. Faults are injected into COMMIT of the real PostgreSQL connection; the tests are
transactional because only then does a command's transaction really commit.
"""

from collections.abc import Callable

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from orders.models import Event, IdempotencyKey
from orders.models import Order as OrderRow

pytestmark = pytest.mark.django_db(transaction=True)

PLACE_BODY = {"items": [{"productId": "widget", "quantity": 3}]}
ORDER_TABLE = OrderRow._meta.db_table
LOST = "server closed the connection unexpectedly"  # what psycopg says when the link breaks


def place_with_key(client, key: str):
    return client.post("/api/orders/", PLACE_BODY, format="json", headers={"Idempotency-Key": key})


def fail_the_commit_that_places_an_order(monkeypatch, *, after_committing: bool) -> None:
    """The COMMIT of the next transaction that writes an order raises a connection error,
    having committed first (the acknowledgement was lost) or not (rolled back). Other COMMITs
    (the key's claim, later requests) work. The connection stays usable, as when a proxy or
    the server reports the failure, so the server is free to tidy up what it likes."""
    real_commit: Callable[[], None] = connection._commit
    wrote_an_order = False

    def watch(execute, sql, params, many, context):
        nonlocal wrote_an_order
        wrote_an_order = wrote_an_order or sql.startswith(f'INSERT INTO "{ORDER_TABLE}"')
        return execute(sql, params, many, context)

    def commit_then_fail() -> None:
        if not wrote_an_order:
            return real_commit()
        monkeypatch.setattr(connection, "_commit", real_commit)  # once only
        if after_committing:
            real_commit()
        else:
            connection.connection.rollback()
        raise OperationalError(LOST)

    monkeypatch.setattr(connection, "execute_wrappers", [*connection.execute_wrappers, watch])
    monkeypatch.setattr(connection, "_commit", commit_then_fail)


def test_a_commit_that_happened_but_failed_to_answer_keeps_the_key_and_its_answer(
    alice, client_for, catalogue, monkeypatch
):
    """Given alice places an order with key K and COMMIT fails after committing, when her
    client retries with K, then it gets the stored 201 of the first attempt (replayed) and
    there is exactly one order: the command did not run twice."""
    client = client_for(alice)
    client.raise_request_exception = False
    fail_the_commit_that_places_an_order(monkeypatch, after_committing=True)

    first = place_with_key(client, "ambiguous-1")
    retry = place_with_key(client, "ambiguous-1")

    assert first.status_code == 500  # the client cannot know: it retries
    assert retry.status_code == 201, retry.content
    assert retry.get("Idempotent-Replayed") == "true"
    assert OrderRow.objects.count() == 1
    assert retry.json()["order"]["orderId"] == str(OrderRow.objects.get().pk)
    assert Event.objects.filter(event_type="OrderPlaced").count() == 1


def test_a_commit_that_did_not_happen_keeps_the_key_until_the_claim_is_abandoned(
    alice, client_for, catalogue, monkeypatch, settings
):
    """Given alice places an order with key K and COMMIT fails without committing, when her
    client retries with K at once, then it gets 409 `request_in_progress` (the server cannot
    tell yet that nothing happened); once the claim is older than
    IDEMPOTENCY_ABANDONED_AFTER_SECONDS, a retry places the order, once."""
    client = client_for(alice)
    client.raise_request_exception = False
    fail_the_commit_that_places_an_order(monkeypatch, after_committing=False)

    first = place_with_key(client, "ambiguous-2")
    early_retry = place_with_key(client, "ambiguous-2")
    IdempotencyKey.objects.filter(key="ambiguous-2").update(
        created_at=timezone.now()
        - timezone.timedelta(seconds=settings.IDEMPOTENCY_ABANDONED_AFTER_SECONDS + 1)
    )
    late_retry = place_with_key(client, "ambiguous-2")

    assert first.status_code == 500
    assert early_retry.status_code == 409, early_retry.content
    assert early_retry.json()["error"]["code"] == "request_in_progress"
    assert late_retry.status_code == 201, late_retry.content
    assert late_retry.get("Idempotent-Replayed") is None
    assert OrderRow.objects.count() == 1
