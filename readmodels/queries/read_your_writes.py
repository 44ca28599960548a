"""Read-your-writes on the read side: has a read model reached a consistency token (the
token's format is orders/consistency_token.py), and bounded waits for it in front of query
views.

A query that passes `consistencyToken` and `waitMs` is held — asynchronously on the event
loop, with no database connection (its request's thread, config/request_threads.py, is
parked meanwhile) — until the read model has applied the token's order up to its seq, or
until the wait runs out. Then the ordinary (sync, DRF) query view answers, and
its metadata says whether the token was reached (`stale: true` when not).

No connection between checks: each check (and the session lookup before the first) gives its
connection back to the pool at once. A user has at most READ_YOUR_WRITES_MAX_WAITS_PER_USER
waits at a time (wait_slots.py); a query beyond that is answered at once, unwaited.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import connections

from orders.consistency_token import ConsistencyToken
from orders.visibility import customer_scope
from readmodels.projections import get_projection
from readmodels.push.projection_waiters import waiters
from readmodels.queries.params import ReadYourWritesParams
from readmodels.queries.wait_slots import wait_slot


def waits_for_token(view, read_model_for: Callable[[dict], str]):
    """Wrap a query view so that it first waits (bounded) for the request's token.

    The wrapper looks like the view it wraps (`functools.wraps`): it carries the DRF view's
    `cls` and `initkwargs`, which is how the OpenAPI schema generator finds and describes the
    query (config/openapi.py).
    """

    @functools.wraps(view)
    async def wait_then_answer(request, *args, **kwargs):
        params = ReadYourWritesParams(data=request.GET)
        user = await request.auser()
        request.user = user  # the view's own lookup (request.user) would ask the database again
        if params.is_valid() and params.validated_data.get("waitMs") and user.is_authenticated:
            token = params.validated_data.get("consistencyToken")
            if token is not None:
                # The session and user lookups took a connection: not kept while waiting.
                await sync_to_async(release_connections)()
                async with wait_slot(user.pk) as may_wait:
                    if may_wait:
                        await _wait(
                            read_model_for(request.GET),
                            token,
                            customer_scope(user),
                            params.validated_data["waitMs"] / 1000,
                        )
        return await sync_to_async(view)(request, *args, **kwargs)

    wait_then_answer.csrf_exempt = True
    return wait_then_answer


async def _wait(read_model: str, token, customer_id: int | None, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    reached = sync_to_async(token_reached_then_release)
    async with waiters.listening(token.order_id):
        while not await reached(read_model, token, customer_id=customer_id):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            await waiters.wait(read_model, token.order_id, remaining)


# ---- the check: has the read model reached the token? ----------------------------------------


def token_reached(read_model: str, token: ConsistencyToken, *, customer_id: int | None) -> bool:
    """True once the read model's row for the token's order has seq >= the token's.

    `customer_id` limits the check to that customer's orders (None for staff), so a token
    reveals nothing about orders the caller may not see.
    """
    rows = get_projection(read_model).row_model.objects.filter(
        pk=token.order_id, seq__gte=token.seq
    )
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows.exists()


def token_reached_then_release(
    read_model: str, token: ConsistencyToken, *, customer_id: int | None
) -> bool:
    """token_reached, then give this thread's database connections back (to the web server's
    pool), so that a request waiting between checks holds none: otherwise a few waits of one
    user, seconds each, would take the whole pool and starve everyone else's requests."""
    try:
        return token_reached(read_model, token, customer_id=customer_id)
    finally:
        release_connections()


def release_connections() -> None:
    """Close this thread's database connections: with a pool, that returns them to it. One
    inside a transaction (a test's, say) is left alone: closing it would end the transaction."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
