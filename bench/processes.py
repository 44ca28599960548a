"""The processes under test, started as subprocesses with the bench environment: the web
server (uvicorn, ASGI), the outbox relay (real or naive), the Celery worker and the CDC
consumer. Each writes its output to a log file of the run; a failed start shows its tail.

Also: peak resident memory (RSS) of each component's process tree, sampled by a thread.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUEUES = "order_summaries,order_details,order_search,order_analytics"


class StartFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Component:
    name: str
    process: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def tree(self) -> list[psutil.Process]:
        try:
            parent = psutil.Process(self.process.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


@dataclass
class Stack:
    """Starts and stops the components; `stop_all` at the end stops whatever still runs."""

    env: dict[str, str]
    log_dir: Path
    components: dict[str, Component] = field(default_factory=dict)
    started: int = 0

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        ready: Callable[[Component], bool],
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> Component:
        if name in self.components:
            raise StartFailed(f"{name} is already running")
        self.started += 1
        log = self.log_dir / f"{self.started:02d}-{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**self.env, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        component = Component(name, process, log)
        self.components[name] = component
        deadline = time.monotonic() + timeout
        while not ready(component):
            if process.poll() is not None:
                del self.components[name]
                raise StartFailed(f"{name} exited with {process.returncode}:\n{component.tail()}")
            if time.monotonic() > deadline:
                self.stop(name)
                raise StartFailed(f"{name} not ready after {timeout:.0f} s:\n{component.tail()}")
            time.sleep(0.1)
        return component

    def stop(self, name: str, timeout: float = 20) -> None:
        component = self.components.pop(name, None)
        if component is None:
            return
        family = component.tree()
        with contextlib.suppress(ProcessLookupError):
            component.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            component.process.wait(timeout=timeout)
        for member in family:  # pool processes left behind, or a parent that would not stop
            with contextlib.suppress(psutil.NoSuchProcess):
                if member.is_running():
                    member.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            component.process.wait(timeout=5)

    def stop_all(self) -> None:
        for name in list(self.components):
            self.stop(name)

    # ---- the components

    def start_web(self, *, port: int, workers: int, env: dict[str, str] | None = None):
        argv = [
            PYTHON, "-m", "uvicorn", "config.asgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--no-access-log", "--lifespan", "off", "--log-level", "warning",
            "--ws-max-size", "65536",  # as the Procfile runs it
        ]  # fmt: skip
        return self.start("web", argv, ready=lambda _: _answers(port, workers), env=env)

    def start_relay(self, env: dict[str, str] | None = None):
        argv = [PYTHON, "manage.py", "run_relay"]
        return self.start("relay", argv, ready=_log_says("relay: listening"), env=env)

    def start_naive_relay(self, env: dict[str, str] | None = None):
        argv = [PYTHON, "-m", "bench.naive_relay"]
        return self.start("naive-relay", argv, ready=_log_says("naive relay: polling"), env=env)

    def start_worker(self, *, concurrency: int, env: dict[str, str] | None = None):
        argv = [
            PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", QUEUES,
            "-c", str(concurrency), "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        return self.start("worker", argv, ready=_log_says(" ready."), env=env)

    def start_cdc(self, env: dict[str, str] | None = None):
        argv = [PYTHON, "manage.py", "run_cdc"]
        return self.start("cdc", argv, ready=_log_says("cdc: reading slot"), env=env)


def _log_says(text: str) -> Callable[[Component], bool]:
    def ready(component: Component) -> bool:
        with contextlib.suppress(OSError):
            return text in component.log.read_text(errors="replace")
        return False

    return ready


def _answers(port: int, workers: int) -> bool:
    """Every worker process answers HTTP (any status) once a few requests in a row do."""
    for _ in range(workers * 2):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)  # noqa: S310
        except urllib.error.HTTPError:
            pass  # an answer: /healthz may well say 503 without beat running
        except OSError:
            return False
    return True


class RssSampler:
    """Samples the resident memory of each component's process tree every `interval` s."""

    def __init__(self, components: dict[str, Component], interval: float = 0.25):
        self.components = components
        self.interval = interval
        self.peaks: dict[str, dict[str, float]] = {
            name: {"totalMiB": 0.0, "largestProcessMiB": 0.0, "processes": 0} for name in components
        }
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, component in self.components.items():
                sizes = []
                for process in component.tree():
                    with contextlib.suppress(psutil.Error):
                        sizes.append(process.memory_info().rss / 2**20)
                peak = self.peaks[name]
                peak["totalMiB"] = max(peak["totalMiB"], sum(sizes))
                peak["largestProcessMiB"] = max(peak["largestProcessMiB"], max(sizes, default=0))
                peak["processes"] = max(peak["processes"], len(sizes))
            self._stop.wait(self.interval)
