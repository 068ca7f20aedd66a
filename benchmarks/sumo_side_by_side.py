"""SUMO and the twin side by side on the same signalised grid (an independent reference).

Builds one district in both tools: a square grid of one-lane two-way streets, every
intersection signalised with the same fixed-time plan (two phases, 3 s yellow, 2 s
all-red, equal greens), a stub street at every boundary leg where vehicles enter and
leave, and the same demand: the twin draws its trips (Poisson arrivals, each from a
boundary stub to another drawn uniformly) and routes them (cheapest, turns counted), and
SUMO drives the very same vehicles at the same times along the same streets; no
pedestrians, no teleports in SUMO (``--time-to-teleport -1``). With ``--sumo-routing``
SUMO routes the same trips by its own fastest paths instead, as in issue 18: on a grid
of equal blocks those zigzag, about twice the twin's turns per trip, so the two tools
then simulate different traffic.

For each demand it prints the trips that left the district in the hour and the mean
delay of those trips (SUMO: ``timeLoss``; the twin: ``vehicle_delay_s_mean_completed``),
with ``--standing`` where the vehicles are every 10 minutes, and with
``--green-wave`` the same at two demands with and without east-west
progression offsets (SUMO: each controller's ``offset`` so that its east-west green opens
when a vehicle leaving the intersection to the west at the start of its green arrives
at the speed limit; the twin: ``signals.offsets: green_wave_ew``).

Needs SUMO, which is not in the default install: ``pip install -e ".[sumo]"`` (its
``sumo`` and ``netgenerate`` are found on PATH, in ``$SUMO_HOME/bin`` or through the
``sumo`` package). Run from the project root::

    python benchmarks/sumo_side_by_side.py                      # throughput-demand
    python benchmarks/sumo_side_by_side.py --green-wave         # plus the green wave
    python benchmarks/sumo_side_by_side.py --demands 3000 9000 --size 4   # a quick look
    python benchmarks/sumo_side_by_side.py --demands 12000 --standing 12000   # where they stand
    python benchmarks/sumo_side_by_side.py --sumo-routing      # SUMO routes the trips itself

It asserts nothing; docs/model.md quotes its figures.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, not an installed package

from sumo_grid import (  # noqa: E402
    ALL_RED_S,
    YELLOW_S,
    build_net,
    green_wave,
    standing_vehicles,
    sumo_binary,
    sumo_edges,
)

if TYPE_CHECKING:
    from agents.vehicle import Route, Traffic
    from twin.district.street_graph import StreetGraph

#: ``--standing``: where the vehicles are, every this many simulated seconds.
STANDING_EVERY_S = 600


def write_routes(path: Path, run: TwinRun, net: Path, own_routing: bool) -> Path:
    """The twin's trips as SUMO vehicles, in the order the twin started them: each along
    the twin's links, or (``own_routing``) only from its first link to its last."""
    edges = sumo_edges(run.graph, net)
    with path.open("w") as f:
        f.write("<routes>\n")
        for k, (start_s, links) in enumerate(run.trips):
            how = 'departLane="best" departSpeed="max"'
            if own_routing:
                ends = f'from="{edges[links[0]]}" to="{edges[links[-1]]}"'
                f.write(f'<trip id="{k}" depart="{start_s:.2f}" {ends} {how}/>\n')
            else:
                route = " ".join(edges[link] for link in links)
                f.write(f'<vehicle id="{k}" depart="{start_s:.2f}" {how}>'
                        f'<route edges="{route}"/></vehicle>\n')  # fmt: skip
        f.write("</routes>\n")
    return path


