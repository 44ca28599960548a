"""The application as `make run` starts it: every Procfile line as a subprocess, on the test
database and the test Redis database, the web server on a free port.

Only what makes the run a test run differs from `make run`: the interpreter's directory
stands for `.venv/bin/`, beat keeps its schedule file in a temporary folder, and the settings
module is `config.test_settings` (the test database's name and fast password hashing; every
other setting is production's, taken from the same environment variables).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from tests.e2e.live_system import OUTBOX_EVERYWHERE, free_port, stop
from tests.pipeline.harness import ROOT, pipeline_env, wait_until

PROCFILE = ROOT / "Procfile"


def procfile_commands() -> dict[str, str]:
    """{component: command line}, as the Procfile says."""
    commands = {}
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


class ProcfileApp:
    """Starts, stops, restarts and kills the Procfile's components; logs go to `log_dir`."""

    def __init__(self, log_dir: Path, **env: str):
        self.log_dir = log_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = pipeline_env(
            DEBUG="true",
            CSRF_TRUSTED_ORIGINS=self.base_url,
            LOG_LEVEL="INFO",
            **{**OUTBOX_EVERYWHERE, **env},
        )
        self.commands = procfile_commands()
        self.processes: dict[str, subprocess.Popen] = {}
        self.starts = 0

    def argv(self, name: str) -> list[str]:
        command = self.commands[name].replace("$PORT", str(self.port))
        return [self._here(word) for word in shlex.split(command)]

    def _here(self, word: str) -> str:
        """A Procfile word as this run needs it: this virtualenv, a temporary beat file."""
        if word == ".venv/celerybeat-schedule":
            return str(self.log_dir / "beat-schedule")
        if word.startswith(".venv/bin/"):
            return str(Path(sys.executable).parent / word.removeprefix(".venv/bin/"))
        return word

    def start(self, *names: str) -> None:
        """Start these components (all of them when none is named); wait until they serve."""
        for name in names or tuple(self.commands):
            self.starts += 1
            log = open(self.log_dir / f"{name}-{self.starts}.log", "w")  # noqa: SIM115
            self.processes[name] = subprocess.Popen(
                self.argv(name), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        for name in names or tuple(self.commands):
            self.wait_until_serving(name)

    def wait_until_serving(self, name: str) -> None:
        if name == "web":
            wait_until(self._web_answers, timeout=60, what="the web server to answer")
        elif name == "worker":
            log = self.log_dir / f"worker-{self._start_number('worker')}.log"
            wait_until(lambda: " ready." in log.read_text(), timeout=90, what="the worker")

    def _start_number(self, name: str) -> int:
        logs = sorted(self.log_dir.glob(f"{name}-*.log"), key=lambda p: int(p.stem.split("-")[1]))
        return int(logs[-1].stem.split("-")[1])

    def _web_answers(self) -> bool:
        web = self.processes["web"]
        if web.poll() is not None:
            raise AssertionError(f"the web server exited with {web.returncode}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as reply:
                return reply.status in (200, 503)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, *names: str) -> None:
        stop([self.processes.pop(name) for name in names or tuple(self.processes)])

    def restart(self, *names: str) -> None:
        self.stop(*names)
        self.start(*names)

    def pool_processes(self) -> list[psutil.Process]:
        """The Celery worker's pool processes (its children)."""
        return psutil.Process(self.processes["worker"].pid).children(recursive=True)

    def process_tree(self, name: str) -> list[psutil.Process]:
        """A component's process and all its children (the worker's pool, uvicorn's)."""
        root = psutil.Process(self.processes[name].pid)
        return [root, *root.children(recursive=True)]

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for log in sorted(self.log_dir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"---- {log.name}\n" + "\n".join(tail))
        return "\n".join(parts)
