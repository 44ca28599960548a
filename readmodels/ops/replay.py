"""Dead letter replay: apply parked work again once its cause is fixed.

Entries are replayed in sequence order. An entry is skipped, with the reason, when a rebuild
since it failed has already applied its event (it is then resolved as covered, whatever its
age), or when it is older than the replay window (its data may no longer be wanted: it stays
open, and the reason names the way out: rebuild, then replay). A successful replay
applies the dead event and every event of that order parked behind it, exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from orders.announcements import wake_relay
from orders.models import Event
from orders.subscriptions import CDC, strategy_of
from readmodels.cdc.poison import catch_up_or_dead_letter
from readmodels.models import DeadLetter, ReadModelState
from readmodels.pipeline import outbox
from readmodels.pipeline.demo_controls import lift_fault
from readmodels.pipeline.locks import lock_orders
from readmodels.pipeline.projector import catch_up_order
from readmodels.pipeline.row_store import load_row
from readmodels.projections import get_projection

logger = logging.getLogger(__name__)

REPLAY_WINDOW = timedelta(days=7)


@dataclass
class ReplayReport:
    succeeded: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"succeeded {len(self.succeeded)}, failed {len(self.failed)}, "
            f"skipped {len(self.skipped)}"
        )


def replay_dead_letters(entries: QuerySet[DeadLetter]) -> ReplayReport:
    report = ReplayReport()
    now = timezone.now()
    open_entries = entries.filter(resolved_at__isnull=True).select_related("event")
    for dead in open_entries.order_by("read_model", "order_id", "seq"):
        reason = _skip_reason(dead, now)
        if reason:
            report.skipped.append((dead.pk, reason))
            _log_outcome(dead, "skipped", reason)
            continue
        error = _replay_one(dead)
        if error:
            report.failed.append((dead.pk, error))
            _log_outcome(dead, "failed", error)
        else:
            report.succeeded.append(dead.pk)
            _log_outcome(dead, "succeeded")
    return report


def _log_outcome(dead: DeadLetter, outcome: str, reason: str = "") -> None:
    context = {
        "dead_letter_id": dead.pk,
        "event_id": str(dead.event.event_id),
        "order_id": str(dead.order_id),
        "read_model": dead.read_model,
        "seq": dead.seq,
        "event_type": dead.event_type,
        "outcome": outcome,
    }
    level = logging.WARNING if outcome == "failed" else logging.INFO
    suffix = f": {reason}" if reason else ""
    logger.log(level, "dead letter replay %s%s", outcome, suffix, extra=context)


def _skip_reason(dead: DeadLetter, now) -> str | None:
    """Why this entry is not replayed now, or None to replay it.

    "Covered by a rebuild" comes first: a rebuild since the failure that applied the event
    resolves the entry whatever its age (otherwise "rebuild, then replay" could never resolve
    an old one). Only then is an entry beyond the replay window left alone, open and visible.
    """
    covered_by = _resolve_if_covered_by_rebuild(dead)
    if covered_by:
        return covered_by
    if dead.first_failed_at < now - REPLAY_WINDOW:
        return (
            f"first failed more than {REPLAY_WINDOW.days} days ago and no rebuild since covers "
            f"it: fix the cause, run `manage.py rebuild_readmodel {dead.read_model}`, then "
            "replay it again (it is then resolved as covered by the rebuild)"
        )
    return None


def _resolve_if_covered_by_rebuild(dead: DeadLetter) -> str | None:
    """Resolve the entry and unpark its order if a rebuild since it failed applied its event.

    Holds the order's projector lock (as `_replay_one` does, through `catch_up_order`) and checks
    again under it: a projector that saw the entry open finishes parking the order's later
    events first, and this then unparks them, instead of leaving them parked behind a
    resolved entry for good.
    """
    with transaction.atomic():
        lock_orders(dead.read_model, [dead.order_id])
        dead = DeadLetter.objects.select_for_update().filter(pk=dead.pk).first() or dead
        if dead.resolved_at is not None:
            return None
        state = ReadModelState.objects.filter(name=dead.read_model).first()
        rebuilt_at = state.last_rebuild_at if state else None
        if rebuilt_at is None or rebuilt_at <= dead.last_failed_at:
            return None
        row = load_row(get_projection(dead.read_model), dead.order_id)
        if row is None or row["seq"] < dead.seq:
            return None
        reason = f"covered by the rebuild of {rebuilt_at.isoformat()}"
        _resolve(dead, reason)
        _unpark(dead)
    return reason


def _replay_one(dead: DeadLetter) -> str | None:
    """Apply the dead event, then let its order flow again. Returns the error, or None."""
    projection = get_projection(dead.read_model)
    state = ReadModelState.objects.filter(name=dead.read_model).first()
    if state and state.poisoned_event_id == dead.event.event_id:
        lift_fault(dead.read_model)  # the demo's injected fault is "fixed" by replaying it
    with transaction.atomic():
        outcome = catch_up_order(projection, dead.order_id, up_to_seq=dead.seq, replaying=True)
        if outcome.failure is not None:
            dead.attempts += 1
            dead.last_failed_at = timezone.now()
            dead.error = f"{type(outcome.failure.error).__name__}: {outcome.failure.error}"
            dead.traceback = outcome.failure.traceback
            dead.save(update_fields=["attempts", "last_failed_at", "error", "traceback"])
            return dead.error
        _resolve(dead, "replayed")
        _unpark(dead)
    # The events that waited behind it take the normal path: retries and dead letters apply.
    latest = Event.objects.filter(order_id=dead.order_id).aggregate(seq=Max("seq"))["seq"]
    if strategy_of(dead.read_model) == CDC:  # no outbox rows: cdc's own retries, same policy
        catch_up_or_dead_letter(projection, dead.order_id, up_to_seq=latest)
    else:
        catch_up_order(projection, dead.order_id, up_to_seq=latest)
    return None


def _resolve(dead: DeadLetter, resolution: str) -> None:
    dead.resolved_at = timezone.now()
    dead.resolution = resolution
    dead.save(update_fields=["resolved_at", "resolution"])


def _unpark(dead: DeadLetter) -> None:
    """Hand what waited behind a resolved dead letter back to the pipeline."""
    outbox.unpark(dead.read_model, dead.order_id)
    transaction.on_commit(wake_relay)
