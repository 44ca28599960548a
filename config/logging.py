"""Structured logs for every process (web, relay, worker, beat): one JSON object per line.

Each line has `time` (ISO 8601, UTC), `level`, `logger` and `message`, then the pipeline
context the call passed with `extra=` (see CONTEXT_FIELDS), then `exception` when there is
one. So one order can be followed from its command to each read model with
`grep <order id>`, and a log shipper can index the fields without parsing messages.

`LOG_FORMAT=plain` gives a human-readable line instead, with the same context as
`key=value` pairs at its end.

This module is loaded by settings (LOGGING) before Django is set up: standard library only.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Context a log call may pass with `extra=`, in the order it is written. Other extras are
# ignored: third-party code attaches objects (requests, colour codes) that are not context.
CONTEXT_FIELDS = (
    "command",
    "event_id",
    "order_id",
    "read_model",
    "seq",
    "from_seq",
    "event_type",
    "attempts",
    "lag_ms",
    "dead_letter_id",
    "outcome",
    "sent",
    "by_read_model",
)


def context_of(record: logging.LogRecord) -> dict[str, Any]:
    return {
        name: getattr(record, name)
        for name in CONTEXT_FIELDS
        if getattr(record, name, None) is not None
    }


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    parts = []
    if record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts) or None


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(context_of(record))
        exception = _exception_text(self, record)
        if exception:
            line["exception"] = exception
        return json.dumps(line, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """`time level logger message key=value …` for people reading a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = context_of(record)
        if not context:
            return text
        pairs = " ".join(f"{name}={_plain(value)}" for name, value in context.items())
        head, newline, rest = text.partition("\n")  # keep the context on the message's line
        return f"{head} {pairs}{newline}{rest}"


def _plain(value: Any) -> str:
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


FORMATTERS = {"json": JsonFormatter, "plain": PlainFormatter}

# Loggers that come with a handler of their own: sent to the root handler instead, so that
# every line is formatted alike and printed once.
PROPAGATE_TO_ROOT = (
    "django.server",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
)


def logging_config(*, level: str = "INFO", log_format: str = "json") -> dict:
    """The LOGGING dict: one stderr handler on the root logger, in `log_format`.

    Celery must not replace the root handler (CELERY_WORKER_HIJACK_ROOT_LOGGER = False);
    its task logger, which it would otherwise give a plain handler, uses this one too.
    """
    if log_format not in FORMATTERS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATTERS)}, not {log_format!r}")
    level = level.upper()
    number = logging.getLevelName(level)
    if not isinstance(number, int):
        raise ValueError(f"LOG_LEVEL must be a logging level name, not {level!r}")
    # Django's own loggers stay at INFO or above: their DEBUG lines (templates, SQL) are noise.
    django_level = level if number >= logging.INFO else "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{__name__}.{FORMATTERS[log_format].__name__}"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in PROPAGATE_TO_ROOT},
            # Django's default config gives "django" a console handler *and* propagation,
            # which printed each line twice.
            "django": {"handlers": [], "propagate": True, "level": django_level},
            "django.db.backends": {"level": "INFO"},  # no SQL lines at LOG_LEVEL=DEBUG
            # Celery sets this one to propagate=False; with a handler, it keeps ours.
            "celery.task": {"handlers": ["console"], "propagate": False},
            # "Task received" / "succeeded" for every projection and heartbeat drown the
            # pipeline's own lines (which carry the order and event ids); failures still show.
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.app.trace": {"level": "WARNING"},
            "celery.beat": {"level": "WARNING"},
        },
    }
