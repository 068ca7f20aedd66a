"""Benchmark: a 32x32 district (1,024 intersections), 100,000 residents, one simulated day.

Runs the whole ``twin run`` pipeline (``twin.run`` then ``twin.write`` without plots,
what ``twin run --no-plots`` does) in this process and prints wall and CPU seconds, peak
memory (``ru_maxrss``), the trips completed and the time split by phase: build,
simulate, metrics and privacy, writing. Run by hand::

    python benchmarks/bench_city_scale.py            # the full day (about a minute)
    python benchmarks/bench_city_scale.py --hours 2  # a shorter day

The day's demand follows the daily profile (AM and PM peaks): 4,170 vehicle trips and
7,920 walking trips an hour on average, about 100,000 vehicle trips and 190,000 walks
over 24 h. Services are the defaults (fixed-time signals, no smart services); the
policy is the default too, so the stores start at steady state (``policy.history``,
31 days) for any sensor that identifies people (with the defaults, none does, so no
history is generated; ``--monitoring bluetooth`` adds identifying sensors and their
month of history). ``--osm FILE --bbox W S E N`` runs a real district from an
OpenStreetMap extract at the same demand per intersection instead of the grid.
It asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time

import twin
from twin.scenario import parse_scenario

ROWS = COLS = 32
VEHICLES_PER_HOUR = 4170  # x 24 h: about 100,000 vehicle trips
PEDESTRIANS_PER_HOUR = 7920  # x 24 h: about 190,000 walks
DISTRICT = {
    "name": "bench-city-scale",
    "seed": 1,
    "city": {"rows": ROWS, "cols": COLS, "block_length_m": 150, "lanes": 1},
    "population": {"residents": 100_000, "impaired_share": 0.121},
    "demand": {
        "vehicles_per_hour": VEHICLES_PER_HOUR,
        "pedestrians_per_hour": PEDESTRIANS_PER_HOUR,
        "profile": "daily",
    },
    "signals": {"control": "fixed", "cycle_s": 60},
}


def cpu_s() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    """Peak resident memory of this process (MiB; Linux reports ru_maxrss in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (1024 * 1024) if sys.platform == "darwin" else kib / 1024


def scenario_data(args: argparse.Namespace) -> dict[str, object]:
    """The benchmark scenario: the grid, or the OpenStreetMap district scaled to it."""
    data: dict[str, object] = {**DISTRICT, "duration": args.hours * 3600}
    if args.monitoring != "none":
        data["services"] = {"traffic_monitoring": {"method": args.monitoring}}
    if args.osm:
        city: dict[str, object] = {"osm": args.osm, "lanes": 1}
        if args.bbox:
            city["bbox"] = args.bbox
        data["city"] = city
    return data


def scale_to_grid(data: dict[str, object]) -> dict[str, object]:
    """A map's demand and residents scaled by its intersections over the grid's."""
    from twin.district.city import street_graph

    n = street_graph(parse_scenario(data)).n_intersections
    share = n / (ROWS * COLS)
    demand = {**DISTRICT["demand"]}  # type: ignore[dict-item]
    demand["vehicles_per_hour"] = round(VEHICLES_PER_HOUR * share)
    demand["pedestrians_per_hour"] = round(PEDESTRIANS_PER_HOUR * share)
    population = {**DISTRICT["population"], "residents": max(1, round(100_000 * share))}  # type: ignore[dict-item]
    return {**data, "demand": demand, "population": population}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument(
        "--monitoring",
        default="none",
        help="services.traffic_monitoring.method (default none: the default services)",
    )
    parser.add_argument("--osm", help="an OpenStreetMap extract (.osm or .osm.pbf) instead")
    parser.add_argument(
        "--bbox", type=float, nargs=4, metavar=("W", "S", "E", "N"), help="with --osm (degrees)"
    )
    args = parser.parse_args()
    data = scenario_data(args)
    if args.osm:
        data = scale_to_grid(data)
    wall0, cpu0 = time.perf_counter(), cpu_s()
    scenario = parse_scenario(data)
    result = twin.run(scenario)
    ran, ran_cpu = time.perf_counter(), cpu_s()
    with tempfile.TemporaryDirectory() as out:
        twin.write(result, out, plots=False)
    wall, cpu = time.perf_counter() - wall0, cpu_s() - cpu0
    timing = result.timing
    efficiency = result.metrics["efficiency"]
    assert isinstance(efficiency, dict)
    vehicles = int(efficiency["vehicle_trips_completed"])
    walks = int(efficiency["pedestrian_trips_completed"])
    intersections = result.graph.n_intersections
    where = f"{args.osm} ({intersections:,} intersections)" if args.osm else f"{ROWS}x{COLS} grid"
    services = f"monitoring {args.monitoring}" if args.monitoring != "none" else "default services"
    residents = scenario.population.residents
    print(f"scenario          {where}, {residents:,} residents, {args.hours:g} h, {services}")
    print(f"vehicle trips     {vehicles:,} completed ({int(timing['vehicles_started']):,} started)")
    print(f"walks             {walks:,} completed ({int(timing['pedestrians_started']):,} started)")
    print(f"history days      {result.metrics['privacy'].get('history_days', 0)}")  # type: ignore[union-attr]
    print(f"wall              {wall:.1f} s")
    print(f"CPU               {cpu:.1f} s (user + system)")
    print(f"peak RSS          {peak_rss_mib():,.0f} MiB")
    print(f"  build           {timing['build_s']:.1f} s wall")
    print(f"  simulate        {timing['run_s'] - timing['build_s']:.1f} s wall")
    print(f"  metrics/privacy {timing['wall_s'] - timing['run_s']:.1f} s wall "
          f"(privacy {timing['privacy_s']:.1f} s)")  # fmt: skip
    print(f"  writing         {time.perf_counter() - wall0 - (ran - wall0):.1f} s wall")
    print(f"trips per CPU s   {(vehicles + walks) / cpu:,.0f} (run only: "
          f"{(vehicles + walks) / (ran_cpu - cpu0):,.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
