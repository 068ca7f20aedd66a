"""Run a sweep's runs on a local process pool or a Dask cluster; record each as it ends.

Scenarios are resolved in the parent (a bad combination is recorded as a failed run
there) and shipped whole to the workers, so remote Dask workers need no files.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from twin.errors import Problem, ScenarioError, TwinError
from twin.scenario.loading import OVERRIDE_SOURCE
from twin.sweep.db import ResultsDB, RunRow, flatten_metrics
from twin.sweep.spec import RunSpec, SweepSpec, policy_label, run_key

__all__ = [
    "SweepCheck",
    "SweepSummary",
    "check_sweep",
    "execute",
    "load_run_scenario",
    "run_outcomes",
    "run_sweep",
]

#: How long to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT = "20s"
#: How often the local pool is rebuilt after a worker process dies before giving up.
MAX_POOL_RESTARTS = 3


def load_run_scenario(path: Path, overrides: Mapping[str, Any]) -> Any:
    """Load and validate ``path`` with ``{PATH: VALUE}`` overrides applied (a bad one is
    reported as ``--set``'s, which :func:`_named` turns into the sweep file's)."""
    from twin.scenario.loading import load_scenario, overrides_from_mapping

    return load_scenario(path, overrides_from_mapping(overrides))


def run_outcomes(scenario: Any) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Run a loaded scenario to the end: its metrics.json dict and its sensors.json list."""
    import twin
    from twin.results.writer import sensors_json

    result = twin.run(scenario)
    return result.metrics, json.loads(sensors_json(result))["sensors"]


@dataclass(frozen=True)
class SweepCheck:
    """What ``twin validate`` says of a sweep: its problems and its warnings."""

    problems: list[Problem]
    warnings: list[str]


def check_sweep(spec: SweepSpec, overrides: Sequence[str] = ()) -> SweepCheck:
    """Load every combination as the sweep would, without running any.

    ``overrides`` (``PATH=VALUE``, as ``--set``) apply on top of every combination.
    A problem or warning is said once, naming the combinations it concerns (none
    when it concerns them all).
    """
    from twin.scenario.loading import load_scenario, overrides_from_mapping
    from twin.simulation.runner import check_city, scenario_warnings

    failed: dict[Problem, list[int]] = {}
    warned: dict[str, list[int]] = {}
    for index, combo in enumerate(spec.combinations):
        try:
            changes = overrides_from_mapping({**spec.fixed, **combo})
            scenario = load_scenario(spec.base, [*changes, *overrides])
            city = check_city(scenario)
        except ScenarioError as error:
            for problem in _named(error.in_file(str(spec.base)), spec.source).problems:
                failed.setdefault(_locate(problem, spec), []).append(index)
            continue
        for line in scenario_warnings(scenario) + city:
            warned.setdefault(line, []).append(index)
    loaded = len(spec.combinations) - len({i for indices in failed.values() for i in indices})

    def which(indices: list[int], of: int) -> str:
        if len(indices) == of:
            return ""
        if len(indices) == 1:
            return f" (in combination {indices[0]}: {policy_label(spec.combinations[indices[0]])})"
        return f" (in combinations {', '.join(map(str, indices))})"

    problems = [
        replace(problem, message=problem.message + which(indices, len(spec.combinations)))
        for problem, indices in failed.items()
    ]
    warnings = [line + which(indices, loaded) for line, indices in warned.items()]
    return SweepCheck(problems, warnings)


def _locate(problem: Problem, spec: SweepSpec) -> Problem:
    """A problem with a value the sweep gave, at the line of the sweep file that gives it."""
    if problem.file != str(spec.source) or problem.line is not None:
        return problem
    for key in (f"sweep.grid.{problem.path}", f"sweep.set.{problem.path}", "sweep.combinations"):
        if key in spec.lines:
            return replace(problem, line=spec.lines[key])
    return problem


@dataclass(frozen=True)
class Task:
    """What a worker gets: the run's identity and its resolved scenario."""

    key: str
    run: RunSpec
    scenario: Any


