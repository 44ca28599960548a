"""The histogram buckets every request-latency metric shares, commands and queries alike, so
that their percentiles line up on one dashboard."""

# From a few milliseconds to ten seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10)
