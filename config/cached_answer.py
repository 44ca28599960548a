"""An answer worth computing at most once every few seconds per process, e.g. /metrics and
/healthz: open to anyone, each computation does database and Redis work, so without this a
flood of anonymous requests would be a flood of queries. Concurrent callers share one
computation (the others wait for it) instead of each starting their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class CachedAnswer(Generic[T]):
    def __init__(self, seconds: Callable[[], float]):
        """`seconds` says how long an answer is reused (read at each call: a setting); 0:
        never."""
        self._seconds = seconds
        self._lock = threading.Lock()
        self._answer: T | None = None
        self._computed_at = 0.0

    def get(self, compute: Callable[[], T]) -> T:
        with self._lock:
            if self._answer is not None and time.monotonic() < self._computed_at + self._seconds():
                return self._answer
            self._answer, self._computed_at = compute(), time.monotonic()
            return self._answer
