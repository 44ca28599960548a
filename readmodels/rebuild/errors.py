"""Why a rebuild did not happen. Each leaves the live read model unchanged."""

from __future__ import annotations


class RebuildFailed(Exception):
    """The rebuild did not happen; the live read model is unchanged."""


class UnknownReadModel(RebuildFailed, ValueError):
    pass


class RebuildAlreadyRunning(RebuildFailed):
    pass


class EventFoldFailed(RebuildFailed):
    """The projection could not apply an event (a projection bug, or an unknown event)."""

    def __init__(self, read_model: str, order_id, seq: int, event_type: str, error: BaseException):
        self.read_model = read_model
        self.order_id = order_id
        self.seq = seq
        self.event_type = event_type
        self.error = error
        super().__init__(
            f"rebuild of {read_model} aborted: event {event_type} #{seq} of order {order_id} "
            f"failed to apply: {type(error).__name__}: {error}. The live read model is "
            "unchanged; fix the projection and rebuild again."
        )

    def __reduce__(self):  # raised in a fold worker process, re-raised in the rebuild's
        return type(self), (self.read_model, self.order_id, self.seq, self.event_type, self.error)


class EventLogGap(RebuildFailed):
    pass


def event_log_gap(read_model: str, order_id, last_seq: int, seq: int) -> EventLogGap:
    return EventLogGap(
        f"rebuild of {read_model} aborted: the event log of order {order_id} jumps from "
        f"seq {last_seq} to {seq}. The live read model is unchanged."
    )