def run_sumo(
    net: Path,
    folder: Path,
    run: TwinRun,
    args: argparse.Namespace,
    extra: Path | None,
    every_s: int | None = None,
) -> dict[str, Any]:
    """SUMO on the twin's trips of ``run``: trips arrived in the period, their mean time
    loss (s), that of the trips from the west edge straight to the east edge (along one
    street), and SUMO's wall time; with ``every_s``, also where its vehicles are at that
    interval (``standing``)."""
    routes = write_routes(folder / "trips.rou.xml", run, net, args.sumo_routing)
    eastbound = {str(k) for k in np.flatnonzero(run.east)}
    hours, seed = args.hours, args.seed
    info = folder / "tripinfo.xml"
    command = [
        sumo_binary("sumo"),
        f"--net-file={net}",
        f"--route-files={routes}",
        f"--end={hours * 3600:.0f}",
        "--time-to-teleport=-1",
        f"--seed={seed}",
        f"--tripinfo-output={info}",
        "--no-step-log",
        "--no-warnings",
    ]
    if extra is not None:  # the last program loaded for a controller is the one it runs
        command += [f"--additional-files={extra}"]
    positions = folder / "fcd.xml"
    if every_s is not None:
        command += [f"--fcd-output={positions}", f"--device.fcd.period={every_s}"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    done = list(ET.parse(info).getroot().iter("tripinfo"))
    loss = np.array([float(t.get("timeLoss", 0)) for t in done])
    east = np.array([t.get("id") in eastbound for t in done], dtype=bool)
    figures: dict[str, Any] = {"arrived": float(len(loss)), **_delays(loss, east), "wall_s": wall}
    if every_s is not None:
        figures["standing"] = standing_vehicles(net, positions)
    return figures


class TwinRun(NamedTuple):
    """One run of the twin: its figures, and the trips it drew, for SUMO to drive."""

    #: trips completed, their mean delay (s), that of the trips from the west edge
    #: straight to the east edge, the twin's wall time, and ``standing``
    figures: dict[str, Any]
    #: per trip, in the order started: when it wanted to enter (s) and the links it drives
    trips: list[tuple[float, tuple[int, ...]]]
    #: per trip: whether it goes from the west edge straight to the east edge
    east: np.ndarray
    graph: StreetGraph


def run_twin(args: argparse.Namespace, demand: float, offsets: str) -> TwinRun:
    """The same district in the twin: its figures (every 10 minutes also its vehicles in
    the grid and those queued at a stop line, ``standing``; none stands inside a
    junction: none enters one without room beyond it) and its trips."""
    from twin.scenario import parse_scenario
    from twin.simulation.model import CityModel
    from twin.simulation.runner import collect

    scenario = parse_scenario(
        {
            "name": "sumo-side-by-side",
            "seed": args.seed,
            "duration": args.hours * 3600,
            "warmup": 0,
            "city": {
                "rows": args.size,
                "cols": args.size,
                "block_length_m": args.block,
                "lanes": 1,
                "speed_spread": args.speed_spread,
                "acceleration_mps2": args.acceleration or None,
            },
            "population": {"residents": 100},
            "demand": {"vehicles_per_hour": demand, "pedestrians_per_hour": 0},
            "signals": {
                "control": "fixed",
                "cycle_s": args.cycle,
                "yellow_s": YELLOW_S,
                "all_red_s": ALL_RED_S,
                "offsets": offsets,
                "left_turns": args.left_turns,
            },
            "policy": {"history": 0},
        }
    )
    start = time.perf_counter()
    model = CityModel(scenario)
    trips = _recorded_trips(model.traffic)
    model.run_to_end()
    result = collect(model, {}, privacy=False)
    wall = time.perf_counter() - start
    graph = result.graph
    tail = np.array([graph.links[links[0]][0] for _, links in trips], dtype=np.int64)
    head = np.array([graph.links[links[-1]][1] for _, links in trips], dtype=np.int64)
    east = (
        (graph.x_m[tail] == graph.x_m.min())
        & (graph.x_m[head] == graph.x_m.max())
        & np.isclose(graph.y_m[tail], graph.y_m[head])
    )
    done = result.tables["vehicle_trips"]
    delay = done["end_s"] - done["start_s"] - done["freeflow_s"]
    trip = done["trip"].astype(np.int64) - 1  # trips are numbered from 1 as started
    series = result.series
    standing = [
        {"time_s": float(t), "vehicles": int(inside), "queued": int(queued)}
        for t, inside, queued in zip(
            series["time_s"], series["vehicles_in_network"], series["vehicles_queued"],
            strict=True,
        )
        if t % STANDING_EVERY_S == 0
    ]  # fmt: skip
    figures = {"arrived": float(len(delay)), **_delays(delay, east[trip]), "wall_s": wall,
               "standing": standing}  # fmt: skip
    return TwinRun(figures, trips, east, graph)


def _recorded_trips(traffic: Traffic) -> list[tuple[float, tuple[int, ...]]]:
    """A list that fills, as ``traffic`` starts each trip, with its start time and links."""
    trips: list[tuple[float, tuple[int, ...]]] = []
    start_trip = traffic.start_trip

    def recorded(entry: int, exit_: int, route: Route, *rest: Any, **named: Any) -> None:
        trips.append((traffic.env.now, route.links))
        start_trip(entry, exit_, route, *rest, **named)

    traffic.start_trip = recorded  # type: ignore[method-assign]
    return trips


def _delays(delay_s: np.ndarray, east: np.ndarray) -> dict[str, float]:
    def mean(values: np.ndarray) -> float:
        return float(values.mean()) if values.size else math.nan

    return {"delay_s": mean(delay_s), "east_delay_s": mean(delay_s[east])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--demands",
        type=float,
        nargs="+",
        default=[3000, 6000, 9000, 12000, 15000, 18000, 24000],
        help="vehicle trips entering per hour (default 3000 ... 24000)",
    )
    parser.add_argument("--size", type=int, default=10, help="intersections per side (10)")
    parser.add_argument("--block", type=float, default=150.0, help="block length, m (150)")
    parser.add_argument("--cycle", type=int, default=90, help="cycle, s (90)")
    parser.add_argument("--hours", type=float, default=1.0, help="simulated hours (1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--green-wave",
        nargs="*",
        type=float,
        metavar="DEMAND",
        help="also compare east-west progression at these demands (default 3000 6000)",
    )
    parser.add_argument(
        "--left-turns",
        choices=("permissive", "unopposed"),
        default="permissive",
        help="the twin's signals.left_turns (default permissive: as SUMO's one-lane "
        "junctions, a left-turner waits for a gap in the opposing flow)",
    )
    parser.add_argument(
        "--green-wave-seeds",
        type=int,
        default=1,
        metavar="N",
        help="run the green wave at seeds SEED ... SEED+N-1 (default 1): its progressed "
        "trips are a few dozen an hour, so one seed's change is noisy",
    )
    parser.add_argument(
        "--speed-spread",
        type=float,
        default=0.1,
        help="the twin's city.speed_spread (default 0.1: SUMO's passenger cars, "
        "speedFactor normc(1, 0.1, 0.2, 2); 0: every twin driver at the limit)",
    )
    parser.add_argument(
        "--acceleration",
        type=float,
        default=2.6,
        help="the twin's city.acceleration_mps2 (default 2.6: SUMO's passenger cars, which "
        "brake at 4.5 m/s2, the twin's default; 0: vehicles stop and start at once)",
    )
    parser.add_argument(
        "--standing",
        nargs="+",
        type=float,
        metavar="DEMAND",
        help="also print, every 10 minutes at these demands, each tool's vehicles in the "
        "grid and those standing still (SUMO: also those standing inside a junction, by "
        "movement)",
    )
    parser.add_argument(
        "--sumo-routing",
        action="store_true",
        help="SUMO routes the twin's trips by its own fastest paths (as in issue 18) "
        "instead of driving the twin's routes",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures: dict[str, list[dict[str, object]]] = {
        "throughput": [],
        "green_wave": [],
        "standing": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        net = build_net(folder, args.size, args.block, args.cycle)
        print(
            f"{args.size}x{args.size} grid, {args.block:g} m blocks, one lane, fixed "
            f"{args.cycle} s, {args.hours:g} h, seed {args.seed}; the twin's left turns "
            f"{args.left_turns}, its drivers' speed spread {args.speed_spread:g} and acceleration "
            f"{args.acceleration:g} m/s2; SUMO drives the twin's trips "
            + ("by its own routes" if args.sumo_routing else "along the twin's routes")
        )
        print("demand/h | SUMO arrived  time loss s | twin completed  delay s | ratio")
        for demand in args.demands:
            run = run_twin(args, demand, "none")
            sumo, twin = run_sumo(net, folder, run, args, None), run.figures
            figures["throughput"].append({"demand": demand, "sumo": sumo, "twin": twin})
            print(
                f"{demand:>8.0f} | {sumo['arrived']:>12.0f}  {sumo['delay_s']:>11.1f} | "
                f"{twin['arrived']:>14.0f}  {twin['delay_s']:>7.1f} | "
                f"{twin['arrived'] / max(sumo['arrived'], 1):.2f}"
            )
        if args.green_wave is not None:
            _green_wave(args, net, folder, figures["green_wave"])
        for demand in args.standing or []:
            _standing(args, net, folder, demand, figures["standing"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
        print(f"wrote {args.json}")


def _green_wave(
    args: argparse.Namespace, net: Path, folder: Path, figures: list[dict[str, object]]
) -> None:
    """Mean delay with east-west progression against without, in both tools."""
    wave = green_wave(net, folder, args.cycle)
    print("green wave (east-west offsets against none): mean delay (s) of the trips")
    seeds = range(args.seed, args.seed + args.green_wave_seeds)
    for demand in args.green_wave or [3000, 6000]:
        runs: dict[str, list[tuple[dict[str, float], dict[str, float]]]] = {"SUMO": [], "twin": []}
        for seed in seeds:
            seeded = argparse.Namespace(**{**vars(args), "seed": seed})
            plain, waved = (
                run_twin(seeded, demand, "none"),
                run_twin(seeded, demand, "green_wave_ew"),
            )
            runs["SUMO"].append(
                (
                    run_sumo(net, folder, plain, seeded, None),
                    run_sumo(net, folder, waved, seeded, wave),
                )
            )
            runs["twin"].append((plain.figures, waved.figures))
        figures.append({"demand": demand, **runs})
        for key, what in (("delay_s", "all trips"), ("east_delay_s", "straight east")):
            said = [_wave_change(pairs, key, tool) for tool, pairs in runs.items()]
            print(f"{demand:>8.0f} {what:>13} | " + " | ".join(said))


def _standing(
    args: argparse.Namespace,
    net: Path,
    folder: Path,
    demand: float,
    figures: list[dict[str, object]],
) -> None:
    """Where each tool's vehicles are every 10 minutes at ``demand``."""
    run = run_twin(args, demand, "none")
    sumo, twin = run_sumo(net, folder, run, args, None, STANDING_EVERY_S), run.figures
    figures.append({"demand": demand, "sumo": sumo["standing"], "twin": twin["standing"]})
    print(f"where the vehicles are at {demand:.0f} veh/h (seed {args.seed}):")
    print("  min | SUMO in grid  standing  standing in a junction | twin in grid  queued")
    twin_at = {row["time_s"]: row for row in twin["standing"]}
    for row in sumo["standing"]:
        mine = twin_at.get(row["time_s"], {"vehicles": "", "queued": ""})
        inside = row["in_junctions"]
        said = ", ".join(f"{n} {k}" for k, n in sorted(inside.items())) or "0"
        print(
            f"{row['time_s'] / 60:>5.0f} | {row['vehicles']:>12} {row['standing']:>9}  "
            f"{sum(inside.values()):>3} ({said}) | {mine['vehicles']:>12} {mine['queued']:>7}"
        )


def _wave_change(
    pairs: list[tuple[dict[str, float], dict[str, float]]], key: str, tool: str
) -> str:
    """One tool's mean delay without -> with the green wave over the seeds, and the
    change (mean of the seeds' changes, with their standard deviation past one seed)."""
    plain = np.array([p[key] for p, _ in pairs])
    waved = np.array([w[key] for _, w in pairs])
    change = waved / plain - 1
    spread = f" sd {change.std(ddof=1):.0%}" if len(change) > 1 else ""
    return f"{tool} {plain.mean():.1f} -> {waved.mean():.1f} ({change.mean():+.0%}{spread})"


if __name__ == "__main__":
    main()
