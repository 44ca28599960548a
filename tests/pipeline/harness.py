"""Real pipeline processes for tests: a Celery worker and outbox relays, run as subprocesses
against the test database, plus helpers to wait for and check the read models."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import psutil
from django.conf import settings

from orders.domain.events import event_from_json
from orders.models import Event, OutboxMessage, OutboxState
from readmodels.pipeline.row_store import writable_columns
from readmodels.projections import PROJECTIONS
from readmodels.read_database import read_connection

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ",".join(PROJECTIONS)


def wait_until(condition: Callable[[], object], *, timeout: float = 20, what: str = "") -> object:
    """Poll `condition` until it returns something truthy; fail with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.05)


def database_url(alias: str) -> str:
    """The URL of a test database (pytest-django has put its test name in NAME)."""
    db = settings.DATABASES[alias]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def pipeline_env(**overrides: str) -> dict[str, str]:
    url = database_url("default")
    read = {"READ_DATABASE_URL": database_url("read")} if "read" in settings.DATABASES else {}
    return {
        # Not DB_POOL: importing config.asgi (the WebSocket tests do) sets it in this process,
        # and the worker and relay run without a pool, as in production.
        **{key: value for key, value in os.environ.items() if key != "DB_POOL"},
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": url,
        **read,
        "LOG_LEVEL": os.environ.get("PIPELINE_LOG_LEVEL", "WARNING"),
        **overrides,
    }


class PipelineProcesses:
    """Starts and stops worker and relay subprocesses; everything is stopped at teardown."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, argv: list[str], **env: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            argv, cwd=ROOT, env=pipeline_env(**env), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def start_worker(self, concurrency: int = 2, **env: str) -> subprocess.Popen:
        """Start a worker and wait until it consumes (start-up is slow on a busy machine)."""
        worker = self._start(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "-Q", QUEUES, "-c", str(concurrency), "-l", "info",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            **env,
        )  # fmt: skip
        log = self.log_dir / f"worker-{len(self.processes) - 1}.log"
        wait_until(lambda: " ready." in log.read_text(), timeout=60, what="the worker to start")
        return worker

    def start_relay(self, **env: str) -> subprocess.Popen:
        return self._start(
            "relay", [sys.executable, "manage.py", "run_relay", "--poll-interval", "0.5"], **env
        )

    def start_cdc(self, **env: str) -> subprocess.Popen:
        return self._start(
            "cdc", [sys.executable, "manage.py", "run_cdc", "--poll-interval", "0.05"], **env
        )

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Kill a process and its children (a Celery worker's pool processes)."""
        try:
            family = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        for member in [*family, psutil.Process(process.pid)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.send_signal(sig)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
                if process.poll() is None:
                    self.kill(process)


def outbox_unfinished() -> int:
    return OutboxMessage.objects.exclude(state=OutboxState.DONE).count()


def wait_for_projection(timeout: float = 30) -> None:
    wait_until(lambda: outbox_unfinished() == 0, timeout=timeout, what="an empty outbox")


# ---- what the read models should hold: a fold of the event log --------------------------


def expected_rows(read_model: str) -> dict:
    """Each order's row as a plain fold of its events (what a rebuild produces)."""
    projection = PROJECTIONS[read_model]
    rows: dict = {}
    for event in Event.objects.order_by("order_id", "seq"):
        rows[event.order_id] = projection.apply(
            rows.get(event.order_id), event_from_json(event.to_json())
        )
    columns = writable_columns(projection.row_model)
    return {order_id: _normalise({c: row[c] for c in columns}) for order_id, row in rows.items()}


def actual_rows(read_model: str) -> dict:
    model = PROJECTIONS[read_model].row_model
    return {
        row["order_id"]: _normalise(row) for row in model.objects.values(*writable_columns(model))
    }


def expected_analytics() -> tuple[dict, dict]:
    by_status: Counter = Counter()
    revenue_by_status: dict = {}
    by_day: dict = {}
    for row in expected_rows("order_analytics").values():
        status, total, day = row["status"], Decimal(row["total"]), row["placed_on"]
        by_status[status] += 1
        revenue_by_status[status] = revenue_by_status.get(status, Decimal(0)) + total
        placed, cancelled, revenue = by_day.get(day, (0, 0, Decimal(0)))
        is_cancelled = status == "cancelled"
        by_day[day] = (
            placed + 1,
            cancelled + is_cancelled,
            revenue + (Decimal(0) if is_cancelled else total),
        )
    statuses = {s: (by_status[s], revenue_by_status[s]) for s in by_status}
    return statuses, by_day


def actual_analytics() -> tuple[dict, dict]:
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT status, order_count, revenue FROM order_analytics_by_status")
        statuses = {s: (n, r) for s, n, r in cursor.fetchall() if n}
        cursor.execute(
            "SELECT day, orders_placed, orders_cancelled, revenue FROM order_analytics_by_day"
        )
        days = {d: (p, c, r) for d, p, c, r in cursor.fetchall() if p}
    return statuses, days


def assert_read_models_match_event_log() -> None:
    for name in PROJECTIONS:
        assert actual_rows(name) == expected_rows(name), f"{name} differs from the event log"
    assert actual_analytics() == expected_analytics(), "analytics counters differ"


def _normalise(row: dict) -> dict:
    return {k: (Decimal(v) if k == "total" else v) for k, v in row.items()}
