"""The whole system as subprocesses on the pytest test database: the pipeline harness's worker
and relay (tests/pipeline/harness.py) plus the web server (uvicorn serving config.asgi)."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from tests.pipeline.harness import PipelineProcesses, wait_for_projection, wait_until

# Subprocesses project through the outbox whatever READ_MODEL_STRATEGIES the environment sets.
OUTBOX_EVERYWHERE = {"READ_MODEL_STRATEGIES": ""}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveSystem(PipelineProcesses):
    """Starts the web server, worker and relay on demand; `stop_all` ends every one."""

    def __init__(self, log_dir: Path, base_url: str = ""):
        super().__init__(log_dir)
        self.base_url = base_url
        self.worker: subprocess.Popen | None = None
        self.relay: subprocess.Popen | None = None
        self._worker_starting: threading.Thread | None = None
        self._worker_error: BaseException | None = None

    def start_web(self, **env: str) -> str:
        """Start uvicorn on a free port and wait until it answers; returns its base URL.
        `env` adds environment variables (say, READ_MODEL_STRATEGIES)."""
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        process = self._start(
            "web",
            [
                sys.executable, "-m", "uvicorn", "config.asgi:application",
                "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
            ],
            DEBUG="true",  # WhiteNoise serves static/app/ straight from STATICFILES_DIRS
            CSRF_TRUSTED_ORIGINS=base_url,
            **{**OUTBOX_EVERYWHERE, **env},
        )  # fmt: skip

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the web server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2) as reply:
                    return reply.status == 200
            except (urllib.error.URLError, OSError):
                return False

        wait_until(answers, timeout=60, what="the web server to answer")
        self.base_url = base_url
        return base_url

    def start_pipeline(self) -> None:
        """The outbox relay, and a worker consuming every projection queue. Returns at once:
        the worker starts (slowly) while the test logs in; `projected()` waits for it."""
        self.start_pipeline_relay()
        self.start_pipeline_worker()

    def start_pipeline_relay(self) -> None:
        self.relay = self.start_relay(**OUTBOX_EVERYWHERE)

    def start_pipeline_worker(self) -> None:
        """Start a worker in the background. Four pool processes: the four read models project
        side by side even while the demo delay makes each projection sleep."""

        def start() -> None:
            try:
                self.worker = self.start_worker(concurrency=4, **OUTBOX_EVERYWHERE)
            except BaseException as error:  # re-raised by worker_ready()
                self._worker_error = error

        self._worker_error = None
        self._worker_starting = threading.Thread(target=start, daemon=True)
        self._worker_starting.start()

    def worker_ready(self) -> None:
        """Wait until the worker started by start_pipeline_worker consumes its queues."""
        if self._worker_starting is not None:
            self._worker_starting.join(timeout=90)
            assert not self._worker_starting.is_alive(), "the worker did not start in 90 s"
            self._worker_starting = None
        if self._worker_error is not None:
            raise self._worker_error

    def projected(self, timeout: float = 60) -> None:
        """The worker is up and every outbox row has been applied by its read model."""
        self.worker_ready()
        wait_for_projection(timeout=timeout)

    def stop_worker(self) -> None:
        self.worker_ready()
        stop([self.worker])
        self.worker = None

    def stop_relay(self) -> None:
        stop([self.relay])
        self.relay = None

    def stop_all(self) -> None:
        if self._worker_starting is not None:
            self._worker_starting.join(timeout=90)  # so that its process is in the list
        stop(self.processes)

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for log in sorted(self.log_dir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"---- {log.name} (last {len(tail)} lines)\n" + "\n".join(tail))
        return "\n".join(parts)


def stop(processes: list[subprocess.Popen | None]) -> None:
    """SIGTERM to every process and its children at once, then wait for all (SIGKILL after
    15 s): one after another would cost seconds per test."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        _signal_family(process, signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_family(process, signal.SIGKILL)
            process.wait(timeout=10)


def _signal_family(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        parent = psutil.Process(process.pid)
        for member in [*parent.children(recursive=True), parent]:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.send_signal(sig)
