"""Where the CPU of a load went: each component's CPU time over a load generator run, per
command answered in it (warm-up and drain included, on both sides of the division).

On a 2-CPU machine this is what sets the capacity of the whole pipeline: at N commands/s
the components together may use at most 2,000 / N ms of CPU per command (10 ms at 200/s).

Components: the web, relay and worker process trees; the database's backends (those open
now, each counted from zero if it was opened during the run); Redis (its own INFO counters,
so other users of the same server count too); and the load generator (the child process
`run.loadgen` waits for, read from this process's children's resource usage).
"""

from __future__ import annotations

import resource

from bench.process_cpu import cpu_by_process, cpu_used_since, database_backends

COMPONENTS = ("web", "relay", "worker")


class CpuBudget:
    """`with CpuBudget(run) as budget: result = run.loadgen(...)`, then
    `budget.per_command(answered)`: {component: ms of CPU per command}."""

    def __init__(self, run):
        self.run = run
        self.used: dict[str, float] = {}

    def __enter__(self) -> CpuBudget:
        self._trees = {
            name: self.run.stack.components[name].tree()
            for name in COMPONENTS
            if name in self.run.stack.components
        }
        self._before = {name: cpu_by_process(tree) for name, tree in self._trees.items()}
        self._database = cpu_by_process(database_backends())
        self._redis = self._redis_seconds()
        self._children = self._children_seconds()
        return self

    def __exit__(self, *exc) -> None:
        for name, before in self._before.items():
            tree = self.run.stack.components[name].tree() or self._trees[name]
            self.used[name] = cpu_used_since(before, tree)
        self.used["postgresql"] = cpu_used_since(self._database, database_backends())
        self.used["redis"] = self._redis_seconds() - self._redis
        self.used["load generator"] = self._children_seconds() - self._children

    def per_command(self, commands: int) -> dict[str, float]:
        if not commands:
            return {}
        shares = {name: seconds * 1000 / commands for name, seconds in self.used.items()}
        return {
            **{name: round(ms, 2) for name, ms in shares.items()},
            "total": round(sum(shares.values()), 2),
        }

    def _redis_seconds(self) -> float:
        info = self.run.redis().info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])

    @staticmethod
    def _children_seconds() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime
