"""The one place that decides how often and how soon a failed projection is tried again.

Exponential backoff with jitter: 100 ms, doubling each attempt, ±25 % random spread (so that
many failures do not retry in lock-step), capped at 30 s; after 5 failed attempts the event
goes to the dead letter queue.
"""

import random

BASE_DELAY_SECONDS = 0.1
MAX_DELAY_SECONDS = 30.0
JITTER = 0.25
MAX_ATTEMPTS = 5


def retry_delay(failed_attempts: int, rng: random.Random = random._inst) -> float:
    """Seconds to wait after the n-th failed attempt (n >= 1) before the next one."""
    delay = BASE_DELAY_SECONDS * 2 ** (failed_attempts - 1)
    jittered = delay * (1 + rng.uniform(-JITTER, JITTER))
    return min(jittered, MAX_DELAY_SECONDS)


def gives_up_after(failed_attempts: int) -> bool:
    return failed_attempts >= MAX_ATTEMPTS
