"""The CDC consumer's progress, as recorded for freshness, metrics and the pipeline page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection

from readmodels.models import CdcState

PUBLICATION = "orders_cdc"


def slot_name() -> str:
    """One slot per database (slot names are cluster-wide; test databases need their own)."""
    database = re.sub(r"[^a-z0-9_]", "_", settings.DATABASES["default"]["NAME"].lower())
    return f"orders_cdc_{database}"[:63]


def caught_up_at() -> datetime | None:
    state = CdcState.objects.filter(slot_name=slot_name()).first()
    return state.caught_up_at if state else None


def retained_wal_bytes() -> int | None:
    state = CdcState.objects.filter(slot_name=slot_name()).first()
    return state.retained_wal_bytes if state else None


@dataclass(frozen=True)
class SlotWal:
    retained_bytes: int  # WAL the slot keeps from being recycled, now
    limit_bytes: int | None  # the server's max_slot_wal_keep_size; None when unbounded


def slot_wal() -> SlotWal | None:
    """The slot's retained WAL and the server's bound on it, read live; None without a slot
    (or with a slot PostgreSQL has invalidated for passing the bound: it retains nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,"
            " (SELECT CASE WHEN setting::bigint < 0 THEN NULL"
            "              ELSE setting::bigint * 1024 * 1024 END"
            "    FROM pg_settings WHERE name = 'max_slot_wal_keep_size')"
            " FROM pg_replication_slots WHERE slot_name = %s AND restart_lsn IS NOT NULL",
            [slot_name()],
        )
        row = cursor.fetchone()
    return SlotWal(retained_bytes=row[0], limit_bytes=row[1]) if row else None
