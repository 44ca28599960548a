"""Reading py-spy's collapsed stacks (`py-spy record --format raw`): one line per distinct
stack, its frames root first, separated by ';', then the number of samples. Pure: turns them
into each chosen cost's share of the samples and into self time by function, both as ms of
CPU per command given the measured CPU per command (bench/profile.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

# Chosen frames, matched against the shortened frame ("function (package/module.py)", see
# `short`): a marker is a function with its file, or a file or package path. Layers wrap one
# another (the view runs inside the request, the command inside the view): they say where
# the time is. Costs are the suspects the issue names; they overlap too (a Redis call made by
# a throttle counts in both). Each is the inclusive share: samples with such a frame anywhere.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sync side: Django middleware + view, in asgiref's thread", ("SyncToAsync.thread_handler",)),
    ("async side: the event loop (uvicorn, ASGI, pushes)", ("Runner.run (asyncio/runners.py",)),
    ("DRF view (APIView.dispatch)", ("APIView.dispatch (rest_framework/views.py",)),
    ("the command's own work (…Api.execute in orders/api.py)", ("Api.execute (orders/api.py",)),
)
COSTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DRF APIView.initial: negotiation, auth, permissions, throttles", ("APIView.initial (",)),
    ("DRF content negotiation", ("(rest_framework/negotiation.py",)),
    ("throttles (with their Redis round trips)", ("(rest_framework/throttling.py",)),
    ("session and user look-up", ("(django/contrib/sessions/", "(django/contrib/auth/")),
    ("CSRF check", ("(django/middleware/csrf.py",)),
    ("Django cache API", ("(django/core/cache/",)),
    ("Redis client (cache, throttles, channel layer)", ("(redis/",)),
    ("pushes: channel layer group_send", ("(channels_redis/", "(channels/layers")),
    ("after-commit announcements (NOTIFY, order.pending push)", ("(orders/announcements.py",)),
    ("transaction commit and on-commit hooks", ("Atomic.__exit__ (django/db/transaction.py",)),
    ("SQL round trips (psycopg)", ("(psycopg/", "(psycopg_pool/")),
    ("ORM above the driver (querysets, compiler, models)", ("(django/db/models/",)),
    ("Django signals", ("(django/dispatch/",)),
    ("Prometheus metrics", ("(prometheus_client/",)),
    ("logging", ("(logging/",)),
    ("JSON encode / decode", ("(json/", "(orjson")),
    ("DRF parsing, serializers and fields",
     ("(rest_framework/parsers.py", "(rest_framework/serializers.py", "(rest_framework/fields.py")),
    ("DRF response rendering", ("(rest_framework/renderers.py", "(rest_framework/response.py")),
    ("uvicorn HTTP protocol", ("(uvicorn/protocols/",)),
)  # fmt: skip
# Blocking waits, when a sample's last frame: py-spy counts a thread as busy whenever the OS
# calls it runnable, so a thread just woken from a wait (often, on a loaded machine) is
# sampled there. They are no CPU of the command's; left out, the samples match the CPU time.
WAITS = (
    "Condition.wait (threading.py",
    "Event.wait (threading.py",
    "Connection.wait (psycopg/",
    "select (selectors.py",
    "_worker (concurrent/futures/thread.py",  # an executor thread waiting for work
)


@dataclass(frozen=True)
class Cost:
    name: str
    samples: int
    share: float  # of all samples
    ms_per_command: float | None


def parse_collapsed(text: str) -> Counter:
    """{tuple of frames, root first: samples}."""
    stacks: Counter = Counter()
    for line in text.splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks[tuple(frames.split(";"))] += int(count)
    return stacks


def without_waits(stacks: Counter, root: str = "") -> tuple[Counter, int]:
    """The stacks whose last frame is no blocking wait (WAITS), and the samples left out."""
    kept: Counter = Counter()
    for frames, count in stacks.items():
        if not any(wait in short(frames[-1], root) for wait in WAITS):
            kept[frames] = count
    return kept, sum(stacks.values()) - sum(kept.values())


def inclusive_costs(
    stacks: Counter, cpu_ms_per_command: float | None, costs=COSTS, *, root: str = ""
) -> list[Cost]:
    """Each cost with its samples anywhere on the stack, most expensive first."""
    total = sum(stacks.values())
    out = []
    for name, markers in costs:
        samples = sum(
            count
            for frames, count in stacks.items()
            if any(marker in short(frame, root) for frame in frames for marker in markers)
        )
        out.append(_cost(name, samples, total, cpu_ms_per_command))
    return sorted(out, key=lambda cost: -cost.samples)


def self_costs(
    stacks: Counter, cpu_ms_per_command: float | None, *, top: int = 10, root: str = ""
) -> list[Cost]:
    """The functions the samples were in (the stack's last frame), most expensive first."""
    total = sum(stacks.values())
    leaves: Counter = Counter()
    for frames, count in stacks.items():
        leaves[short(frames[-1], root)] += count
    return [_cost(name, n, total, cpu_ms_per_command) for name, n in leaves.most_common(top)]


def short(frame: str, root: str = "") -> str:
    """A frame with its file path cut after site-packages/, the Python library or `root`."""
    head, _, tail = frame.partition(" (")
    for cut in (
        "site-packages/",
        "/lib/python3.11/",
        "/lib/python3.12/",
        *([root] if root else []),
    ):
        if cut in tail:
            return f"{head} ({tail.partition(cut)[2].lstrip('/')}"
    return frame


def _cost(name: str, samples: int, total: int, cpu_ms_per_command: float | None) -> Cost:
    share = samples / total if total else 0.0
    ms = None if cpu_ms_per_command is None else share * cpu_ms_per_command
    return Cost(name, samples, share, ms)
