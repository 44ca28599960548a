"""Pure figure helpers: percentiles, latency summaries, rates and ratios (no services)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) by linear interpolation between closest ranks (numpy's
    default). `values` need not be sorted. None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Iterable[float | None], percentiles=PERCENTILES) -> dict:
    """count, mean, min, max and percentiles of latencies (any unit).

    A None value is a measurement that never completed (an event never applied within the
    drain time): it counts as slower than every completed one, so it pushes the high
    percentiles up; a percentile that falls on one is reported as None ("not reached").
    """
    values = list(values)
    done = sorted(v for v in values if v is not None)
    missing = len(values) - len(done)
    summary: dict = {
        "count": len(values),
        "missing": missing,
        "mean": sum(done) / len(done) if done else None,
        "min": done[0] if done else None,
        "max": done[-1] if done else None,
    }
    for p in percentiles:
        summary[f"p{p:g}"] = _percentile_with_missing(done, missing, p)
    return summary


def _percentile_with_missing(done: list[float], missing: int, p: float) -> float | None:
    """`percentile` of `done` plus `missing` values that are larger than all of them."""
    last = len(done) - 1
    rank = (len(done) + missing - 1) * p / 100
    low = math.floor(rank)
    if not done or low > last:
        return None
    if rank == low:
        return done[low]
    if low + 1 > last:
        return None  # interpolates towards a value that never came
    return done[low] + (done[low + 1] - done[low]) * (rank - low)


def rate(count: float, seconds: float) -> float | None:
    return count / seconds if seconds > 0 else None


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, or None when either is missing or the baseline is zero."""
    if value is None or not baseline:
        return None
    return value / baseline


def answered(commands: dict) -> float:
    """The rate a window's commands were answered at (`command_figures`, bench/runner.py);
    for runs recorded before that figure existed, their throughput."""
    return commands.get("answeredPerSecond", commands["throughput"])
