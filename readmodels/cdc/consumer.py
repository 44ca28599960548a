"""The CDC consumer: reads committed row changes from a replication slot and projects them.

Reading uses PostgreSQL's SQL interface to logical decoding: `peek` returns changes without
consuming them, and the slot is advanced past a transaction only after every CDC read model
has committed its projection of it, or dead-lettered what it could not apply after the retry
policy (cdc/poison.py): one poison change never stalls the stream. A consumer killed at any
point therefore re-reads what it had not acknowledged, and the projector's seq guard absorbs
the duplicates.

While the order tables are quiet, the slot would otherwise pin all WAL written since the
last change (other tables keep writing). A heartbeat — a logical decoding message emitted
into the stream — gives the consumer a position to advance to, so retained WAL stays bounded.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import defaultdict
from uuid import UUID

from django.db import connection
from django.utils import timezone

from orders.subscriptions import CDC, read_models_using
from readmodels.cdc.derive import derive_events
from readmodels.cdc.pgoutput import Begin, Commit, LogicalMessage, RowChange, decode
from readmodels.cdc.poison import apply_or_dead_letter
from readmodels.cdc.state import PUBLICATION, slot_name
from readmodels.models import CdcState
from readmodels.pipeline.demo_controls import apply_delay, controls_for
from readmodels.pipeline.retry_policy import retry_delay
from readmodels.projections import get_projection

logger = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "orders_cdc_heartbeat"
WATCHED_TABLES = ("orders_order", "orders_orderitem")

PEEK_SQL = """
    SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes(
        %s, NULL, %s, 'proto_version', '1', 'publication_names', %s, 'messages', 'true')
"""


class WalLevelTooLow(RuntimeError):
    pass


def ensure_slot() -> str:
    """Create the publication and the replication slot if missing. Returns the slot name."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW wal_level")
        if cursor.fetchone()[0] != "logical":
            raise WalLevelTooLow(
                "PostgreSQL's wal_level is not 'logical'. Run ALTER SYSTEM SET wal_level = "
                "logical and restart PostgreSQL (`make test` does this on a dev machine)."
            )
        cursor.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", [PUBLICATION])
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE PUBLICATION {PUBLICATION} FOR TABLE {', '.join(WATCHED_TABLES)}"
            )
        cursor.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", [slot_name()])
        if cursor.fetchone() is None:
            cursor.execute(
                "SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", [slot_name()]
            )
            logger.info("created replication slot %s", slot_name())
    return slot_name()


def drop_slot_if_unused() -> bool:
    """With no read model on CDC, a leftover slot would pin WAL forever: drop it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE slot_name = %s AND NOT active",
            [slot_name()],
        )
        return cursor.rowcount > 0


class CdcConsumer:
    def __init__(self, *, batch_size: int = 1000, heartbeat_seconds: float = 10):
        self.batch_size = batch_size
        self.heartbeat_seconds = heartbeat_seconds
        self.last_heartbeat = 0.0
        self.failures = 0

    @property
    def read_models(self) -> list[str]:
        return read_models_using(CDC)

    def poll_once(self) -> int:
        """Read, project and acknowledge what the slot holds. Returns transactions applied."""
        started = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(PEEK_SQL, [slot_name(), self.batch_size, PUBLICATION])
            rows = cursor.fetchall()
        relations: dict = {}
        changes: list[RowChange] = []
        applied = 0
        for lsn, data in rows:
            message = decode(bytes(data), relations)
            if isinstance(message, Begin):
                changes = []
            elif isinstance(message, RowChange):
                changes.append(message)
            elif isinstance(message, Commit):
                self._project(changes)
                self._acknowledge(lsn)
                applied += 1
            elif isinstance(message, LogicalMessage) and message.prefix == HEARTBEAT_PREFIX:
                self._acknowledge(lsn)
        drained = len(rows) < self.batch_size
        self._record_state(caught_up_at=started if drained else None)
        return applied

    def heartbeat_if_due(self) -> None:
        if time.monotonic() - self.last_heartbeat < self.heartbeat_seconds:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_logical_emit_message(false, %s, now()::text)", [HEARTBEAT_PREFIX]
            )
        self.last_heartbeat = time.monotonic()

    def run(self, *, poll_seconds: float, should_stop) -> None:
        while not should_stop():
            try:
                if self.read_models and self.poll_once() == 0:
                    self.heartbeat_if_due()
                    time.sleep(poll_seconds)
                self.failures = 0
            except Exception:
                # The failing transaction was not acknowledged: it is read again after a pause.
                self.failures += 1
                delay = retry_delay(self.failures)
                logger.exception("CDC projection failed; retrying in %.1f s", delay)
                connection.close()
                time.sleep(delay)

    def _project(self, changes: list[RowChange]) -> None:
        """Apply one committed transaction's changes, each order to each read model on its
        own: a change that cannot be applied is retried, then dead-lettered (cdc/poison.py),
        so that it never holds back the other orders or the acknowledgement."""
        derivations = {}
        for order_id, order_changes in _changes_by_order(changes).items():
            derive = functools.partial(derive_events, order_changes)
            try:
                if not derive():
                    continue  # nothing a read model needs (an ignored status change)
            except Exception:  # noqa: BLE001 - retried and dead-lettered like any poison
                logger.exception("CDC: cannot derive events", extra={"order_id": order_id})
            derivations[UUID(order_id)] = derive
        for name in self.read_models if derivations else []:
            apply_delay(controls_for(name))
            for order_id, derive in derivations.items():
                apply_or_dead_letter(get_projection(name), order_id, derive)

    def _acknowledge(self, lsn: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", [slot_name(), lsn])

    def _record_state(self, *, caught_up_at) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT confirmed_flush_lsn::text,"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                " FROM pg_replication_slots WHERE slot_name = %s",
                [slot_name()],
            )
            confirmed, retained = cursor.fetchone() or ("", 0)
        values = {"confirmed_lsn": confirmed or "", "retained_wal_bytes": retained or 0}
        if caught_up_at is not None:
            values["caught_up_at"] = caught_up_at
        if self.last_heartbeat:
            values["heartbeat_at"] = timezone.now()
        CdcState.objects.update_or_create(slot_name=slot_name(), defaults=values)


def _changes_by_order(changes: list[RowChange]) -> dict[str, list[RowChange]]:
    """A transaction's row changes grouped by the order they belong to (its id as text)."""
    by_order: dict[str, list[RowChange]] = defaultdict(list)
    for change in changes:
        row = change.new if change.new is not None else change.old
        if change.table == WATCHED_TABLES[0]:
            by_order[row["id"]].append(change)
        elif row.get("order_id"):
            by_order[row["order_id"]].append(change)
    return by_order
