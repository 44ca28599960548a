"""Queries per user are rate limited like commands (orders/throttling.py): past
settings.QUERY_RATE_LIMIT (default "20/second") a query is answered 429 `throttled` with
Retry-After, counted in Redis across every web process."""

from orders.throttling import SettingRateThrottle


class QueryRateThrottle(SettingRateThrottle):
    scope = "queries"
    rate_setting = "QUERY_RATE_LIMIT"
