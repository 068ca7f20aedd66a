"""Write a run's results folder; every file appears whole or not at all."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from agents.sensing import IDENTIFIABILITY
from twin.digital.export import persons_table, trajectory_table
from twin.results.files import file_mode, write_atomic
from twin.results.report import write_report
from twin.scenario import scenario_to_yaml
from twin.security.graph import write_components
from twin.services import registered
from twin.simulation.runner import RunResult


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


def _plain_rows(table: Mapping[str, np.ndarray]) -> list[list[object]]:
    """Rows of a table with text columns (floats to 7 decimals)."""
    columns = [
        np.round(c, 7).tolist() if np.issubdtype(np.asarray(c).dtype, np.floating) else c.tolist()
        for c in table.values()
    ]
    return [list(row) for row in zip(*columns, strict=True)]


def _cell(value: float) -> object:
    if np.isnan(value):
        return ""
    return int(value) if float(value).is_integer() else round(float(value), 4)


def write_results(
    result: RunResult,
    out: Path,
    log_lines: Sequence[str] = (),
    trips: bool = False,
    plots: bool = True,
    trajectories: bool = False,
) -> list[Path]:
    """Write the results folder; returns the files written.

    Always: ``scenario.yaml`` (resolved), ``metrics.json``, ``sensors.json``,
    ``links.json``, ``timeseries.csv`` (with residents exposed, in total and per
    system), ``intersections.csv``, ``plots/`` (delay over time, intersection delay
    map, a crossing timeline, exposure over time per system when any sensor is
    deployed, and each service's plots), ``persons.csv`` (residents: home, consent by
    kind, car, reduced mobility; then the visitors records are about) and ``run.log``.
    With ``trajectories``, also ``trajectories.csv``: the identifiable records held at
    the end in scikit-mobility's columns (``twin.digital.export``). With ``trips``, also every
    table (trips, crossings, signal phases, vehicle passages, sensor observations,
    the services' tables) as CSV. ``observations.csv``'s ``sensor`` column is the
    ``code`` of a sensor in ``sensors.json``. Without ``plots``, no ``plots/`` (and
    matplotlib is never imported): the fastest run, for batch use.
    """
    scenario = result.scenario
    written: list[Path] = []

    def put(name: str, content: Callable | str) -> None:
        path = out / name
        write_atomic(path, content)
        written.append(path)

    put("scenario.yaml", scenario_to_yaml(scenario))
    put("metrics.json", metrics_json(result.metrics))
    put("sensors.json", sensors_json(result))
    put("links.json", links_json(result))
    series = result.series
    put("timeseries.csv", _csv_writer(list(series), _table_rows(series)))
    graph = result.graph
    put(
        "intersections.csv",
        _csv_writer(
            ["node", "label", "x_m", "y_m", "lat", "lon", "control",
             "vehicle_delay_s_mean", "stranded_crossings"],
            [
                [
                    node,
                    graph.label[node],
                    round(float(graph.x_m[node]), 2),
                    round(float(graph.y_m[node]), 2),
                    round(float(graph.lat[node]), 7),
                    round(float(graph.lon[node]), 7),
                    graph.control[node],
                    round(float(result.intersection_delay_s[node]), 4),
                    int(result.intersection_stranded[node]),
                ]
                for node in range(graph.n_intersections)
            ],
        ),
    )  # fmt: skip
    privacy = result.privacy
    if privacy is not None:
        people = persons_table(privacy.persons, privacy.records)
        put("persons.csv", _csv_writer(list(people), _plain_rows(people)))
    if privacy is not None and trajectories:
        start = scenario.demand.start_hour
        held = trajectory_table(
            privacy.records, privacy.retention_s, float(result.metrics["scenario"]["duration_s"]),  # type: ignore[index]
            graph.lat, graph.lon, start,
        )  # fmt: skip
        put("trajectories.csv", _csv_writer(list(held), _plain_rows(held)))
    if trips:
        for name, table in result.tables.items():
            put(f"{name}.csv", _csv_writer(list(table), _table_rows(table)))
    for name, draw in (_plots(result) if plots else {}).items():
        path = out / "plots" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.tmp.png")
        draw(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
        written.append(path)
    for name, write in security_files(result).items():  # components.json, attack plots
        if not plots and name.startswith("plots/"):
            continue
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
        write(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
        written.append(path)
    put("run.log", "\n".join(log_lines) + "\n")
    written += write_report(out)  # read back from the files above
    _remove_stale(out, written, result.tables)
    return written


def _remove_stale(out: Path, written: Sequence[Path], tables: Mapping[str, object]) -> None:
    """Delete outputs an earlier run left in ``out`` that this run did not write
    (a plot or table it no longer has), so the folder describes one run. ``plots/``
    holds only the twin's figures; of the CSVs, only the twin's tables are touched."""
    table_names = {name for cls in registered() for name in cls.table_names}
    ours = {f"{name}.csv" for name in {*tables, *table_names, "trajectories"}}
    kept = set(written)
    stale = [p for p in out.glob("*.csv") if p.name in ours] + list(out.glob("plots/*.png"))
    for path in stale:
        if path not in kept:
            path.unlink()


def sensors_json(result: RunResult) -> str:
    """Each sensor the services deployed; ``code`` is its value in ``observations.csv``."""
    sensors = [
        {
            "code": code,
            "name": sensor.name,
            "service": sensor.service,
            "method": sensor.method,
            "observes": sensor.observes,
            "identifiability": IDENTIFIABILITY[sensor.identifiability],
            "attributes": list(sensor.attributes),
            "system": sensor.system,
            "data_owner": sensor.system,
            "count": sensor.count,
            "purpose": sensor.purpose,
        }
        for code, sensor in enumerate(result.sensors)
    ]
    return json.dumps({"sensors": sensors}, indent=2) + "\n"


def links_json(result: RunResult) -> str:
    """Each connection the services declared: source, target and purpose."""
    links = [
        {"source": link.source, "target": link.target, "purpose": link.purpose}
        for link in result.links
    ]
    return json.dumps({"links": links}, indent=2) + "\n"


def _plots(result: RunResult) -> dict[str, Callable[[Path], None]]:
    """The plots this run calls for, by file name: the core's, then each service's."""
    from metrics.plots import plot_delay_over_time, plot_intersection_map
    from metrics.service_plots import plot_crossing_timeline

    scenario, series, tables = result.scenario, result.series, result.tables
    name, start, graph = scenario.name, scenario.demand.start_hour, result.graph
    plots: dict[str, Callable[[Path], None]] = {
        "delay_over_time.png": lambda p: plot_delay_over_time(
            series, p, start, f"{name}: delay over time"
        ),
        "intersection_delay.png": lambda p: plot_intersection_map(
            result.intersection_delay_s,
            np.column_stack([graph.x_m, graph.y_m])[: graph.n_intersections],
            np.array(
                [
                    [(graph.x_m[s.a], graph.y_m[s.a]), (graph.x_m[s.b], graph.y_m[s.b])]
                    for s in graph.streets
                ]
            ).reshape(-1, 2, 2),
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
            {
                (node, leg): (
                    graph.crosswalk_phase(node, street, scenario.signals.split_phases),
                    f"intersection {graph.label[node]}, crosswalk across the street to "
                    f"{graph.label[graph.streets[street].other(node)]}",
                )
                for node in range(graph.n_intersections)
                for leg, street in enumerate(graph.legs[node])
            },
        )
    if result.sensors and "persons_exposed" in series:
        from metrics.privacy_plots import plot_exposure_over_time

        plots["privacy_exposure.png"] = lambda p: plot_exposure_over_time(
            series,
            p,
            start,
            scenario.population.residents,
            f"{name}: residents with an identifiable record held",
        )
    for service in result.services.values():
        plots.update(service.plots(result))
    return plots


def security_files(result: RunResult) -> dict[str, Callable[[Path], object]]:
    """``components.json`` and the attack plots (over every replication), by path relative
    to the results folder."""
    security = result.security
    if security is None:
        return {}
    graph = security.graph
    fallen = security.compromised_share() if security.outcomes else None
    name, start = result.scenario.name, result.scenario.demand.start_hour
    files: dict[str, Callable[[Path], object]] = {
        "components.json": lambda p: write_components(p, graph, fallen)
    }
    if not security.outcomes:
        return files
    replications = len(security.outcomes)

    def draw_graph(path: Path) -> None:
        from metrics.security_plots import plot_component_graph

        title = (
            f"{name}: integration graph ({graph.graph['integration']}), "
            f"{replications} replications of the attack"
        )
        plot_component_graph(graph, fallen or {}, path, title)

    def draw_shares(path: Path) -> None:
        from metrics.security_plots import plot_compromised_share

        section = result.metrics["security"]
        assert isinstance(section, dict)
        interval = section["components_compromised_share"]
        total = graph.number_of_nodes()
        shares = [len(o.compromised) / total for o in security.outcomes]
        low, high = interval.get("ci_low"), interval.get("ci_high")
        plot_compromised_share(shares, path, (low, high) if low is not None else None, name)

    files["plots/component_graph.png"] = draw_graph
    files["plots/compromised_share.png"] = draw_shares
    if security.attacked_series:

        def draw_timeline(path: Path) -> None:
            from metrics.security_plots import plot_attack_timeline

            plot_attack_timeline(
                security.attacked_series,
                result.series,
                security.attack_spans,
                path,
                start,
                name,
            )

        files["plots/attack_timeline.png"] = draw_timeline
    return files
