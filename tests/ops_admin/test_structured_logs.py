"""Structured logs: one JSON object per line with the pipeline context, the same set-up in
every process, each line printed once."""

import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings

from config.logging import JsonFormatter, PlainFormatter, logging_config

ROOT = Path(__file__).resolve().parents[2]


def record(message="applied %s", *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.getLogger("readmodels.pipeline.projector").makeRecord(
        "readmodels.pipeline.projector",
        logging.WARNING,
        __file__,
        1,
        message,
        args or ("x",),
        exc_info,
    )
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_json_line_has_time_level_logger_message_and_context():
    # Given a record with pipeline context (and an extra that is not context)
    line = JsonFormatter().format(
        record(
            "order_summaries applied %s",
            "OrderPlaced",
            event_id="e-1",
            order_id="o-1",
            read_model="order_summaries",
            seq=3,
            attempts=2,
            lag_ms=150,
            request=object(),
        )
    )

    # Then it is one line of JSON with the fields, typed as given
    assert "\n" not in line
    data = json.loads(line)
    assert datetime.fromisoformat(data["time"]).utcoffset().total_seconds() == 0
    assert {k: v for k, v in data.items() if k != "time"} == {
        "level": "WARNING",
        "logger": "readmodels.pipeline.projector",
        "message": "order_summaries applied OrderPlaced",
        "event_id": "e-1",
        "order_id": "o-1",
        "read_model": "order_summaries",
        "seq": 3,
        "attempts": 2,
        "lag_ms": 150,
    }


def test_json_line_carries_the_exception_text():
    try:
        raise ValueError("projection bug\non two lines")
    except ValueError:
        line = JsonFormatter().format(record(exc_info=sys.exc_info(), order_id="o-1"))

    assert "\n" not in line
    data = json.loads(line)
    assert data["order_id"] == "o-1"
    assert data["exception"].startswith("Traceback (most recent call last)")
    assert "ValueError: projection bug\non two lines" in data["exception"]


def test_plain_line_ends_with_the_context_as_key_values():
    line = PlainFormatter().format(record(order_id="o-1", read_model="order_search", seq=2))

    assert line.endswith(
        " WARNING readmodels.pipeline.projector applied x"
        " order_id=o-1 read_model=order_search seq=2"
    )


def test_logging_config_refuses_unknown_formats_and_levels():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml")
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        logging_config(level="chatty")


def test_celery_keeps_the_root_handler():
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


LOG_SOME_LINES = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: /nowhere")
logging.getLogger("readmodels.pipeline.projector").info(
    "order_details applied OrderPlaced", extra={"order_id": "o-42", "read_model": "order_details"}
)
logging.getLogger("celery.task").warning("from a task")
"""


def log_in_a_process(**env: str) -> list[str]:
    """stderr lines of a fresh process that sets Django up with config.settings and logs."""
    done = subprocess.run(
        [sys.executable, "-c", LOG_SOME_LINES],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr.splitlines()


def test_a_process_logs_json_lines_to_stderr_each_once():
    lines = log_in_a_process(LOG_LEVEL="INFO")

    parsed = [json.loads(line) for line in lines]  # every line is JSON
    assert [(p["logger"], p["message"]) for p in parsed] == [
        ("django.request", "Not Found: /nowhere"),  # once, not twice
        ("readmodels.pipeline.projector", "order_details applied OrderPlaced"),
        ("celery.task", "from a task"),
    ]
    assert parsed[1]["order_id"] == "o-42" and parsed[1]["read_model"] == "order_details"


def test_log_level_and_plain_format_come_from_the_environment():
    lines = log_in_a_process(LOG_LEVEL="WARNING", LOG_FORMAT="plain")

    assert len(lines) == 2  # the INFO line is dropped
    assert " WARNING django.request Not Found: /nowhere" in lines[0]
    assert not lines[0].startswith("{")
