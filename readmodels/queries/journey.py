"""The journey of an order's events through the pipeline, from what it already records.

Per event: when it was committed (the event log), and per read model when the relay handed it
over (`sent_at` of its outbox row), when the projection committed (`done_at`), how many
attempts failed on the way, and whether it was dead-lettered (and replayed). The push
(`order.projected`) is sent as the projection commits, so it is not recorded apart.

Done outbox rows are deleted after OUTBOX_RETENTION_HOURS: an older event shows as applied
(its read row's seq covers it), with the times no longer known. Read models on the inline
strategy apply an event in its own command's transaction (applied when committed); CDC ones
record no outbox rows: applied when the read row's seq covers the event, time unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from orders.models import Event, OutboxMessage, OutboxState
from orders.subscriptions import INLINE, READ_MODELS, strategy_of
from readmodels.models import DeadLetter
from readmodels.projections import PROJECTIONS

# What a read model has done with an event, as the journey reports it.
APPLIED, ON_ITS_WAY, RETRYING, DEAD_LETTERED, PARKED, UNKNOWN = (
    "applied",
    "on_its_way",
    "retrying",
    "dead_lettered",
    "parked",
    "unknown",
)
JOURNEY_STATES = [APPLIED, ON_ITS_WAY, RETRYING, DEAD_LETTERED, PARKED, UNKNOWN]


@dataclass(frozen=True)
class Leg:
    """One event's way into one read model."""

    read_model: str
    state: str
    relayed_at: datetime | None = None
    applied_at: datetime | None = None
    attempts: int = 0
    dead_lettered: bool = False
    replayed_at: datetime | None = None

    def to_json(self) -> dict:
        return {
            "readModel": self.read_model,
            "strategy": strategy_of(self.read_model),
            "state": self.state,
            "relayedAt": _iso(self.relayed_at),
            "appliedAt": _iso(self.applied_at),
            "attempts": self.attempts,
            "deadLettered": self.dead_lettered,
            "replayedAt": _iso(self.replayed_at),
        }


def journey(order_id: UUID) -> list[dict]:
    """Every event of the order, oldest first, with its legs into each read model. Seven
    queries whatever the number of events."""
    events = list(
        Event.objects.filter(order_id=order_id)
        .order_by("seq")
        .values_list("position", "event_id", "seq", "event_type", "recorded_at")
    )
    positions = [position for position, *_ in events]
    outbox = {
        (row["event_id"], row["read_model"]): row
        for row in OutboxMessage.objects.filter(event_id__in=positions).values(
            "event_id", "read_model", "state", "attempts", "sent_at", "done_at"
        )
    }
    dead = {
        (row["event_id"], row["read_model"]): row
        for row in DeadLetter.objects.filter(event_id__in=positions)
        .order_by("last_failed_at")  # the latest dead letter of an event wins
        .values("event_id", "read_model", "resolved_at")
    }
    applied_through = _applied_through(order_id)
    return [
        {
            "seq": seq,
            "type": event_type,
            "committedAt": recorded_at.isoformat(),
            "readModels": [
                _leg(
                    read_model,
                    committed_at=recorded_at,
                    outbox=outbox.get((position, read_model)),
                    dead=dead.get((position, read_model)),
                    covered=seq <= applied_through.get(read_model, 0),
                ).to_json()
                for read_model in READ_MODELS
            ],
        }
        for position, event_id, seq, event_type, recorded_at in events
    ]


def _applied_through(order_id: UUID) -> dict[str, int]:
    """Per read model, the order's row's seq: the last event of the order it has applied."""
    return {
        name: seq
        for name, projection in PROJECTIONS.items()
        for seq in projection.row_model.objects.filter(pk=order_id).values_list("seq", flat=True)
    }


def _leg(read_model, *, committed_at, outbox, dead, covered) -> Leg:
    dead_lettered = dead is not None
    replayed_at = dead["resolved_at"] if dead else None
    if outbox is None:
        if strategy_of(read_model) == INLINE:
            return Leg(read_model, APPLIED, applied_at=committed_at)
        # Cleaned up after it was done, or projected by CDC: applied if the row's seq covers it.
        return Leg(read_model, APPLIED if covered else UNKNOWN)
    state = {
        OutboxState.DONE: APPLIED,
        OutboxState.DEAD: DEAD_LETTERED,
        OutboxState.PARKED: PARKED,
    }.get(outbox["state"])
    if state is None:
        state = RETRYING if outbox["attempts"] else ON_ITS_WAY
    return Leg(
        read_model,
        state,
        relayed_at=outbox["sent_at"],
        applied_at=outbox["done_at"],
        attempts=outbox["attempts"],
        dead_lettered=dead_lettered,
        replayed_at=replayed_at,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
