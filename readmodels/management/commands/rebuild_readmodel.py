"""manage.py rebuild_readmodel NAME|all: rebuild read models from the event log, live.

See docs/runbook-rebuild.md. The work is done by readmodels.rebuild.job.
"""

import sys
import time
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError

from readmodels.rebuild.errors import RebuildFailed
from readmodels.rebuild.job import read_model_names, rebuild
from readmodels.rebuild.report import RebuildProgress


class Command(BaseCommand):
    help = (
        "Rebuild a read model (or all) from the event log into shadow tables and swap them in; "
        "queries keep being answered meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help=f"one of: {', '.join(read_model_names())}, or 'all'")
        parser.add_argument("--quiet", action="store_true", help="no progress output")

    def handle(self, *args, name: str, quiet: bool, **options):
        valid = read_model_names()
        if name != "all" and name not in valid:
            raise CommandError(f"unknown read model {name!r}; valid names: {', '.join(valid)}, all")
        progress = None if quiet else ConsoleProgress(self.stderr._out)
        if name != "all":
            try:
                report = rebuild(name, progress=progress)
            except RebuildFailed as error:
                raise CommandError(str(error)) from error
            self.stdout.write(report.summary())
            return
        failed = []
        for read_model in valid:  # one failure does not stop the others
            try:
                report = rebuild(read_model, progress=progress)
            except RebuildFailed as error:
                failed.append(read_model)
                self.stderr.write(str(error))
                continue
            self.stdout.write(report.summary())
        if failed:
            raise CommandError(f"rebuild failed for {', '.join(failed)} (see above)")


# ---- console progress ---------------------------------------------------------------------


class ConsoleProgress:
    """Renders RebuildProgress: a carriage-return line on a terminal (at most `per_second`
    updates), otherwise one line per 10 % of the events."""

    def __init__(self, stream: TextIO = sys.stderr, *, per_second: float = 4.0):
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = 1.0 / per_second
        self.last_shown = 0.0
        self.last_decile = -1
        self.line_open = False
        self.announced: set[tuple[str, str]] = set()

    def __call__(self, p: RebuildProgress) -> None:
        if p.phase != "folding":
            self._end_line()
            message = {
                "indexing": "building the indexes",
                "catching up": "catching up with events committed since the snapshot",
                "swapping": "last catch-up under the read model's lock, swapping in",
            }.get(p.phase)
            if message and (p.read_model, p.phase) not in self.announced:
                self.announced.add((p.read_model, p.phase))
                self.stream.write(f"{p.read_model}: {message}\n")
                self.stream.flush()
            return
        if p.done == 0:
            self.last_decile = -1
        if self.tty:
            now = time.monotonic()
            if now - self.last_shown < self.interval and p.done < p.total:
                return
            self.last_shown = now
            self.stream.write("\r" + _progress_line(p) + "\x1b[K")
            self.line_open = True
        else:
            decile = 10 * p.done // p.total if p.total else 10
            if decile == self.last_decile:
                return
            self.last_decile = decile
            self.stream.write(_progress_line(p) + "\n")
        self.stream.flush()

    def _end_line(self) -> None:
        if self.line_open:
            self.stream.write("\n")
            self.stream.flush()
            self.line_open = False


def _progress_line(p: RebuildProgress) -> str:
    if p.done == 0:
        return f"{p.read_model}: folding {p.total:,} events"
    rate = p.done / p.elapsed if p.elapsed > 0 else 0.0
    percent = 100 * p.done / p.total if p.total else 100.0
    left = (p.total - p.done) / rate if rate else None
    left_text = f"{_duration(left)} left" if left is not None else "time left unknown"
    return (
        f"{p.read_model}: {p.done:,}/{p.total:,} events ({percent:.0f}%), "
        f"{rate:,.0f} events/s, {left_text}"
    )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
