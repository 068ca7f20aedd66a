"""Write a run's results folder; every file appears whole or not at all."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from twin.runner import RunResult
from twin.scenario import scenario_to_yaml


def write_atomic(path: Path, write: Callable[[IO[str]], None] | bytes | str) -> None:
    """Write ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        binary = isinstance(write, bytes)
        with os.fdopen(fd, "wb" if binary else "w", newline=None if binary else "") as handle:
            if callable(write):
                write(handle)
            else:
                handle.write(write)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def metrics_json(metrics: Mapping[str, object]) -> str:
    """Canonical JSON: sorted keys, floats rounded to 6 decimals, newline-terminated."""

    def tidy(value: object) -> object:
        if isinstance(value, Mapping):
            return {key: tidy(item) for key, item in value.items()}
        if isinstance(value, float | np.floating):
            return round(float(value), 6)
        if isinstance(value, np.integer):
            return int(value)
        return value

    return json.dumps(tidy(metrics), indent=2, sort_keys=True) + "\n"


def _csv_writer(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Callable:
    def write(handle: IO[str]) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)

    return write


def _table_rows(table: Mapping[str, np.ndarray]) -> list[list[object]]:
    columns = list(table.values())
    return (
        [[_cell(value) for value in row] for row in zip(*columns, strict=True)] if columns else []
    )


def _cell(value: float) -> object:
    if np.isnan(value):
        return ""
    return int(value) if float(value).is_integer() else round(float(value), 4)


def write_results(
    result: RunResult, out: Path, log_lines: Sequence[str] = (), trips: bool = False
) -> list[Path]:
    """Write the results folder; returns the files written.

    Always: ``scenario.yaml`` (resolved), ``metrics.json``, ``timeseries.csv``,
    ``intersections.csv``, ``plots/delay_over_time.png``,
    ``plots/intersection_delay.png`` and ``run.log``. With ``trips``, also the
    full trip, crossing and signal tables as CSV.
    """
    from metrics.plots import plot_delay_over_time, plot_intersection_map

    scenario = result.scenario
    written: list[Path] = []

    def put(name: str, content: Callable | str) -> None:
        path = out / name
        write_atomic(path, content)
        written.append(path)

    put("scenario.yaml", scenario_to_yaml(scenario))
    put("metrics.json", metrics_json(result.metrics))
    series = result.series
    put("timeseries.csv", _csv_writer(list(series), _table_rows(series)))
    rows, cols = result.intersection_delay_s.shape
    put(
        "intersections.csv",
        _csv_writer(
            ["node", "row", "col", "vehicle_delay_s_mean", "stranded_crossings"],
            [
                [
                    r * cols + c,
                    r,
                    c,
                    round(float(result.intersection_delay_s[r, c]), 4),
                    int(result.intersection_stranded[r, c]),
                ]
                for r in range(rows)
                for c in range(cols)
            ],
        ),
    )
    if trips:
        for name, table in result.tables.items():
            put(f"{name}.csv", _csv_writer(list(table), _table_rows(table)))
    plots = out / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    for name, draw in (
        (
            "delay_over_time.png",
            lambda p: plot_delay_over_time(
                series, p, scenario.demand.start_hour, f"{scenario.name}: delay over time"
            ),
        ),
        (
            "intersection_delay.png",
            lambda p: plot_intersection_map(
                result.intersection_delay_s,
                p,
                f"{scenario.name}: mean vehicle delay per intersection",
                "mean stop-line delay (s)",
            ),
        ),
    ):
        tmp = plots / f".{name}.tmp.png"
        draw(tmp)
        os.replace(tmp, plots / name)
        written.append(plots / name)
    put("run.log", "\n".join(log_lines) + "\n")
    return written
