"""CPU time of running processes, read from /proc (psutil): what a component costs, whatever
else the machine is doing. Used by the benchmark's idle workload and the system tests' idle
budget alike."""

from __future__ import annotations

import psutil
from django.db import connection


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User plus system CPU time these processes have used so far (gone ones count 0)."""
    return sum(cpu_by_process(processes).values())


def database_backends() -> list[psutil.Process]:
    """The PostgreSQL server processes of this database's other connections (the caller's own
    left out): what the application's components cost the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    return [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]


def cpu_by_process(processes: list[psutil.Process]) -> dict[int, float]:
    """User plus system CPU seconds of each process so far, by pid (gone ones left out)."""
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def cpu_used_since(before: dict[int, float], processes: list[psutil.Process]) -> float:
    """CPU seconds `processes` used since `before` (`cpu_by_process`); a process started
    since counts from zero. One that ended meanwhile is lost: read the list after the work."""
    now = cpu_by_process(processes)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
