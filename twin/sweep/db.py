"""The results database: one row per run and a tidy metrics table, in SQLite (WAL).

Each finished run is written in its own transaction, so a sweep killed at any
moment keeps every run it finished; the run key makes reruns skip them, and
concurrent sweeps wait for each other's short transactions instead of corrupting
the file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from twin.errors import TwinError

__all__ = ["ResultsDB", "RunRow", "flatten_metrics"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_key TEXT PRIMARY KEY,
    sweep TEXT NOT NULL,
    base_hash TEXT NOT NULL,
    scenario_hash TEXT,
    combination INTEGER NOT NULL,
    params TEXT NOT NULL,
    replication INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error TEXT,
    started_at REAL,
    finished_at REAL,
    wall_s REAL,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS runs_sweep ON runs (sweep, status);
CREATE TABLE IF NOT EXISTS metrics (
    run_key TEXT NOT NULL REFERENCES runs (run_key) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    value REAL,
    text TEXT,
    PRIMARY KEY (run_key, metric)
);
CREATE TABLE IF NOT EXISTS sensors (
    run_key TEXT PRIMARY KEY REFERENCES runs (run_key) ON DELETE CASCADE,
    sensors TEXT NOT NULL
);
"""

#: Seconds a writer waits for another sweep's transaction before giving up.
BUSY_TIMEOUT_S = 60.0


