"""The CDC consumer's progress, as recorded for freshness, metrics and the pipeline page."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings

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
