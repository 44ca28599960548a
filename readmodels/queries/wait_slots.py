"""At most settings.READ_YOUR_WRITES_MAX_WAITS_PER_USER read-your-writes waits per user at
once, per web process. Beyond that a query is answered at once, without waiting: the answer
then says whether the token was reached (`consistencyTokenReached`, `stale`), exactly as a
wait that ran out would (docs/push-protocol.md says why this and not 429).

Every wait of a process runs on its one event loop, so a plain counter needs no lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from django.conf import settings

_waiting: Counter[int] = Counter()


@asynccontextmanager
async def wait_slot(user_id: int) -> AsyncIterator[bool]:
    """Yields True when the user may wait (holding a slot until the block ends), else False."""
    if _waiting[user_id] >= settings.READ_YOUR_WRITES_MAX_WAITS_PER_USER:
        yield False
        return
    _waiting[user_id] += 1
    try:
        yield True
    finally:
        _waiting[user_id] -= 1
        if _waiting[user_id] <= 0:
            del _waiting[user_id]


def waiting(user_id: int) -> int:
    """How many waits the user has in this process now."""
    return _waiting[user_id]
