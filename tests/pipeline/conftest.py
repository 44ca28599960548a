"""Fixtures for the pipeline tests. Emptying the pipeline between examples is
readmodels/pipeline/tables.py's empty_pipeline_tables()."""

import pytest

from .harness import PipelineProcesses


@pytest.fixture
def processes(tmp_path):
    """Start real worker and relay processes on demand; all are stopped after the test."""
    started = PipelineProcesses(tmp_path)
    yield started
    started.stop_all()