def _retry_while_locked(statement: Callable[[], object]) -> None:
    """Run a setup statement, retrying while another process holds the file.

    SQLite returns "database is locked" at once, without waiting on the busy timeout,
    when two connections switch a new file to WAL at the same moment; two sweeps
    started together into one fresh database hit exactly that.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.01
    while True:
        try:
            statement()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


@dataclass(frozen=True)
class RunRow:
    """One run as stored: its identity, parameters, outcome and timings."""

    run_key: str
    sweep: str
    base_hash: str
    scenario_hash: str | None
    combination: int
    params: dict[str, Any]
    replication: int
    seed: int
    status: str
    error: str | None
    started_at: float | None
    finished_at: float | None
    wall_s: float | None
    worker: str | None


def flatten_metrics(metrics: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """``{"efficiency": {"x": 1}}`` → ``{"efficiency.x": 1}``; the ``scenario`` block of
    metrics.json (name, seed, hash) is identity, not an outcome, and is left out."""
    flat: dict[str, object] = {}
    for key, value in metrics.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if not prefix and key == "scenario":
            continue
        if isinstance(value, Mapping):
            flat.update(flatten_metrics(value, path))
        else:
            flat[path] = value
    return flat


class ResultsDB:
    """A sweep results database; open one per process."""

    def __init__(self, path: str | PathLike[str], create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise TwinError(f"{self.path}: no results database here (run `twin sweep` first)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            _retry_while_locked(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            if create:
                _retry_while_locked(lambda: self.conn.executescript(SCHEMA))
            else:
                self.conn.execute("SELECT 1 FROM runs LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise TwinError(f"{self.path}: not a results database ({exc})") from None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> ResultsDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def finished_keys(self, sweep: str) -> set[str]:
        """Run keys of this sweep that finished successfully (reruns skip them)."""
        rows = self.conn.execute(
            "SELECT run_key FROM runs WHERE sweep = ? AND status = 'ok'", (sweep,)
        )
        return {key for (key,) in rows}

    def base_hashes(self, sweep: str) -> set[str]:
        """The base-scenario hashes runs of ``sweep`` were built from."""
        rows = self.conn.execute("SELECT DISTINCT base_hash FROM runs WHERE sweep = ?", (sweep,))
        return {value for (value,) in rows}

    def record(
        self,
        row: RunRow,
        metrics: Mapping[str, object],
        sensors: Sequence[Mapping[str, object]] = (),
    ) -> None:
        """Write one finished run, its metrics and the sensors it deployed (as in
        ``sensors.json``) in one transaction; a run already stored as ``ok`` is never
        overwritten (two sweeps racing on one run keep one row)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            existing = conn.execute(
                "SELECT status FROM runs WHERE run_key = ?", (row.run_key,)
            ).fetchone()
            if existing is not None and existing[0] == "ok":
                conn.execute("COMMIT")
                return
            conn.execute("DELETE FROM metrics WHERE run_key = ?", (row.run_key,))
            conn.execute("DELETE FROM sensors WHERE run_key = ?", (row.run_key,))
            conn.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.run_key,
                    row.sweep,
                    row.base_hash,
                    row.scenario_hash,
                    row.combination,
                    json.dumps(row.params, sort_keys=True),
                    row.replication,
                    row.seed,
                    row.status,
                    row.error,
                    row.started_at,
                    row.finished_at,
                    row.wall_s,
                    row.worker,
                ),
            )
            conn.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, ?)",
                [(row.run_key, name, *_cell(value)) for name, value in metrics.items()],
            )
            if row.status == "ok":
                conn.execute(
                    "INSERT INTO sensors VALUES (?, ?)", (row.run_key, json.dumps(list(sensors)))
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def sensors(self, sweep: str) -> dict[int, list[dict[str, Any]]]:
        """The sensors each combination of ``sweep`` deployed (from its first stored run;
        a combination recorded before sensors were stored has none)."""
        stored = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sensors'"
        ).fetchone()
        if stored is None:  # a database written before sensors were stored
            return {}
        rows = self.conn.execute(
            "SELECT r.combination, s.sensors FROM runs r JOIN sensors s USING (run_key) "
            "WHERE r.sweep = ? ORDER BY r.combination, r.replication",
            (sweep,),
        )
        found: dict[int, list[dict[str, Any]]] = {}
        for combination, text in rows:
            found.setdefault(combination, json.loads(text))
        return found

    def sweeps(self) -> list[str]:
        """Sweep names in the database, in order of first appearance."""
        rows = self.conn.execute("SELECT sweep FROM runs GROUP BY sweep ORDER BY min(rowid)")
        return [name for (name,) in rows]

    def runs(self, sweep: str | None = None) -> list[RunRow]:
        """Stored runs (of one sweep, or all), ordered by sweep, combination, replication."""
        query = "SELECT * FROM runs"
        args: tuple[str, ...] = ()
        if sweep is not None:
            query += " WHERE sweep = ?"
            args = (sweep,)
        query += " ORDER BY sweep, combination, replication"
        return [_row(values) for values in self.conn.execute(query, args)]

    def metrics(self, sweep: str | None = None) -> Iterator[tuple[str, str, float | None]]:
        """(run key, metric, numeric value) for every numeric metric of successful runs."""
        query = (
            "SELECT m.run_key, m.metric, m.value FROM metrics m JOIN runs r USING (run_key) "
            "WHERE r.status = 'ok' AND m.text IS NULL"
        )
        args: tuple[str, ...] = ()
        if sweep is not None:
            query += " AND r.sweep = ?"
            args = (sweep,)
        yield from self.conn.execute(query + " ORDER BY m.run_key, m.metric", args)

    def tidy(self, sweep: str | None = None) -> tuple[list[str], list[list[object]]]:
        """The tidy table: one row per (run, metric), parameters as columns."""
        runs = {row.run_key: row for row in self.runs(sweep)}
        params = list(dict.fromkeys(p for row in runs.values() for p in row.params))
        columns = ["sweep", *params, "replication", "seed", "status", "metric", "value"]
        query = "SELECT run_key, metric, coalesce(value, text) FROM metrics ORDER BY metric"
        by_run: dict[str, list[tuple[str, object]]] = {}
        for key, metric, value in self.conn.execute(query):
            by_run.setdefault(key, []).append((metric, value))
        rows: list[list[object]] = []
        for key, run in runs.items():
            lead = [run.sweep, *(run.params.get(p, "") for p in params)]
            tail = [run.replication, run.seed, run.status]
            if run.status != "ok":
                rows.append([*lead, *tail, "error", run.error])
            for metric, value in by_run.get(key, []):
                rows.append([*lead, *tail, metric, value])
        return columns, rows


def _cell(value: object) -> tuple[float | None, str | None]:
    """(numeric value, text) of a metric; bools count as 0/1, None stays null."""
    if value is None:
        return None, None
    if isinstance(value, bool | int | float):
        return float(value), None
    try:
        return float(value), None  # type: ignore[arg-type]  # numpy scalars
    except (TypeError, ValueError):
        return None, str(value)


def _row(values: tuple[Any, ...]) -> RunRow:
    fields = list(values)
    fields[5] = json.loads(fields[5])
    return RunRow(*fields)
