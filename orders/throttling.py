"""Requests per user are rate limited: commands past settings.COMMAND_RATE_LIMIT (default
"30/second"), and queries past settings.QUERY_RATE_LIMIT (readmodels/queries/throttling.py), are
answered 429 `throttled` with Retry-After, and not executed.

The count is DRF's sliding window (the times of the user's requests within the last period),
kept in Redis so that every web process counts against the same limit. DRF's own throttle
reads that list from Django's cache and writes it back: two round trips, two pickles, and a
race in which concurrent requests all pass. Here one Lua script does the whole decision
inside Redis, atomically, in one round trip (docs/benchmarks.md, "Where a command's CPU
went"). The rate is read from settings at each request rather than from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], which DRF freezes at import time.

If Redis cannot be reached, requests are let through (and a warning logged): a rate limit is
a guard for the service, not a reason to refuse every command while Redis restarts.
"""

from __future__ import annotations

import logging
import os
from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)

# KEYS[1]: the user's sorted set of request times. ARGV: now, period (s), limit, a unique member.
# Returns {1} when the request is allowed (and counted), or {0, requests in the window, oldest}.
SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local counted = redis.call('ZCARD', KEYS[1])
if counted >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, counted, oldest[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
return {1}
"""


@cache
def _sliding_window_script(redis_url: str):
    """One client (and connection pool) per process and URL; redis-py renews the pool after
    a fork. The script is sent once, then called by its hash."""
    return redis.Redis.from_url(redis_url).register_script(SLIDING_WINDOW)


class SettingRateThrottle(UserRateThrottle):
    """A per-user limit whose DRF rate (e.g. "30/second") is the setting `rate_setting`."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()  # per request: the setting may change (tests)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        try:
            verdict = _sliding_window_script(settings.REDIS_URL)(
                keys=[django_cache.make_key(self.key)],
                args=[
                    self.now,
                    self.duration,
                    self.num_requests,
                    f"{self.now}:{os.urandom(6).hex()}",
                ],
            )
        except redis.RedisError as error:
            logger.warning("rate limit not checked, Redis unavailable: %s", error)
            return True
        if verdict[0] == 1:
            return True
        self.counted, self.oldest = int(verdict[1]), float(verdict[2])
        return False

    def wait(self) -> float | None:
        """Seconds until a request may pass again (DRF's rule: spread over the free slots)."""
        remaining = self.duration - (self.now - self.oldest)
        available = self.num_requests - self.counted + 1
        return remaining / available if available > 0 else None


class CommandRateThrottle(SettingRateThrottle):
    scope = "commands"
    rate_setting = "COMMAND_RATE_LIMIT"
