"""Benchmark: a 10x10 district for a simulated day at realistic demand.

Prints wall seconds, events per second and simulated seconds per wall
second. Run by hand (``python benchmarks/bench_district_day.py``); CI prints
the figures for a shorter day. It asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import time

from twin.scenario import parse_scenario
from twin.simulation.model import CityModel, events_scheduled

DISTRICT = {
    "name": "bench-district-day",
    "seed": 1,
    "city": {"rows": 10, "cols": 10, "block_length_m": 150, "lanes": 1},
    "population": {"residents": 20_000, "impaired_share": 0.121},
    # A day's totals: 96,000 vehicle trips and 120,000 walking trips, peaked.
    "demand": {"vehicles_per_hour": 4000, "pedestrians_per_hour": 5000, "profile": "daily"},
    "signals": {"control": "fixed", "cycle_s": 60},
}

#: Every service on: preempted ambulances, radar crossings with driver alerts, a
#: snowstorm on half-heated sidewalks switched by pavement sensors.
SERVICES = {
    "emergency": {"incidents_per_hour": 4, "ambulances": 6},
    "services": {
        "preemption": True,
        "crossing_assist": "radar",
        "driver_alerts": True,
        "sidewalk_heating": {"share": 0.5, "activation": "pavement_sensor"},
    },
    "weather": {
        "temperature_c": -4,
        "snowfall": [{"start": "6h", "end": "10h", "rate_cm_per_h": 2}],
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    parser.add_argument("--control", choices=("fixed", "actuated"), default="fixed")
    parser.add_argument(
        "--services", action="store_true", help="every service on: " + ", ".join(SERVICES)
    )
    parser.add_argument(
        "--count-events", action="store_true", help="also count events (costs a little time)"
    )
    args = parser.parse_args()
    data = {**DISTRICT, "duration": args.hours * 3600}
    data["signals"] = {**DISTRICT["signals"], "control": args.control}
    if args.services:
        data.update(SERVICES)
    scenario = parse_scenario(data)
    start = time.perf_counter()
    model = CityModel(scenario, count_events=args.count_events)
    built = time.perf_counter()
    model.run_to_end()
    end = time.perf_counter()
    wall = end - start
    events = events_scheduled(model.env)
    services = "every service on" if args.services else "no services"
    print(f"scenario          10x10 grid, {args.hours:g} h, {args.control} control, {services}")
    print(f"vehicle trips     {model.traffic.started:,}")
    print(f"walking trips     {model.walking.started:,}")
    print(f"build             {built - start:.2f} s")
    print(f"wall              {wall:.2f} s")
    if args.count_events:
        print(f"events            {events:,}")
        print(f"events per s      {events / wall:,.0f}")
    print(f"sim s per wall s  {scenario.duration / wall:,.0f}")


if __name__ == "__main__":
    main()
