"""Zero-downtime rebuilds of read models from the event log: job.py runs one (shadow tables,
bulk fold, catch-up, swap); tables.py, connections.py and row_codec.py are its parts."""

from readmodels.rebuild.errors import (
    EventFoldFailed,
    EventLogGap,
    RebuildAlreadyRunning,
    RebuildFailed,
    UnknownReadModel,
)
from readmodels.rebuild.job import read_model_names, rebuild
from readmodels.rebuild.report import RebuildProgress, RebuildReport

__all__ = [
    "EventFoldFailed",
    "EventLogGap",
    "RebuildAlreadyRunning",
    "RebuildFailed",
    "RebuildProgress",
    "RebuildReport",
    "UnknownReadModel",
    "read_model_names",
    "rebuild",
]
