"""Refuse scenarios too large for this machine before they start."""

from __future__ import annotations

import os

from twin.errors import CapacityError
from twin.scenario import Scenario

GIB = 1024**3
#: Bytes held per unit, measured on the runs in benchmarks/ and rounded up.
BYTES_PER_RESIDENT = 2_000
BYTES_PER_VEHICLE_TRIP = 8 * 8 + 150
BYTES_PER_PEDESTRIAN_TRIP = 7 * 8 + 150
BYTES_PER_CROSSING = 10 * 8
BYTES_PER_SIGNAL_PHASE = 5 * 8
USABLE_SHARE = 0.8


def available_memory_bytes() -> int:
    """Memory available to a new run (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def estimate_memory_bytes(scenario: Scenario) -> int:
    """Rough peak memory of a run: agents, trip tables and routing tables."""
    hours = scenario.duration / 3600.0
    city, demand = scenario.city, scenario.demand
    nodes = city.rows * city.cols
    corners = 4 * nodes
    vehicle_trips = demand.vehicles_per_hour * hours
    pedestrian_trips = demand.pedestrians_per_hour * hours
    crossings = pedestrian_trips * (scenario.population.max_trip_blocks + 1)
    phases = 2 * nodes * scenario.duration / scenario.signals.cycle_s
    return int(
        50 * 1024**2
        + scenario.population.residents * BYTES_PER_RESIDENT
        + vehicle_trips * BYTES_PER_VEHICLE_TRIP
        + pedestrian_trips * BYTES_PER_PEDESTRIAN_TRIP
        + crossings * BYTES_PER_CROSSING
        + phases * BYTES_PER_SIGNAL_PHASE
        + corners * corners * 4
    )


def check_capacity(scenario: Scenario, available: int | None = None) -> None:
    """Raise :class:`CapacityError` when the run would not fit in memory."""
    need = estimate_memory_bytes(scenario)
    have = available_memory_bytes() if available is None else available
    if need > USABLE_SHARE * have:
        raise CapacityError(
            f"scenario '{scenario.name}' needs an estimated {need / GIB:.1f} GiB of memory, "
            f"but only {have / GIB:.1f} GiB is available ({USABLE_SHARE:.0%} usable); "
            "shorten the duration or lower demand.*_per_hour or population.residents"
        )
