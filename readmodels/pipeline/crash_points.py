"""A fault a test can inject into a running worker: die between two commits.

With the read tables in a database of their own, the projector commits the read rows first
and marks the outbox rows done afterwards, in the write database. The tests kill the worker
right between the two to show that the re-delivery that follows is a no-op. Nothing here
runs unless ORDERS_CRASH_AFTER_READ_COMMIT names a file: the first process to find that
file while projecting the read model the file names (any, if it is empty) removes it and
kills itself with SIGKILL (no cleanup, no on_commit callbacks), once.
"""

from __future__ import annotations

import os
import signal


def crash_if_requested(read_model: str) -> None:
    marker = os.environ.get("ORDERS_CRASH_AFTER_READ_COMMIT")
    if not marker:
        return
    try:
        with open(marker) as file:
            if file.read().strip() not in ("", read_model):
                return
        os.remove(marker)
    except FileNotFoundError:
        return  # not armed, or another process took it
    os.kill(os.getpid(), signal.SIGKILL)
