"""Commands per user are rate limited: past settings.COMMAND_RATE_LIMIT (default "30/second")
a command is answered 429 `throttled` with Retry-After, and is not executed.

DRF's UserRateThrottle keeps each user's recent request times in Django's cache, which is
Redis (settings.CACHES), so every web process counts against the same limit. The rate is read
from settings at each request rather than from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
which DRF freezes at import time.
"""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class CommandRateThrottle(UserRateThrottle):
    scope = "commands"

    def get_rate(self) -> str:
        return settings.COMMAND_RATE_LIMIT

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()  # per request: the setting may change (tests)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
