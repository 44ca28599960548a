"""Requests per user are rate limited: commands past settings.COMMAND_RATE_LIMIT (default
"30/second"), and queries past settings.QUERY_RATE_LIMIT (readmodels/queries/throttling.py), are
answered 429 `throttled` with Retry-After, and not executed.

DRF's UserRateThrottle keeps each user's recent request times in Django's cache, which is
Redis (settings.CACHES), so every web process counts against the same limit. The rate is read
from settings at each request rather than from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
which DRF freezes at import time.
"""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class SettingRateThrottle(UserRateThrottle):
    """A per-user limit whose DRF rate (e.g. "30/second") is the setting `rate_setting`."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()  # per request: the setting may change (tests)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class CommandRateThrottle(SettingRateThrottle):
    scope = "commands"
    rate_setting = "COMMAND_RATE_LIMIT"
