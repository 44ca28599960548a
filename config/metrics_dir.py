"""Where the processes of one deployment keep their Prometheus metrics.

prometheus_client's multiprocess mode: every process (web server, relay, each Celery pool
process) writes its counters and histograms to memory-mapped files in one directory, named
after its pid, and `/metrics` adds them up at scrape time. The directory must be known before
prometheus_client is first imported, so settings call `multiprocess_dir()` first thing.

Default: one directory per checkout under the system temp dir, so two checkouts on a machine
never mix their numbers. `make run` empties it at start (`python -m config.metrics_dir
--reset`): files left by processes of an earlier run would otherwise be added in forever.

Files are named after host name and pid (not pid alone), so that containers sharing the
directory as a volume, each with its own pid 1, never write to one file.

No Django imports; prometheus_client is imported only once the variable is set.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
CHECKOUT = Path(__file__).resolve().parent.parent
HOST = socket.gethostname().replace("_", "-")  # "_" separates the parts of a file name


def default_dir() -> Path:
    checkout = hashlib.sha256(str(CHECKOUT).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"orders-metrics-{checkout}"


def multiprocess_dir() -> str:
    """The directory in force: $PROMETHEUS_MULTIPROC_DIR, else the default, which is then put
    into the environment (for prometheus_client and child processes). Created if missing."""
    path = os.environ.setdefault(ENV, str(default_dir()))
    Path(path).mkdir(parents=True, exist_ok=True)
    from prometheus_client import values  # reads the variable on import

    values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)
    return path


def process_identifier() -> str:
    """What names this process's files: host and pid (a forked child gets its own)."""
    return f"{HOST}-{os.getpid()}"


def reset(path: str | Path) -> int:
    """Delete the metric files in `path` (only when no process of the deployment runs)."""
    removed = 0
    for file in Path(path).glob("*.db"):
        file.unlink(missing_ok=True)
        removed += 1
    return removed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Show or empty the metrics directory.")
    parser.add_argument("--reset", action="store_true", help="delete stale metric files")
    args = parser.parse_args(argv)
    path = multiprocess_dir()
    if args.reset:
        print(f"metrics: emptied {path} ({reset(path)} stale files)")
    else:
        print(path)


if __name__ == "__main__":
    main()
