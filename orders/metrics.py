"""Command-side Prometheus metrics: how many commands, how each ended, how long each took.

Multiprocess-safe (see config/metrics_dir.py): this module is imported after settings have
set PROMETHEUS_MULTIPROC_DIR. Labels are low-cardinality names, never order data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

from config.latency_buckets import LATENCY_BUCKETS

OK, REFUSED, INVALID, ERROR = "ok", "refused", "invalid", "error"

COMMANDS = Counter(
    "orders_commands",
    "Commands answered, by command and outcome: ok (2xx), invalid (400), refused (any other "
    "4xx: not found, invalid transition, version conflict, key reused, not allowed), "
    "error (5xx or an unhandled exception).",
    ["command", "outcome"],
)
COMMAND_DURATION = Histogram(
    "orders_command_duration_seconds",
    "Time to answer a command request, whatever its outcome.",
    ["command"],
    buckets=LATENCY_BUCKETS,
)


def outcome_of(status_code: int) -> str:
    if status_code < 400:
        return OK
    if status_code == 400:
        return INVALID
    if status_code < 500:
        return REFUSED
    return ERROR


def command_name(api_class: type) -> str:
    """`ConfirmOrderApi` → "confirm_order"."""
    name = api_class.__name__.removesuffix("Api")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@contextmanager
def observe_command(command: str) -> Iterator[dict]:
    """Time a command and count its outcome. Put the response's status in the yielded dict
    as `status`; an exception escaping the block counts as an error."""
    started = time.perf_counter()
    answer: dict = {}
    try:
        yield answer
    except BaseException:
        COMMANDS.labels(command, ERROR).inc()
        raise
    else:
        COMMANDS.labels(command, outcome_of(answer.get("status", 500))).inc()
    finally:
        COMMAND_DURATION.labels(command).observe(time.perf_counter() - started)
