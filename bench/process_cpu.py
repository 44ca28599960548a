"""CPU time of running processes, read from /proc (psutil): what a component costs, whatever
else the machine is doing. Used by the benchmark's idle workload and the system tests' idle
budget alike."""

from __future__ import annotations

import psutil
from django.db import connection


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User plus system CPU time these processes have used so far (gone ones count 0)."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


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