def execute(task: Task) -> dict[str, Any]:
    """Run one task in a worker; never raises (a failure is returned with its error)."""
    started = time.time()
    clock = time.perf_counter()
    try:
        outcome, sensors = run_outcomes(task.scenario)
        metrics = flatten_metrics(outcome)
        status, error = "ok", None
    except Exception as exc:
        metrics, sensors, status = {}, [], "failed"
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
    return {
        "key": task.key,
        "status": status,
        "error": error,
        "metrics": metrics,
        "sensors": sensors,
        "started_at": started,
        "finished_at": time.time(),
        "wall_s": time.perf_counter() - clock,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


@dataclass
class SweepSummary:
    """How a sweep went: counts of runs and the wall time."""

    total: int
    skipped: int
    ok: int
    failed: int
    wall_s: float
    errors: list[str]


class PoolBackend:
    """A local process pool (spawned: ``import mesa`` sets spawn anyway)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, task: Task) -> cf.Future[dict[str, Any]]:
        return self.pool.submit(execute, task)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        done, rest = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        return set(done), set(rest)

    def restart(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = cf.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn")
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A Dask cluster: an existing scheduler, or a local cluster of ``local`` processes."""

    def __init__(self, scheduler: str | None = None, local: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise TwinError(
                "Dask is not installed; install the extra: pip install 'smart-city-twin[dask]'"
            ) from None
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(
                n_workers=local or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            scheduler = self.cluster.scheduler_address
        try:
            self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise TwinError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.workers = sum(self.client.nthreads().values()) or 1

    def submit(self, task: Task) -> Any:
        return self.client.submit(execute, task, key=f"twin-run-{task.key}", pure=False)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from distributed import wait

        done, rest = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(rest)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _named(error: ScenarioError, sweep_file: Path) -> ScenarioError:
    """The error naming the sweep file instead of ``--set`` for values the sweep gave."""
    return ScenarioError(
        replace(p, file=str(sweep_file)) if p.file == OVERRIDE_SOURCE else p for p in error.problems
    )


def run_sweep(
    spec: SweepSpec,
    db_path: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> SweepSummary:
    """Run every unfinished run of ``spec`` and record each in ``db_path`` as it ends.

    Raises:
        ScenarioError: the base scenario (with the fixed overrides) does not load.
        TwinError: the database holds this sweep built from another base scenario.
    """
    clock = time.perf_counter()
    try:
        base = load_run_scenario(spec.base, spec.fixed)
    except ScenarioError as error:
        raise _named(error, spec.source) from None
    base_hash = base.content_hash()
    runs = spec.runs(spec.seed if spec.seed is not None else int(base.seed))
    with ResultsDB(db_path) as db:
        if db.base_hashes(spec.name) - {base_hash}:
            raise TwinError(
                f"{db_path}: sweep {spec.name!r} is already stored there from a different "
                "base scenario or fixed settings; give this sweep another name "
                "(sweep.name) or use another --db"
            )
        finished = db.finished_keys(spec.name)
        todo = [
            (key, run)
            for run in runs
            if (key := run_key(spec.name, base_hash, run.params, run.replication)) not in finished
        ]
        summary = SweepSummary(len(runs), len(runs) - len(todo), 0, 0, 0.0, [])
        if todo:
            backend: PoolBackend | DaskBackend
            if scheduler is not None or dask_local is not None:
                backend = DaskBackend(scheduler, dask_local)
            else:
                backend = PoolBackend(max(1, workers or os.cpu_count() or 1))
            try:
                _drive(spec, db, base_hash, todo, summary, backend, progress, on_result)
            finally:
                backend.close()
    summary.wall_s = time.perf_counter() - clock
    return summary


def _drive(
    spec: SweepSpec,
    db: ResultsDB,
    base_hash: str,
    todo: list[tuple[str, RunSpec]],
    summary: SweepSummary,
    backend: PoolBackend | DaskBackend,
    progress: bool,
    on_result: Callable[[dict[str, Any]], None] | None,
) -> None:
    runs = {key: run for key, run in todo}
    hashes: dict[str, str | None] = {}

    def record(key: str, outcome: dict[str, Any]) -> None:
        run = runs[key]
        row = RunRow(
            key,
            spec.name,
            base_hash,
            hashes.get(key),
            run.combination,
            run.params,
            run.replication,
            run.seed,
            outcome["status"],
            outcome["error"],
            outcome.get("started_at"),
            outcome.get("finished_at"),
            outcome.get("wall_s"),
            outcome.get("worker"),
        )
        db.record(row, outcome["metrics"], outcome.get("sensors", []))
        if outcome["status"] == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
            summary.errors.append(
                f"{run.label} (replication {run.replication}): {outcome['error']}"
            )
        bar.advance(outcome["status"] == "ok")
        if on_result is not None:
            on_result(outcome)

    def tasks() -> Iterator[Task]:
        for key, run in todo:
            now = time.time()
            try:
                scenario = load_run_scenario(
                    spec.base, {**spec.fixed, **run.params, "seed": run.seed}
                )
            except ScenarioError as error:
                message = str(_named(error, spec.source)).replace("\n", "; ")
                record(key, _failure(key, f"ScenarioError: {message}", now))
                continue
            hashes[key] = scenario.content_hash()
            yield Task(key, run, scenario)

    bar = _Bar(len(todo), spec.name, progress)
    try:
        queue = tasks()
        window = 2 * getattr(backend, "workers", 1) + 1
        inflight: dict[Any, Task] = {}
        retry: list[Task] = []
        restarts = 0
        while True:
            while len(inflight) < window:
                task = retry.pop() if retry else next(queue, None)
                if task is None:
                    break
                inflight[backend.submit(task)] = task
            if not inflight:
                break
            done, _ = backend.wait_any(set(inflight))
            broken = False
            for future in done:
                task = inflight.pop(future)
                try:
                    outcome = future.result()
                except cf.process.BrokenProcessPool:
                    broken = True
                    retry.append(task)
                    continue
                except Exception as exc:  # a Dask worker lost for good (KilledWorker)
                    outcome = _failure(task.key, f"{type(exc).__name__}: {exc}", time.time())
                record(task.key, outcome)
            if broken:
                # A worker died: every run in flight is lost; rebuild the pool, run them again.
                restarts += 1
                retry.extend(inflight.values())
                inflight.clear()
                if restarts > MAX_POOL_RESTARTS or not isinstance(backend, PoolBackend):
                    raise TwinError(
                        f"worker processes died {restarts} times; finished runs are saved in "
                        f"{db.path}; run the same command again to resume"
                    )
                print(
                    f"twin: a worker process died; restarting the pool ({len(retry)} runs to redo)",
                    file=sys.stderr,
                )
                backend.restart()
    finally:
        bar.close()


def _failure(key: str, error: str, now: float) -> dict[str, Any]:
    return {
        "key": key,
        "status": "failed",
        "error": error,
        "metrics": {},
        "started_at": now,
        "finished_at": now,
        "wall_s": 0.0,
        "worker": None,
    }


class _Bar:
    """A tqdm progress bar on stderr: done/total, failures, elapsed, ETA."""

    def __init__(self, total: int, label: str, show: bool) -> None:
        self.failed = 0
        self.bar: Any = None
        if not show:
            return
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label, unit="run", file=sys.stderr)
        self.bar.set_postfix_str("0 failed")

    def advance(self, ok: bool) -> None:
        self.failed += not ok
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
