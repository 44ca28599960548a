"""Fixtures for the pipeline tests. Emptying the pipeline between examples is
readmodels/pipeline/tables.py's empty_pipeline_tables()."""

import pytest
from django.db import connection
from django.test import override_settings

from readmodels.cdc import consumer as cdc
from readmodels.projections import PROJECTIONS

from .harness import PipelineProcesses

ALL_CDC = {name: "cdc" for name in PROJECTIONS}


@pytest.fixture
def processes(tmp_path):
    """Start real worker and relay processes on demand; all are stopped after the test."""
    started = PipelineProcesses(tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def cdc_slot():
    """A replication slot for the test database, dropped afterwards (a slot would block
    dropping the database and pin its WAL). Every read model is on the cdc strategy."""
    with override_settings(READ_MODEL_STRATEGIES=ALL_CDC):
        cdc.ensure_slot()
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                " WHERE slot_name = %s",
                [cdc.slot_name()],
            )
