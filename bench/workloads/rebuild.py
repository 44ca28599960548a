"""Workload 4, rebuild: order_summaries rebuilt from a synthetic event log (OrderPlaced and
OrderConfirmed per order, written by INSERT … SELECT generate_series), against PostgreSQL's
own COPY of the very rows the rebuild produced into a scratch table of the same shape.

The ratio compares times for the same read rows: COPY seconds / rebuild seconds (1.0 would
be a rebuild as fast as loading its finished output). Two COPY figures: into a bare table,
and with order_summaries' indexes built afterwards (the rebuild builds them too).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from types import SimpleNamespace

from django.db import connection

from bench import database
from bench.processes import ROOT
from bench.runner import Run
from bench.stats import rate, ratio

READ_MODEL = "order_summaries"


def copy_baseline() -> dict:
    """COPY the rebuilt rows out (not timed), then back into a scratch table (timed)."""
    connection.ensure_connection()
    pg = connection.connection
    chunks: list[bytes] = []
    with pg.cursor() as cursor:
        with cursor.copy(f"COPY {READ_MODEL} TO STDOUT (FORMAT BINARY)") as copy:
            for data in copy:
                chunks.append(bytes(data))
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(f"CREATE TABLE bench_copy (LIKE {READ_MODEL} INCLUDING DEFAULTS)")
        indexes = cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = %s",
            [READ_MODEL],
        ).fetchall()
        started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN (FORMAT BINARY)") as copy:
            for chunk in chunks:
                copy.write(chunk)
        copy_seconds = time.perf_counter() - started
        rows = cursor.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        started = time.perf_counter()
        for (definition,) in indexes:
            cursor.execute(_for_scratch_table(definition))
        cursor.execute("ANALYZE bench_copy")
        index_seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return {
        "rows": rows,
        "bytes": sum(len(chunk) for chunk in chunks),
        "copySeconds": copy_seconds,
        "indexSeconds": index_seconds,
        "rowsPerSecond": rate(rows, copy_seconds),
        "rowsPerSecondWithIndexes": rate(rows, copy_seconds + index_seconds),
    }


def _for_scratch_table(index_definition: str) -> str:
    """ "CREATE [UNIQUE] INDEX name ON public.order_summaries USING …" of pg_indexes, renamed
    and pointed at the scratch table."""
    return re.sub(
        r"INDEX (\S+) ON (\S+) USING",
        lambda m: f"INDEX bench_copy_{m.group(1)[:40]} ON bench_copy USING",
        index_definition,
        count=1,
    )


# The rebuild runs in a process of its own, as `manage.py rebuild_readmodel` runs it: the
# orchestrator has threads of its own by now (samplers, the push sender), and a process with
# threads folds in one process only, since forking one is not safe (rebuild/bulk_fold.py).
REBUILD_IN_ITS_OWN_PROCESS = """
import json, sys
import django
django.setup()
from readmodels.rebuild import rebuild
report = rebuild(sys.argv[1])
print(json.dumps({name: getattr(report, name, None) for name in (
    "events", "orders", "seconds", "fold_workers", "bulk_seconds", "index_seconds",
    "swap_seconds")}))
"""


def rebuild_in_its_own_process(run: Run, read_model: str) -> SimpleNamespace:
    done = subprocess.run(
        [sys.executable, "-c", REBUILD_IN_ITS_OWN_PROCESS, read_model],
        cwd=ROOT,
        env=run.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return SimpleNamespace(**json.loads(done.stdout.strip().splitlines()[-1]))


def run_rebuild(run: Run) -> dict:
    run.only()
    run.reset()
    database.remove_probes()
    started = time.perf_counter()
    events = database.generate_events(run.config.rebuild_events // 2)
    generate_seconds = time.perf_counter() - started
    report = rebuild_in_its_own_process(run, READ_MODEL)
    rebuilt = {
        "events": report.events,
        "rows": report.orders,
        "seconds": report.seconds,
        "eventsPerSecond": rate(report.events, report.seconds),
        "rowsPerSecond": rate(report.orders, report.seconds),
        "foldWorkers": report.fold_workers,
        "bulkSeconds": getattr(report, "bulk_seconds", None),
        "indexSeconds": getattr(report, "index_seconds", None),
        "swapSeconds": getattr(report, "swap_seconds", None),
    }
    copy = copy_baseline()
    run.reset()
    return {
        "readModel": READ_MODEL,
        "eventLog": {"events": events, "generateSeconds": generate_seconds},
        "rebuild": rebuilt,
        "copy": copy,
        "ratio": ratio(copy["copySeconds"], report.seconds),
        "ratioWithIndexes": ratio(copy["copySeconds"] + copy["indexSeconds"], report.seconds),
    }
