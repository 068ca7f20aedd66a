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

from agents.sidewalk import SNOW_COVERED_CM
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
    ``intersections.csv``, ``plots/`` (delay over time, intersection delay map,
    a crossing timeline; ambulance responses and snow maps when the run has
    them) and ``run.log``. With ``trips``, also every table (trips, crossings,
    signal phases, vehicle passages, sensor observations, incidents) as CSV.
    """
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
    for name, draw in _plots(result).items():
        path = out / "plots" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.tmp.png")
        draw(tmp)
        os.replace(tmp, path)
        written.append(path)
    put("run.log", "\n".join(log_lines) + "\n")
    _remove_stale(out, written, result.tables)
    return written


def _remove_stale(out: Path, written: Sequence[Path], tables: Mapping[str, object]) -> None:
    """Delete outputs an earlier run left in ``out`` that this run did not write
    (a plot or table it no longer has), so the folder describes one run."""
    ours = {f"{name}.csv" for name in tables} | set(PLOT_NAMES)
    kept = set(written)
    for path in [*out.glob("*.csv"), *out.glob("plots/*.png")]:
        if path.name in ours and path not in kept:
            path.unlink()


PLOT_NAMES = (
    "delay_over_time.png",
    "intersection_delay.png",
    "crossing_timeline.png",
    "ambulance_responses.png",
    "snow_depth_maps.png",
    "heating_timeline.png",
)


def _plots(result: RunResult) -> dict[str, Callable[[Path], None]]:
    """The plots this run calls for, by file name."""
    from metrics.plots import plot_delay_over_time, plot_intersection_map
    from metrics.service_plots import plot_ambulance_responses, plot_crossing_timeline
    from metrics.winter_plots import plot_heating_timeline, plot_snow_depth_maps

    scenario, series, tables = result.scenario, result.series, result.tables
    name, start = scenario.name, scenario.demand.start_hour
    plots: dict[str, Callable[[Path], None]] = {
        "delay_over_time.png": lambda p: plot_delay_over_time(
            series, p, start, f"{name}: delay over time"
        ),
        "intersection_delay.png": lambda p: plot_intersection_map(
            result.intersection_delay_s,
            p,
            f"{name}: stop-line delay per vehicle at each intersection (not trip delay)",
            "mean stop-line delay per vehicle (s)",
        ),
    }
    if len(tables["crossings"]["start_s"]):
        plots["crossing_timeline.png"] = lambda p: plot_crossing_timeline(
            tables["crossings"],
            tables["signal_phases"],
            p,
            scenario.clearance_s,
            start,
            f"{name}: crossings and pedestrian signals",
            cols=scenario.city.cols,
        )
    preemption = "on" if scenario.services.preemption else "off"
    if len(tables["incidents"]["call_s"]):
        plots["ambulance_responses.png"] = lambda p: plot_ambulance_responses(
            tables["incidents"],
            series,
            p,
            start,
            f"{name}: ambulance responses (preemption {preemption})",
        )
    if result.snow_snapshots:
        plots["snow_depth_maps.png"] = lambda p: plot_snow_depth_maps(
            result.snow_snapshots,
            result.segments_xy,
            result.heated,
            p,
            start,
            f"{name}: snow on the sidewalks",
            bare_below_cm=SNOW_COVERED_CM,
        )
        plots["heating_timeline.png"] = lambda p: plot_heating_timeline(
            series["time_s"],
            series["snow_depth_unheated_cm"],
            series["snow_depth_heated_cm"],
            series["heating_on_share"],
            p,
            start,
            f"{name}: sidewalk snow and heating ({scenario.services.sidewalk_heating.activation})",
        )
    return plots
